"""SKY303 eval: timeouts as startup parameters through a pooler.

Expected findings are trailing comments; every other line must stay clean.
"""

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

POOLER = "postgresql+asyncpg://app@db.pooler.supabase.com:6543/postgres"

engine = create_async_engine(
    POOLER,
    connect_args={
        "statement_cache_size": 0,
        "server_settings": {"statement_timeout": "5000"},  # SKY303: 28
    },
)

OPTIONS = {"statement_cache_size": 0, "server_settings": {"lock_timeout": "2s"}}  # SKY303
engine_via_name = create_async_engine(POOLER, connect_args=OPTIONS)


async def raw(host):
    return await asyncpg.connect(
        host=host,
        port=6432,
        statement_cache_size=0,
        server_settings={"idle_in_transaction_session_timeout": "60000"},  # SKY303
    )


def connect_args(settings):
    if settings.db_mode == "pooler":
        return {
            "statement_cache_size": 0,
            "server_settings": {"statement_timeout": str(settings.timeout)},  # SKY303
        }
    return {"server_settings": {"statement_timeout": str(settings.timeout)}}


# --- traps: none of these may be flagged ---------------------------------------------------
direct = create_async_engine(
    "postgresql+asyncpg://app@db:5432/app",
    connect_args={"server_settings": {"statement_timeout": "5000"}},
)
name_only = create_async_engine(
    POOLER,
    connect_args={"statement_cache_size": 0, "server_settings": {"application_name": "x"}},
)
