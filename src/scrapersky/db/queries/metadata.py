"""Metadata stage statements: save a batch of homepage results.

    await save_homepages(session, [HomepageRow(domain_id=7, final_url="https://a.com/", ...)])

It runs inside the runner's phase-3 transaction, for rows whose lease it verified. Saving is a
plain ``UPDATE ... SET`` by id, so a redelivered batch writes the same values again. (Rows the
stage defers go back to the queue through the runner's ``Defer`` outcome, not a query here.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.schema import domains

# Columns the stage writes, in the order of HomepageRow's fields (after domain_id).
HOMEPAGE_COLUMNS = (
    "final_url",
    "http_status",
    "title",
    "description",
    "language",
    "canonical_url",
    "favicon_url",
    "logo_url",
    "generator",
    "tech",
    "social",
    "emails",
    "phones",
    "jsonld",
)


@dataclass(frozen=True)
class HomepageRow:
    """What the metadata stage stores on one domain row."""

    domain_id: int
    final_url: str
    http_status: int | None
    title: str | None = None
    description: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    favicon_url: str | None = None
    logo_url: str | None = None
    generator: str | None = None
    tech: list[dict[str, Any]] = field(default_factory=list)
    social: dict[str, str] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    jsonld: dict[str, Any] | None = None


_SAVE = (
    update(domains)
    .where(domains.c.id == bindparam("b_domain_id"))
    .values(
        {
            **{
                name: bindparam(f"b_{name}", type_=domains.c[name].type)
                for name in HOMEPAGE_COLUMNS
            },
            "updated_at": func.now(),
        }
    )
)


async def save_homepages(session: AsyncSession, rows: Sequence[HomepageRow]) -> None:
    """Write every row's homepage fields (one executemany, in id order: one lock order)."""
    if not rows:
        return
    params = [
        {f"b_{key}": value for key, value in asdict(row).items()}
        for row in sorted(rows, key=lambda r: r.domain_id)
    ]
    await session.execute(_SAVE, params)
