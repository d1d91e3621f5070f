"""SKY201 eval: network or slow I/O while a transaction is open.

Expected findings are trailing comments; every other line must stay clean.
"""

import asyncio
import subprocess

import aiohttp
import httpx
import requests
from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from scrapersky.db.transaction import transaction

engine = create_async_engine("postgresql+asyncpg://localhost/app")
SessionLocal = async_sessionmaker(engine)
SyncSession = sessionmaker()
client = httpx.AsyncClient()


async def fetch_inside_transaction(url):
    async with transaction() as session:
        await session.execute(select(1))
        response = await client.get(url)  # SKY201: 20
        session.add(response)


async def sleep_inside_transaction():
    async with transaction() as session:
        await asyncio.sleep(2)  # SKY201
        await session.execute(select(1))


def sync_requests_inside_begin(url):
    with SyncSession() as session, session.begin():
        requests.get(url, timeout=5)  # SKY201
        subprocess.run(["true"], check=True)  # SKY201


# Three levels of the project's own call graph lead to the network.
async def _get(url):
    async with httpx.AsyncClient() as http:
        return await http.get(url)


async def _load(url):
    return (await _get(url)).text


async def enrich(url):
    return await _load(url)


async def reaches_network_through_project_code(url):
    async with transaction() as session:
        html = await enrich(url)  # SKY201
        await session.execute(select(html))


async def plain_session_after_first_query(url):
    async with SessionLocal() as session:
        await session.execute(select(1))
        await client.get(url)  # SKY201


async def loop_carries_the_open_transaction(urls):
    async with SessionLocal() as session:
        for url in urls:
            page = await client.get(url)  # SKY201
            await session.execute(select(page))  # SKY103


async def connection_checked_out(url):
    async with engine.connect() as conn:
        await client.post(url)  # SKY201
        await conn.execute(select(1))


async def subprocess_and_stream(url):
    async with transaction() as session:
        await asyncio.create_subprocess_exec("ls")  # SKY201
        async with client.stream("GET", url) as response:  # SKY201
            await session.execute(select(response))


async def gathered(urls):
    async with transaction() as session:
        await asyncio.gather(*[enrich(u) for u in urls])  # SKY201
        await session.execute(select(1))


async def aiohttp_inside(url):
    async with aiohttp.ClientSession() as http:
        async with transaction() as session:
            await http.get(url)  # SKY201
            await session.execute(select(1))


async def in_a_thread(url):
    async with transaction() as session:
        await asyncio.to_thread(requests.get, url)  # SKY201
        await session.execute(select(1))


class Enricher:
    def __init__(self) -> None:
        self.http = httpx.AsyncClient()

    async def run(self, url):
        async with transaction() as session:
            await self.http.get(url)  # SKY201
            await session.execute(select(1))


async def get_tx():
    async with SessionLocal.begin() as session:
        yield session


async def route(url: str, session: AsyncSession = Depends(get_tx)):
    await client.get(url)  # SKY201
    await session.execute(select(1))


async def session_parameter(session: AsyncSession, url):
    await session.execute(select(1))
    await client.get(url)  # SKY201


# --- traps: none of these may be flagged ---------------------------------------------------
async def three_phases(urls):
    async with transaction() as session:
        claimed = (await session.execute(select(1))).all()
    pages = [await client.get(u) for u in urls]
    await asyncio.sleep(1)
    async with transaction() as session:
        await session.execute(select(claimed, pages))


async def before_the_first_query(url):
    async with SessionLocal() as session:
        page = await client.get(url)
        await session.execute(select(page))
        await session.commit()


async def after_commit(url):
    async with SessionLocal() as session:
        await session.execute(select(1))
        await session.commit()
        await client.get(url)


async def nested_function_runs_later(url):
    async with transaction() as session:

        async def later():
            await client.get(url)

        await session.execute(select(1))
        return later


async def zero_sleep_yields_only():
    async with transaction() as session:
        await session.execute(select(1))
        await asyncio.sleep(0)


async def aiohttp_session_is_not_a_database():
    async with aiohttp.ClientSession() as session:
        await session.get("https://example.com")


def pure(value):
    return value * 2


async def project_code_without_io():
    async with transaction() as session:
        await session.execute(select(pure(2)))


def sync_session_closed_before_io(url):
    with Session() as session:
        session.execute(select(1))
        session.commit()
        requests.get(url, timeout=5)


async def docstrings_and_comments():
    """async with transaction() as s: await client.get(url)"""
    # async with transaction() as s: await client.get(url)
    return "await client.get(url)"
