"""SKY301 eval: SET of a parameter PostgreSQL does not have.

Expected findings are trailing comments; every other line must stay clean.
"""

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

DISABLE_CACHE = "SET statement_cache_size = 0"


async def asyncpg_option_as_sql(session: AsyncSession):
    await session.execute(text("SET statement_cache_size = 0"))  # SKY301: 27


async def through_a_constant(session: AsyncSession):
    await session.execute(text(DISABLE_CACHE))  # SKY301


async def set_local_pool_option(conn: AsyncConnection):
    await conn.exec_driver_sql("SET LOCAL pool_timeout TO 30")  # SKY301


async def second_statement(session: AsyncSession):
    await session.execute(sa.text("SET lock_timeout = '1s'; SET command_timeout = 5"))  # SKY301


async def set_config_form(session: AsyncSession):
    await session.execute(text("select set_config('statement_cache_size', '0', true)"))  # SKY301


async def raw_driver(conn):
    await conn.execute("set session prepared_statement_cache_size = 0")  # SKY301


# --- traps: none of these may be flagged ---------------------------------------------------
async def real_settings(session: AsyncSession):
    await session.execute(text("SET LOCAL statement_timeout = '5s'"))
    await session.execute(text("SET search_path TO app, public"))
    await session.execute(text("SET TIME ZONE 'UTC'"))
    await session.execute(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
    await session.execute(text("SET app.tenant_id = '42'"))


async def commented_out(session: AsyncSession):
    await session.execute(text("-- SET statement_cache_size = 0\nSELECT 1"))


def docstring():
    """Never run SET statement_cache_size = 0: it is an asyncpg argument."""
    # SET statement_cache_size = 0
    return "SET statement_cache_size = 0"


async def not_sql_text(session: AsyncSession, text_of):
    await session.execute(text_of("SET statement_cache_size = 0"))
