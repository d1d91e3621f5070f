"""`scrapersky db check`: what the process is connected to, and proof the timeouts hold.

report = await check_database(db)
report.ok  # True when every timeout SHOWs the configured value inside a transaction
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrapersky.db.engine import Database
from scrapersky.db.migrate import current_revision, head_revision
from scrapersky.db.queries.ops import TIMEOUT_SETTINGS, server_version, show_settings
from scrapersky.db.transaction import transaction


@dataclass
class DatabaseReport:
    mode: str
    url: str
    server_version: str
    pool: dict[str, object]
    expected_timeouts: dict[str, str]
    timeouts_in_force: dict[str, str]
    revision: str | None
    head: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _as_ms(value: str) -> str:
    """Normalise SHOW output ('30s', '1min', '0') to milliseconds."""
    units = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
    for unit in sorted(units, key=len, reverse=True):
        if value.endswith(unit) and value[: -len(unit)].isdigit():
            return str(int(value[: -len(unit)]) * units[unit])
    return value


async def check_database(database: Database) -> DatabaseReport:
    async with transaction(database) as session:
        version = await server_version(session)
        in_force = await show_settings(session, TIMEOUT_SETTINGS)
    expected = database.timeouts.as_settings()
    report = DatabaseReport(
        mode=database.mode,
        url=database.display_url,
        server_version=version,
        pool={
            "size": database.settings.pool_size,
            "max_overflow": database.settings.pool_max_overflow,
            "timeout_s": database.settings.pool_timeout_s,
            "statement_cache": "off" if database.mode == "pooler" else "on",
        },
        expected_timeouts=expected,
        timeouts_in_force=in_force,
        revision=await current_revision(database),
        head=head_revision(),
    )
    for name, want in expected.items():
        got = _as_ms(in_force[name])
        if got != want:
            report.problems.append(
                f"{name} is {in_force[name]} in a transaction, expected {want}ms"
            )
    if report.revision != report.head:
        report.problems.append(f"schema at revision {report.revision}, code expects {report.head}")
    return report
