"""Named statements of the stage runner: claim, record, release, and the status counts.

    rows = await claim_batch(session, target, limit=10, token=uuid4(), lease_s=60.0)
    owned = await record_outcomes(session, target, token, [OutcomeRow(rows[0].id, "success")])

Every statement is built from a :class:`StageTarget` (a schema table plus the names of its
stage columns). Identifiers come only from that declaration - checked against the Table's
real columns and quoted by the dialect - never from user input. Status labels are checked
against the column's Postgres enum and inlined as literals so the planner can match the
partial claim indexes (``WHERE <status> = 'queued'``); values are always bound.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.ext.asyncio import AsyncSession

OutcomeKind = Literal["success", "retry", "failure", "release"]
LEASE_COLUMNS = (
    "lease_token",
    "lease_expires_at",
    "attempts",
    "next_attempt_at",
    "error",
    "error_category",
    "finished_at",
)
_PREPARER = postgresql.dialect().identifier_preparer  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class StageTarget:
    """Where a stage's queue lives: table, status column, column prefix and status labels.

    ``fair_by`` names a column (e.g. ``domain_id``) to claim round-robin across its values
    instead of strictly by due time; it ranks every due row, so it costs a scan per claim.
    """

    table: Table
    status_column: str
    prefix: str
    queued: str
    processing: str
    success: str
    failure: str
    load_columns: tuple[str, ...] = ()
    fair_by: str | None = None

    def __post_init__(self) -> None:
        names = set(self.table.c.keys())
        wanted = [self.status_column, "id", *self.lease_columns.values(), *self.load_columns]
        if self.fair_by:
            wanted.append(self.fair_by)
        missing = [name for name in wanted if name not in names]
        if missing:
            raise ValueError(f"table {self.table.name} has no column(s) {', '.join(missing)}")
        status_type = self.table.c[self.status_column].type
        if not isinstance(status_type, ENUM):
            raise ValueError(f"{self.table.name}.{self.status_column} is not an enum column")
        labels = set(status_type.enums)
        values = (self.queued, self.processing, self.success, self.failure)
        unknown = [v for v in values if v not in labels]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} not in {status_type.name} ({', '.join(sorted(labels))})"
            )
        if len(set(values)) != 4:
            raise ValueError("queued/processing/success/failure must be four different labels")

    @property
    def lease_columns(self) -> dict[str, str]:
        return {name: f"{self.prefix}_{name}" for name in LEASE_COLUMNS}

    @property
    def enum_type(self) -> str:
        status_type = self.table.c[self.status_column].type
        assert isinstance(status_type, ENUM)
        return str(status_type.name)


@dataclass(frozen=True)
class ClaimedRow:
    id: int
    attempts: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutcomeRow:
    """How phase 3 leaves one row: ``delay_s`` only for retry; error text for retry/failure."""

    id: int
    kind: OutcomeKind
    delay_s: float = 0.0
    category: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class QueueCounts:
    by_status: dict[str, int]
    oldest_due_age_s: float | None
    expired_leases: int
    at_max_attempts: int


def _q(name: str) -> str:
    return str(_PREPARER.quote(name))


def _literal(label: str, enum_type: str) -> str:
    # labels were checked against the enum, but quote anyway
    return "'" + label.replace("'", "''") + "'::" + _q(enum_type)


@dataclass(frozen=True)
class _Sql:
    claim: TextClause
    record: TextClause
    counts: TextClause
    health: TextClause
    anything_due: TextClause


# A one-row CTE joined into the claim and the record: any row they write implies this ran,
# so their COMMIT does not wait for the WAL flush (SET LOCAL in its function form, which
# poolers accept) - without a round trip of its own.
_RELAX = "relax AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS s)"


@functools.lru_cache(maxsize=64)
def _statements(target: StageTarget, asynchronous_commit: bool = False) -> _Sql:
    t = _q(target.table.name)
    lc = {k: _q(v) for k, v in target.lease_columns.items()}
    status = _q(target.status_column)
    enum = target.enum_type
    queued = _literal(target.queued, enum)
    processing = _literal(target.processing, enum)
    success = _literal(target.success, enum)
    failure = _literal(target.failure, enum)
    touch = ", updated_at = now()" if "updated_at" in target.table.c else ""
    returning = ", ".join(
        ["t.id", f"t.{lc['attempts']} AS attempts"] + [f"t.{_q(c)}" for c in target.load_columns]
    )
    due = f"{status} = {queued} AND {lc['next_attempt_at']} <= now()"
    # Expired leases first, then due rows in the partial index's order (next_attempt_at).
    # One OR'd predicate would force a scan and sort of every due row on each claim.
    # NO KEY UPDATE: the claim never changes keys, and a FOR UPDATE lock would block other
    # transactions' inserts whose foreign keys point at the row (their KEY SHARE check).
    relax_cte = f"{_RELAX}, " if asynchronous_commit else ""
    relax_from = ", relax" if asynchronous_commit else ""
    expired_cte = (
        f"expired AS MATERIALIZED (SELECT id FROM {t}{relax_from} "
        f"WHERE {status} = {processing} AND {lc['lease_expires_at']} < now() "
        f"ORDER BY {lc['lease_expires_at']} FOR NO KEY UPDATE SKIP LOCKED LIMIT :n)"
    )
    remaining = "LIMIT :n - (SELECT count(*) FROM expired)"
    if target.fair_by is None:
        queued_cte = (
            f"queued AS MATERIALIZED (SELECT id FROM {t}{relax_from} WHERE {due} "
            f"ORDER BY {lc['next_attempt_at']} FOR NO KEY UPDATE SKIP LOCKED {remaining})"
        )
    else:
        fair = _q(target.fair_by)
        queued_cte = (
            f"ranked AS MATERIALIZED (SELECT id, row_number() OVER (PARTITION BY {fair} "
            f"ORDER BY {lc['next_attempt_at']}, id) AS rn, {lc['next_attempt_at']} AS due_at "
            f"FROM {t} WHERE {due}), "
            f"queued AS MATERIALIZED (SELECT q.id FROM {t} AS q JOIN ranked r ON r.id = q.id"
            f"{relax_from} "
            f"WHERE q.{status} = {queued} AND q.{lc['next_attempt_at']} <= now() "
            f"ORDER BY r.rn, r.due_at, q.id FOR NO KEY UPDATE OF q SKIP LOCKED {remaining})"
        )
    claim = (
        f"WITH {relax_cte}{expired_cte}, {queued_cte} "
        f"UPDATE {t} AS t SET {status} = {processing}, {lc['lease_token']} = :token, "
        f"{lc['lease_expires_at']} = now() + make_interval(secs => :lease_s), "
        f"{lc['attempts']} = t.{lc['attempts']} + 1{touch} "
        "WHERE t.id = ANY(ARRAY(SELECT id FROM expired UNION ALL SELECT id FROM queued)) "
        f"RETURNING {returning}"
    )
    record = (
        (f"WITH {_RELAX} " if asynchronous_commit else "") + f"UPDATE {t} AS t SET "
        f"{status} = CASE v.outcome WHEN 'success' THEN {success} WHEN 'failure' THEN {failure} "
        f"ELSE {queued} END, "
        f"{lc['attempts']} = CASE WHEN v.outcome = 'release' "
        f"THEN greatest(t.{lc['attempts']} - 1, 0) ELSE t.{lc['attempts']} END, "
        f"{lc['next_attempt_at']} = CASE WHEN v.outcome = 'retry' "
        f"THEN now() + make_interval(secs => v.delay_s) ELSE t.{lc['next_attempt_at']} END, "
        f"{lc['lease_token']} = NULL, {lc['lease_expires_at']} = NULL, "
        f"{lc['error']} = CASE WHEN v.outcome = 'release' THEN t.{lc['error']} "
        "ELSE v.message END, "
        f"{lc['error_category']} = CASE WHEN v.outcome = 'release' "
        f"THEN t.{lc['error_category']} ELSE v.category END, "
        f"{lc['finished_at']} = CASE WHEN v.outcome IN ('success', 'failure') THEN now() "
        f"ELSE NULL END{touch} "
        "FROM unnest(CAST(:ids AS bigint[]), CAST(:outcomes AS text[]), "
        "CAST(:delays AS float8[]), CAST(:categories AS text[]), CAST(:messages AS text[])) "
        f"AS v(id, outcome, delay_s, category, message){relax_from} "
        f"WHERE t.id = v.id AND t.{lc['lease_token']} = :token "
        "RETURNING t.id"
    )
    counts = f"SELECT {status}::text AS status, count(*) AS n FROM {t} GROUP BY 1"
    health = (
        "SELECT "
        f"(SELECT extract(epoch FROM now() - min({lc['next_attempt_at']})) FROM {t} "
        f"WHERE {due}) AS oldest_due_age_s, "
        f"(SELECT count(*) FROM {t} WHERE {status} = {processing} "
        f"AND {lc['lease_expires_at']} < now()) AS expired_leases, "
        f"(SELECT count(*) FROM {t} WHERE {status} = {failure} "
        f"AND {lc['attempts']} >= :max_attempts) AS at_max_attempts"
    )
    anything_due = (
        f"SELECT EXISTS (SELECT 1 FROM {t} WHERE {due}) OR EXISTS (SELECT 1 FROM {t} "
        f"WHERE {status} = {processing} AND {lc['lease_expires_at']} < now())"
    )
    return _Sql(
        claim=text(claim),
        record=text(record),
        counts=text(counts),
        health=text(health),
        anything_due=text(anything_due),
    )


async def claim_batch(
    session: AsyncSession,
    target: StageTarget,
    *,
    limit: int,
    token: uuid.UUID,
    lease_s: float,
    asynchronous_commit: bool = False,
) -> list[ClaimedRow]:
    """Claim up to ``limit`` due or lease-expired rows under a fresh ``token``; one statement.

    ``asynchronous_commit``: the transaction's COMMIT will not wait for the WAL flush.
    """
    result = await session.execute(
        _statements(target, asynchronous_commit).claim,
        {"n": limit, "token": token, "lease_s": lease_s},
    )
    rows = []
    for row in result.mappings():
        values = {name: row[name] for name in target.load_columns}
        rows.append(ClaimedRow(id=int(row["id"]), attempts=int(row["attempts"]), values=values))
    return rows


async def record_outcomes(
    session: AsyncSession,
    target: StageTarget,
    token: uuid.UUID,
    outcomes: Sequence[OutcomeRow],
    *,
    asynchronous_commit: bool = False,
) -> set[int]:
    """Apply a batch's outcomes, fenced by its lease token; return the ids still owned."""
    if not outcomes:
        return set()
    result = await session.execute(
        _statements(target, asynchronous_commit).record,
        {
            "token": token,
            "ids": [o.id for o in outcomes],
            "outcomes": [o.kind for o in outcomes],
            "delays": [o.delay_s for o in outcomes],
            "categories": [o.category for o in outcomes],
            "messages": [o.message for o in outcomes],
        },
    )
    return {int(row[0]) for row in result}


async def anything_due(session: AsyncSession, target: StageTarget) -> bool:
    """Whether any row is due or lease-expired, locked by someone else or not (no locks)."""
    return bool((await session.execute(_statements(target).anything_due)).scalar_one())


async def queue_counts(
    session: AsyncSession, target: StageTarget, *, max_attempts: int
) -> QueueCounts:
    """Rows by status, age of the oldest due row, expired leases, rows failed at max attempts."""
    sql = _statements(target)
    by_status = {str(r[0]): int(r[1]) for r in await session.execute(sql.counts)}
    health = (await session.execute(sql.health, {"max_attempts": max_attempts})).one()
    return QueueCounts(
        by_status=by_status,
        oldest_due_age_s=float(health[0]) if health[0] is not None else None,
        expired_leases=int(health[1]),
        at_max_attempts=int(health[2]),
    )
