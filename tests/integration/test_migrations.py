"""Migrations equal the declared schema; downgrade to base leaves nothing behind."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from scrapersky.db.engine import Database
from scrapersky.db.migrate import current_revision, downgrade, head_revision, upgrade
from scrapersky.db.schema import ENUM_TYPES, metadata

pytestmark = pytest.mark.integration


def diff_against_models(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def enum_labels(db: Database) -> dict[str, list[str]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT t.typname, e.enumlabel FROM pg_type t "
                "JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder"
            )
        )
        labels: dict[str, list[str]] = {}
        for name, label in rows:
            labels.setdefault(name, []).append(label)
        return labels


async def test_upgrade_head_equals_declared_models(db: Database) -> None:
    assert await current_revision(db) == head_revision()
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(diff_against_models)
    assert diff == []


async def test_enum_types_match_python_enums(db: Database) -> None:
    labels = await enum_labels(db)
    for name, pg_type in ENUM_TYPES.items():
        assert labels[name] == list(pg_type.enums), name


async def test_downgrade_to_base_and_back(db: Database) -> None:
    await downgrade(db, "base")
    async with db.engine.connect() as conn:
        tables = (
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            )
            .scalars()
            .all()
        )
    assert set(tables) <= {"alembic_version"}
    assert await enum_labels(db) == {}
    await upgrade(db)
    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff_against_models) == []
