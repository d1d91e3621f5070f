"""Adding domains: normalise, de-duplicate, bulk-insert in short transactions.

report = await add_domains(["Example.com", "https://www.example.com/x"], source="cli")
report.accepted, report.duplicates, report.rejected   # 1, 1, 0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scrapersky.db.queries.domains import insert_new_domains
from scrapersky.db.transaction import transaction
from scrapersky.web.domains import normalize_many

# One INSERT ... SELECT unnest(...) per chunk, each in its own short transaction.
INSERT_CHUNK = 20_000
EXAMPLES_KEPT = 20


@dataclass(frozen=True)
class Rejection:
    row: int
    raw: str
    reason: str


@dataclass
class IntakeReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    duplicate_examples: list[str] = field(default_factory=list)
    accepted_domains: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def total(self) -> int:
        return self.accepted + self.duplicates + self.rejected

    @property
    def rows_per_s(self) -> float:
        return self.total / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejections": [vars(r) for r in self.rejections],
            "duplicate_examples": self.duplicate_examples,
            "elapsed_s": round(self.elapsed_s, 3),
            "rows_per_s": round(self.rows_per_s),
        }


async def add_domains(
    raws: Iterable[str],
    *,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
    keep_accepted: int = 1000,
) -> IntakeReport:
    """Add every valid, new domain; report duplicates and rejections with reasons."""
    started = time.perf_counter()
    report = IntakeReport()
    rows = normalize_many(raws)
    fresh: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row.status == "rejected":
            report.rejected += 1
            if len(report.rejections) < EXAMPLES_KEPT:
                report.rejections.append(Rejection(number, row.raw, row.reason or "invalid"))
        elif row.status == "duplicate":
            _count_duplicate(report, row.raw)
        elif row.domain is not None:
            fresh.append(row.domain)
    for start in range(0, len(fresh), INSERT_CHUNK):
        chunk = fresh[start : start + INSERT_CHUNK]
        async with transaction() as session:
            inserted = await insert_new_domains(session, chunk, source)
        report.accepted += len(inserted)
        if len(report.accepted_domains) < keep_accepted:
            report.accepted_domains.extend(inserted[: keep_accepted - len(report.accepted_domains)])
        if len(inserted) < len(chunk):
            already = set(chunk) - set(inserted)
            for name in sorted(already):
                _count_duplicate(report, name)
        if progress is not None:
            progress(len(chunk))
    report.elapsed_s = time.perf_counter() - started
    return report


def _count_duplicate(report: IntakeReport, raw: str) -> None:
    report.duplicates += 1
    if len(report.duplicate_examples) < EXAMPLES_KEPT:
        report.duplicate_examples.append(raw)
