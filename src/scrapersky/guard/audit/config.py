"""``[tool.scrapersky.audit]`` in pyproject.toml, read with tomllib.

config = load_config(Path("pyproject.toml"))   # or find_config(Path.cwd())
config.managed_transaction_functions            # ["transaction"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scrapersky.exceptions import ConfigurationError
from scrapersky.guard.audit.model import FileKind, Severity


@dataclass
class AuditConfig:
    root: Path = field(default_factory=Path.cwd)  # paths are shown relative to this
    exclude: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)  # empty: every rule
    ignore: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # empty: every file kind
    fail_on: str = "low"
    baseline: str | None = None
    # Context managers that commit or roll back on exit: `async with transaction() as s`.
    managed_transaction_functions: list[str] = field(default_factory=lambda: ["transaction"])
    # Calls that return a new session the caller must close.
    session_factories: list[str] = field(default_factory=list)
    # Extra calls that wait on the network (qualified names or bare function names).
    io_functions: list[str] = field(default_factory=list)
    pooler_ports: list[int] = field(default_factory=lambda: [6543, 6432])
    pooler_host_markers: list[str] = field(
        default_factory=lambda: ["pooler", "pgbouncer", "supavisor"]
    )

    @property
    def fail_on_severity(self) -> Severity:
        return Severity(self.fail_on)

    @property
    def file_kinds(self) -> set[FileKind]:
        return {FileKind(k) for k in self.kinds} if self.kinds else set(FileKind)

    def validate(self) -> AuditConfig:
        try:
            Severity(self.fail_on)
        except ValueError:
            raise ConfigurationError(
                f"fail_on must be one of {', '.join(s.value for s in Severity)}, "
                f"not {self.fail_on!r}"
            ) from None
        for kind in self.kinds:
            try:
                FileKind(kind)
            except ValueError:
                raise ConfigurationError(
                    f"kind must be one of {', '.join(k.value for k in FileKind)}, not {kind!r}"
                ) from None
        return self


_LIST_OF_STR = {
    "exclude",
    "select",
    "ignore",
    "kinds",
    "managed_transaction_functions",
    "session_factories",
    "io_functions",
    "pooler_host_markers",
}


def config_from_table(table: dict[str, Any], root: Path) -> AuditConfig:
    known = {f.name for f in fields(AuditConfig)} - {"root"}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigurationError(
                f"[tool.scrapersky.audit]: unknown key {key!r} (known: {', '.join(sorted(known))})"
            )
        if name in _LIST_OF_STR and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise ConfigurationError(f"[tool.scrapersky.audit]: {key} must be a list of strings")
        if name == "pooler_ports" and not (
            isinstance(value, list) and all(isinstance(v, int) for v in value)
        ):
            raise ConfigurationError("[tool.scrapersky.audit]: pooler_ports must be integers")
        if name in ("fail_on", "baseline") and not isinstance(value, str):
            raise ConfigurationError(f"[tool.scrapersky.audit]: {key} must be a string")
        values[name] = value
    return AuditConfig(root=root, **values).validate()


def load_config(pyproject: Path) -> AuditConfig:
    """Read one pyproject.toml; a missing table means the defaults."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"config file not found: {pyproject}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ConfigurationError(f"cannot read {pyproject}: {error}") from None
    table = data.get("tool", {}).get("scrapersky", {}).get("audit", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{pyproject}: [tool.scrapersky.audit] must be a table")
    return config_from_table(table, pyproject.resolve().parent)


def find_config(start: Path) -> AuditConfig:
    """The nearest pyproject.toml at or above ``start``; defaults when there is none."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return load_config(candidate)
    return AuditConfig(root=start)
