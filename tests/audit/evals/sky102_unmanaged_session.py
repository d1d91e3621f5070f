"""SKY102 eval: sessions and connections created outside `with` and not closed on every path.

Expected findings are trailing comments; every other line must stay clean.
"""

import contextlib

import asyncpg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_async_engine("postgresql+asyncpg://localhost/app")
SessionLocal = async_sessionmaker(engine)
sync_engine = create_engine("postgresql://localhost/app")
SyncSession = sessionmaker(sync_engine)


async def never_closed():
    session = SessionLocal()  # SKY102: 15
    await session.execute("select 1")


async def closed_without_finally():
    session = SessionLocal()  # SKY102
    await session.execute("select 1")
    await session.close()


async def used_once():
    await SessionLocal().execute("select 1")  # SKY102


async def connection_never_closed():
    conn = await engine.connect()  # SKY102
    await conn.execute("select 1")


async def direct_constructor():
    session = AsyncSession(engine)  # SKY102
    await session.execute("select 1")


def sync_session_never_closed():
    session = SyncSession()  # SKY102
    session.execute("select 1")


async def asyncpg_connection():
    conn = await asyncpg.connect("postgresql://localhost/app")  # SKY102
    return await conn.fetch("select 1")


def fastapi_dependency_without_finally():
    db = SyncSession()  # SKY102
    yield db
    db.close()


def make_session():
    return SessionLocal()


async def from_a_project_helper():
    session = make_session()  # SKY102
    await session.execute("select 1")


# --- traps: none of these may be flagged ---------------------------------------------------
async def managed_by_async_with():
    async with SessionLocal() as session:
        await session.execute("select 1")


async def connect_in_async_with():
    async with engine.connect() as conn:
        await conn.execute("select 1")


async def closed_in_finally():
    session = SessionLocal()
    try:
        await session.execute("select 1")
    finally:
        await session.close()


def fastapi_dependency_with_finally():
    db = SyncSession()
    try:
        yield db
    finally:
        db.close()


async def returned_to_the_caller():
    session = SessionLocal()
    return session


async def entered_later():
    session = SessionLocal()
    async with session:
        await session.execute("select 1")


async def handed_to_an_exit_stack(stack: contextlib.AsyncExitStack):
    session = SessionLocal()
    await stack.enter_async_context(session)


class Holder:
    def __init__(self) -> None:
        self.session = SessionLocal()


def closed_through_an_alias():
    session = SyncSession()
    s = session
    try:
        s.execute("select 1")
    finally:
        s.close()


@pytest.fixture
async def db_session():
    session = SessionLocal()
    yield session
    await session.close()


def with_sync_session():
    with Session(sync_engine) as session:
        session.execute("select 1")


def passed_on(consumer):
    consumer(SessionLocal())


def closed_at_once():
    sync_engine.connect().close()


def chained_context_manager():
    with sync_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute("select 1")
