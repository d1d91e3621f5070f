"""Operational statements: server identity and the settings in force."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

TIMEOUT_SETTINGS = ("statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout")


async def server_version(session: AsyncSession) -> str:
    """The server's version string (``SHOW server_version``)."""
    return str((await session.execute(text("SHOW server_version"))).scalar_one())


async def show_settings(session: AsyncSession, names: tuple[str, ...]) -> dict[str, str]:
    """``SHOW <name>`` for each name, as the server reports it inside this transaction."""
    values: dict[str, str] = {}
    for name in names:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a setting name: {name!r}")
        values[name] = str((await session.execute(text(f"SHOW {name}"))).scalar_one())
    return values


async def sleep_seconds(session: AsyncSession, seconds: float) -> None:
    """``pg_sleep`` - used to prove a statement_timeout is in force."""
    await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
