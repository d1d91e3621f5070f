"""SKY103 eval: a database round trip per item of a loop.

Expected findings are trailing comments; every other line must stay clean.
"""

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import Domain
from scrapersky.db.transaction import transaction


async def get_each(session: AsyncSession, ids: list[int]):
    found = []
    for domain_id in ids:
        found.append(await session.get(Domain, domain_id))  # SKY103: 22
    return found


async def update_each(rows):
    async with transaction() as session:
        for row in rows:
            statement = update(Domain).where(Domain.id == row.id).values(title=row.title)
            await session.execute(statement)  # SKY103


async def comprehension(session: AsyncSession, names: list[str]):
    return [await session.scalar(select(Domain).where(Domain.name == n)) for n in names]  # SKY103


async def async_for_source(session: AsyncSession, source):
    async for item in source:
        await session.merge(item)  # SKY103


async def asyncpg_per_row(conn: asyncpg.Connection, emails: list[str]):
    for email in emails:
        await conn.execute("insert into contacts(value) values ($1)", email)  # SKY103


# --- traps: none of these may be flagged ---------------------------------------------------
async def set_based(session: AsyncSession, ids: list[int]):
    return (await session.scalars(select(Domain).where(Domain.id.in_(ids)))).all()


async def per_batch(session: AsyncSession, ids: list[int], chunks):
    for batch in chunks(ids, 500):
        await session.execute(update(Domain).where(Domain.id.in_(batch)).values(seen=True))


async def polling_loop(stop):
    while not stop.is_set():
        async with transaction() as session:
            await session.execute(select(Domain).limit(100))


async def loop_variable_unused(session: AsyncSession, attempts: int):
    for _attempt in range(attempts):
        await session.execute(select(1))


async def stream_is_one_query(session: AsyncSession):
    async for row in await session.stream(select(Domain)):
        print(row)


async def fixed_small_collection(session: AsyncSession):
    for name in ("statement_timeout", "lock_timeout"):
        await session.execute(select(name))


async def add_only(session: AsyncSession, rows):
    for row in rows:
        session.add(Domain(name=row))
    await session.flush()


def sync_code_is_out_of_scope(session: Session, ids: list[int]):
    for i in ids:
        session.execute(select(Domain).where(Domain.id == i))


async def not_a_session(client, urls):
    for url in urls:
        await client.get(url)
