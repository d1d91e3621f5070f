"""SKY101 eval: commit()/rollback() inside a transaction its context manager already ends.

Expected findings are trailing comments (`# SKY101` or `# SKY101: <column>`); every other
line must stay clean. This file is parsed, never imported.
"""

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from scrapersky.db.transaction import transaction

engine = create_async_engine("postgresql+asyncpg://localhost/app")
SessionLocal = async_sessionmaker(engine)


async def commit_inside_transaction(item):
    async with transaction() as session:
        session.add(item)
        await session.commit()  # SKY101: 15


async def rollback_inside_transaction():
    async with transaction() as session:
        try:
            await session.execute("select 1")
        except Exception:
            await session.rollback()  # SKY101


async def commit_inside_begin(session: AsyncSession):
    async with session.begin():
        await session.commit()  # SKY101


async def factory_and_begin_on_one_line():
    async with SessionLocal() as s, s.begin():
        await s.commit()  # SKY101


async def sessionmaker_begin():
    async with SessionLocal.begin() as s:
        await s.commit()  # SKY101


async def engine_begin():
    async with engine.begin() as conn:
        await conn.commit()  # SKY101


async def through_an_alias():
    async with transaction() as session:
        s = session
        await s.commit()  # SKY101


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, row):
        async with self.session.begin():
            self.session.add(row)
            await self.session.commit()  # SKY101


# A project helper that commits on exit is a managed transaction too (found from its code).
@asynccontextmanager
async def unit_of_work():
    async with SessionLocal() as session:
        yield session
        await session.commit()


async def inside_project_helper():
    async with unit_of_work() as session:
        await session.commit()  # SKY101


# The full-stack-fastapi-template trap: a CRUD helper that commits what it is given.
async def create_user(session: AsyncSession, user):
    session.add(user)
    await session.commit()


async def calls_committing_helper(user):
    async with transaction() as session:
        await create_user(session, user)  # SKY101


# A FastAPI dependency whose session commits on exit.
async def get_tx_session():
    async with SessionLocal() as session, session.begin():
        yield session


async def route(session: AsyncSession = Depends(get_tx_session)):
    await session.commit()  # SKY101


TxSession = Annotated[AsyncSession, Depends(get_tx_session)]


async def route_with_alias(session: TxSession):
    await session.rollback()  # SKY101


# A class-based unit of work whose __aexit__ commits.
class UnitOfWork:
    async def __aenter__(self):
        self.session = SessionLocal()
        return self.session

    async def __aexit__(self, *exc_info):
        await self.session.commit()
        await self.session.close()


async def inside_class_based_unit_of_work():
    async with UnitOfWork() as session:
        await session.commit()  # SKY101


# --- traps: none of these may be flagged ---------------------------------------------------
async def plain_session_commits_itself():
    async with SessionLocal() as session:
        await session.execute("select 1")
        await session.commit()


async def commit_after_the_block_ended():
    async with SessionLocal() as session:
        async with session.begin():
            await session.execute("select 1")
        await session.commit()


async def nested_function_is_not_inside_the_block():
    async with transaction() as session:

        async def later():
            await session.commit()

        return later


async def other_object_commits(repo):
    async with transaction() as session:
        await session.execute("select 1")
        repo.commit()


async def helper_with_plain_session(user):
    async with SessionLocal() as session:
        await create_user(session, user)


async def get_plain_session():
    async with SessionLocal() as session:
        yield session


async def route_with_plain_session(session: AsyncSession = Depends(get_plain_session)):
    await session.commit()


PlainSession = Annotated[AsyncSession, Depends(get_plain_session)]


async def route_with_plain_alias(session: PlainSession):
    await session.commit()


def docstring_mentions_it():
    """async with transaction() as session: await session.commit()"""
    # async with transaction() as s: await s.commit()
    return "await session.commit()"
