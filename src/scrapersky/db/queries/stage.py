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

OutcomeKind = Literal["success", "retry", "failure", "release", "defer"]
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

    ``fair_by`` names a NOT NULL column (e.g. ``domain_id``) to claim round-robin across its
    values instead of strictly by due time (see :class:`FairRotation`); it reads every due row's
    value once per claim (a hash aggregate, no sort), so a claim costs a pass over the due rows.
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
        if self.fair_by and self.table.c[self.fair_by].nullable:
            # a NULL value matches no partition: those rows would never be claimed
            raise ValueError(f"fair_by column {self.table.name}.{self.fair_by} must be NOT NULL")
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


@dataclass
class FairRotation:
    """A runner's place in its round-robin over a ``fair_by`` column's values, across claims.

    Values are visited in the order of ``hashtext(value::text || salt)``: a permutation of its
    own per runner (random ``salt``), so workers do not all start on the same domains. A claim
    takes at most ``limit`` values, starting after the rotation key ``after``, one due row of
    each before a second of any; ``claim_batch`` moves ``after`` to where the claim ended.
    """

    salt: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    after: int | None = None  # the rotation key where the last claim ended; None: the start


@dataclass(frozen=True)
class OutcomeRow:
    """How phase 3 leaves one row: ``delay_s`` for retry and defer; error text for
    retry/failure (a defer keeps the row's error columns; ``category`` is only its reason)."""

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


def _fair_queued_cte(target: StageTarget, relax_from: str, remaining: str) -> str:
    """Due rows round-robin across ``fair_by`` values, rotating between claims.

    ``parts``: the due rows' distinct values (one pass, hash aggregate), the first ``:n`` in
    rotation order - by ``hashtext(value || :salt)``, those after ``:after`` first, then the
    wrapped-around rest. ``ranked``: the due rows of only those values, numbered per value.
    ``queued``: locked in the order (number, rotation order), so one row of each value comes
    before a second of any; ``LIMIT`` spans the values, and up to ``:n`` rows per value leave
    room for rows another claim holds locked. Ranking every due row instead (a sort of all of
    them per claim, and always from the same lowest values) measured 10x slower: docs/runner.md.
    """
    assert target.fair_by is not None
    t = _q(target.table.name)
    fair = _q(target.fair_by)
    status = _q(target.status_column)
    due_at = _q(target.lease_columns["next_attempt_at"])
    queued = _literal(target.queued, target.enum_type)
    due = f"c.{status} = {queued} AND c.{due_at} <= now()"
    after = "CAST(:after AS integer)"
    return (
        "parts AS MATERIALIZED (SELECT fair_value, fair_key, "
        f"coalesce(fair_key <= {after}, false) AS wrapped FROM (SELECT fair_value, "
        "hashtext(fair_value::text || CAST(:salt AS text)) AS fair_key FROM "
        f"(SELECT DISTINCT c.{fair} AS fair_value FROM {t} AS c WHERE {due}) AS d) AS k "
        "ORDER BY wrapped, fair_key LIMIT :n), "
        "ranked AS MATERIALIZED (SELECT id, rn, wrapped, fair_key FROM (SELECT c.id, "
        f"row_number() OVER (PARTITION BY c.{fair} ORDER BY c.{due_at}, c.id) AS rn, "
        f"p.wrapped, p.fair_key FROM {t} AS c JOIN parts AS p ON p.fair_value = c.{fair} "
        f"WHERE {due}) AS numbered WHERE rn <= :n), "
        f"queued AS MATERIALIZED (SELECT q.id, r.rn, r.wrapped, r.fair_key FROM {t} AS q "
        f"JOIN ranked AS r ON r.id = q.id{relax_from} "
        # the candidates by primary key: a join alone may hash every due row of the table
        "WHERE q.id = ANY(ARRAY(SELECT id FROM ranked)) "
        f"AND q.{status} = {queued} AND q.{due_at} <= now() "
        f"ORDER BY r.rn, r.wrapped, r.fair_key, q.id FOR NO KEY UPDATE OF q SKIP LOCKED "
        f"{remaining})"
    )


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
        queued_cte = _fair_queued_cte(target, relax_from, remaining)
    if target.fair_by is not None:
        returning += (
            ", (SELECT fair_key FROM queued ORDER BY rn DESC, wrapped DESC, fair_key DESC "
            "LIMIT 1) AS fair_next"
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
        f"{lc['attempts']} = CASE WHEN v.outcome IN ('release', 'defer') "
        f"THEN greatest(t.{lc['attempts']} - 1, 0) ELSE t.{lc['attempts']} END, "
        f"{lc['next_attempt_at']} = CASE WHEN v.outcome IN ('retry', 'defer') "
        f"THEN now() + make_interval(secs => v.delay_s) ELSE t.{lc['next_attempt_at']} END, "
        f"{lc['lease_token']} = NULL, {lc['lease_expires_at']} = NULL, "
        f"{lc['error']} = CASE WHEN v.outcome IN ('release', 'defer') THEN t.{lc['error']} "
        "ELSE v.message END, "
        f"{lc['error_category']} = CASE WHEN v.outcome IN ('release', 'defer') "
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
    rotation: FairRotation | None = None,
) -> list[ClaimedRow]:
    """Claim up to ``limit`` due or lease-expired rows under a fresh ``token``; one statement.

    ``asynchronous_commit``: the transaction's COMMIT will not wait for the WAL flush.
    ``rotation``: for a ``fair_by`` target, where the caller's round-robin stands; it is moved
    on by this claim (without one, each claim starts a fresh random rotation).
    """
    params: dict[str, Any] = {"n": limit, "token": token, "lease_s": lease_s}
    if target.fair_by is None:
        rotation = None
    else:
        rotation = rotation if rotation is not None else FairRotation()
        params.update(salt=rotation.salt, after=rotation.after)
    result = await session.execute(_statements(target, asynchronous_commit).claim, params)
    rows = []
    fair_next = None
    for row in result.mappings():
        values = {name: row[name] for name in target.load_columns}
        rows.append(ClaimedRow(id=int(row["id"]), attempts=int(row["attempts"]), values=values))
        if rotation is not None and row["fair_next"] is not None:
            fair_next = int(row["fair_next"])
    if rotation is not None and fair_next is not None:
        rotation.after = fair_next
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
