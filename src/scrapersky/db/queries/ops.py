"""Operational statements: server identity and the settings in force."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

TIMEOUT_SETTINGS = ("statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout")


async def server_version(session: AsyncSession) -> str:
    """The server's version string (``SHOW server_version``)."""
    return str((await session.execute(text("SHOW server_version"))).scalar_one())


async def show_settings(session: AsyncSession, names: tuple[str, ...]) -> dict[str, str]:
    """Each setting as ``SHOW`` reports it inside this transaction, in one round trip."""
    rows = await session.execute(
        text("SELECT name, current_setting(name) FROM unnest(CAST(:names AS text[])) AS name"),
        {"names": list(names)},
    )
    return {str(name): str(value) for name, value in rows}


async def sleep_seconds(session: AsyncSession, seconds: float) -> None:
    """``pg_sleep`` - used to prove a statement_timeout is in force."""
    await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})


async def reset_pipeline_data(session: AsyncSession) -> None:
    """Empty every pipeline table (the demo's own database only)."""
    await session.execute(
        text("TRUNCATE contacts, pages, sitemap_files, domains RESTART IDENTITY CASCADE")
    )
