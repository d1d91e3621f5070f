"""The `audit` command: the static session anti-pattern linter (see docs/rules.md).

    scrapersky audit src/ --format sarif > audit.sarif
    scrapersky audit src/ --fail-on high --baseline audit-baseline.json

Exit codes: 0 clean, 1 findings (at or above --fail-on) or unreadable files, 2 usage error.
Imports neither the database nor the web layer, so it starts fast.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import NoReturn

import typer

from scrapersky.exceptions import ConfigurationError

USAGE_ERROR = 2


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USAGE_ERROR)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def audit_command(
    paths: list[Path] = typer.Argument(..., help="Files or directories to audit."),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json or sarif."),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="Lowest severity that fails: critical, high, medium, low."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="Ignore findings recorded in this baseline file."
    ),
    write_baseline: Path | None = typer.Option(
        None, "--write-baseline", help="Record the current findings as the baseline; exit 0."
    ),
    select: list[str] = typer.Option([], "--select", help="Only these codes (SKY101,SKY2…)."),
    ignore: list[str] = typer.Option([], "--ignore", help="Skip these codes."),
    kind: list[str] = typer.Option(
        [], "--kind", help="Only files of these kinds: production, test, experiment."
    ),
    config_file: Path | None = typer.Option(
        None, "--config", help="pyproject.toml to read [tool.scrapersky.audit] from."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
) -> None:
    """Find database-session anti-patterns: commits in managed transactions, unclosed
    sessions, queries in loops, network I/O inside transactions, pooler misconfiguration,
    unknown enum members."""
    from scrapersky.guard.audit.baseline import write_baseline as save_baseline
    from scrapersky.guard.audit.config import find_config, load_config
    from scrapersky.guard.audit.model import Severity
    from scrapersky.guard.audit.reporters import FORMATS, render
    from scrapersky.guard.audit.runner import audit_paths

    if fmt not in FORMATS:
        _usage_error(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        config = load_config(config_file) if config_file else find_config(Path.cwd())
        overrides: dict[str, object] = {}
        if fail_on:
            overrides["fail_on"] = fail_on.lower()
        if select:
            overrides["select"] = _split(select)
        if ignore:
            overrides["ignore"] = [*config.ignore, *_split(ignore)]
        if kind:
            overrides["kinds"] = [k.lower() for k in _split(kind)]
        if baseline is not None:
            overrides["baseline"] = str(baseline.resolve())
        if write_baseline is not None:
            overrides["baseline"] = None
        config = dataclasses.replace(config, **overrides).validate()  # type: ignore[arg-type]
        result = audit_paths(paths, config)
    except ConfigurationError as error:
        _usage_error(error.message)
    if write_baseline is not None:
        save_baseline(write_baseline, result.findings)
        typer.echo(
            f"wrote {len(result.findings)} finding(s) to baseline {write_baseline}", err=True
        )
        raise typer.Exit(0)
    report = render(result, fmt)
    if output is not None:
        output.write_text(report + "\n", encoding="utf-8")
    else:
        sys.stdout.write(report + "\n")
    threshold = Severity(config.fail_on)
    failing = [f for f in result.findings if f.severity >= threshold]
    raise typer.Exit(1 if failing or result.errors else 0)


def main() -> None:
    """Run only the audit command (``python -m scrapersky.guard.audit``)."""
    single = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
    single.command()(audit_command)
    single()
