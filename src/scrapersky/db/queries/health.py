"""Catalog statements for the enum sync check and the database health check.

    types = await enum_types(session, ["curation_status"])  # one pg_type/pg_enum query
    rows = await activity(session)                           # one pg_stat_activity query

Every statement reads the catalogs of the current database only and returns quickly: they
run inside ``transaction()``, whose hold guard raises in strict mode on a slow statement.
Lock wait times come from ``pg_locks.waitstart`` (PostgreSQL 14+).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

IDLE_IN_TRANSACTION_STATES = ("idle in transaction", "idle in transaction (aborted)")
QUERY_TEXT_LIMIT = 1000  # characters of each backend's query kept in a report


@dataclass(frozen=True)
class EnumTypeRow:
    """One Postgres enum type: its labels in sort order and whether search_path sees it."""

    schema: str
    name: str
    labels: tuple[str, ...]
    visible: bool


@dataclass(frozen=True)
class ActivityRow:
    """One client backend of the current database, as ``pg_stat_activity`` shows it."""

    pid: int
    is_self: bool
    application_name: str
    user: str | None
    client: str | None
    state: str | None
    xact_age_s: float | None
    state_age_s: float | None
    query_age_s: float | None
    wait_event_type: str | None
    wait_event: str | None
    lock_wait_s: float | None
    blocking_pids: tuple[int, ...]
    query: str


@dataclass(frozen=True)
class TerminatedRow:
    pid: int
    application_name: str
    state: str
    idle_s: float
    xact_age_s: float | None
    query: str
    terminated: bool


# -- name: enum_types --
# Enum types whose name matches any of the given names case-insensitively, with labels.
_ENUM_TYPES = text(
    """
    SELECT n.nspname AS schema,
           t.typname AS name,
           pg_type_is_visible(t.oid) AS visible,
           coalesce(array_agg(e.enumlabel ORDER BY e.enumsortorder)
                    FILTER (WHERE e.enumlabel IS NOT NULL), '{}') AS labels
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typtype = 'e' AND lower(t.typname) = ANY(:names)
    GROUP BY n.nspname, t.typname, t.oid
    ORDER BY n.nspname, t.typname
    """
).bindparams(bindparam("names", type_=ARRAY(Text)))


async def enum_types(session: AsyncSession, names: list[str]) -> list[EnumTypeRow]:
    """Every enum type named like one of ``names`` (case-insensitive), in one query."""
    if not names:
        return []
    result = await session.execute(_ENUM_TYPES, {"names": sorted({n.lower() for n in names})})
    return [
        EnumTypeRow(row.schema, row.name, tuple(row.labels), bool(row.visible)) for row in result
    ]


# -- name: activity --
# Every client backend of the current database; blockers and wait start for lock waiters only
# (pg_blocking_pids and pg_locks are costly, so they are not computed for every row).
_ACTIVITY = text(
    f"""
    SELECT a.pid,
           a.pid = pg_backend_pid() AS is_self,
           a.application_name,
           a.usename AS user,
           a.client_addr::text AS client,
           a.state,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s,
           extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_age_s,
           extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_age_s,
           a.wait_event_type,
           a.wait_event,
           CASE WHEN a.wait_event_type = 'Lock' THEN
               extract(epoch FROM clock_timestamp() - (
                   SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted
               ))::float8
           END AS lock_wait_s,
           CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid)
                ELSE '{{}}'::int[] END AS blocking_pids,
           left(coalesce(a.query, ''), {QUERY_TEXT_LIMIT}) AS query
    FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.backend_type = 'client backend'
    ORDER BY a.pid
    """
)


async def activity(session: AsyncSession) -> list[ActivityRow]:
    """One snapshot of this database's client backends (the caller's own row included)."""
    result = await session.execute(_ACTIVITY)
    return [
        ActivityRow(
            pid=row.pid,
            is_self=bool(row.is_self),
            application_name=row.application_name or "",
            user=row.user,
            client=row.client,
            state=row.state,
            xact_age_s=row.xact_age_s,
            state_age_s=row.state_age_s,
            query_age_s=row.query_age_s,
            wait_event_type=row.wait_event_type,
            wait_event=row.wait_event,
            lock_wait_s=row.lock_wait_s,
            blocking_pids=tuple(row.blocking_pids or ()),
            query=row.query,
        )
        for row in result
    ]


# -- name: terminate_stuck --
# Ends the backends of ONE application_name that sit idle in a transaction past the
# threshold, never the caller's own. Selection and termination are one statement, from a
# fresh snapshot, so a backend that resumed work since the report is not touched.
_TERMINATE_STUCK = text(
    f"""
    WITH stuck AS MATERIALIZED (
        SELECT a.pid, a.application_name, a.state,
               extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS idle_s,
               extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s,
               left(coalesce(a.query, ''), {QUERY_TEXT_LIMIT}) AS query
        FROM pg_stat_activity a
        WHERE a.datname = current_database()
          AND a.backend_type = 'client backend'
          AND a.application_name = :application_name
          AND a.state IN ('idle in transaction', 'idle in transaction (aborted)')
          AND a.state_change < clock_timestamp() - make_interval(secs => :idle_s)
          AND a.pid <> pg_backend_pid()
    )
    SELECT stuck.*, pg_terminate_backend(stuck.pid) AS terminated
    FROM stuck
    ORDER BY stuck.idle_s DESC
    """
)


async def terminate_stuck(
    session: AsyncSession, *, application_name: str, idle_s: float
) -> list[TerminatedRow]:
    """``pg_terminate_backend`` each of ``application_name``'s stuck backends; one row each."""
    result = await session.execute(
        _TERMINATE_STUCK, {"application_name": application_name, "idle_s": float(idle_s)}
    )
    return [
        TerminatedRow(
            pid=row.pid,
            application_name=row.application_name,
            state=row.state,
            idle_s=row.idle_s,
            xact_age_s=row.xact_age_s,
            query=row.query,
            terminated=bool(row.terminated),
        )
        for row in result
    ]
