"""SKY302 eval: asyncpg through a transaction-mode pooler without statement_cache_size=0.

Expected findings are trailing comments; every other line must stay clean.
"""

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

SUPABASE = "postgresql+asyncpg://app:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"

supavisor = create_async_engine(SUPABASE)  # SKY302: 13
pgbouncer = create_async_engine("postgresql+asyncpg://app@db:6432/app", pool_size=5)  # SKY302
cache_left_on = create_async_engine(  # SKY302: 17
    "postgresql+asyncpg://app@bouncer:6543/app", connect_args={"statement_cache_size": 100}
)
wrapped = create_async_engine(make_url("postgresql+asyncpg://app@pgbouncer.internal/app"))  # SKY302


async def raw_asyncpg():
    return await asyncpg.connect(host="db", port=6543, user="app")  # SKY302


def engine_for(settings):
    if settings.db_mode == "pooler":
        return create_async_engine(settings.database_url)  # SKY302
    return create_async_engine(settings.database_url)


# --- traps: none of these may be flagged ---------------------------------------------------
fixed = create_async_engine(SUPABASE, connect_args={"statement_cache_size": 0})
in_url = create_async_engine(
    "postgresql+asyncpg://app@db:6543/app?prepared_statement_cache_size=0",
    connect_args={"statement_cache_size": 0},
)
direct = create_async_engine("postgresql+asyncpg://app@db:5432/app")
psycopg = create_async_engine("postgresql+psycopg://app@db:6543/app")


def from_settings(url, args):
    return create_async_engine(url, connect_args=args)


async def raw_asyncpg_fixed():
    return await asyncpg.connect(host="db", port=6543, statement_cache_size=0)


def engine_for_direct(settings):
    if settings.db_mode != "pooler":
        return create_async_engine(settings.database_url)
    return create_async_engine(settings.database_url, connect_args={"statement_cache_size": 0})
