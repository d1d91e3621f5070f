"""Enum sync against real Postgres: drift created with real DDL, reported by severity; the
start-up hook fails fast; `scrapersky check enums` exit codes and JSON."""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import ENUM as PGEnum
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database, close_database, get_database, open_database
from scrapersky.exceptions import DatabaseUnavailable, SchemaDriftError
from scrapersky.guard.enum_sync import Severity, check_enums
from tests.support.database import PROJECT_ROOT, asyncpg_dsn, make_test_settings
from tests.support.enum_models import CREATE_TYPES

pytestmark = pytest.mark.integration


@pytest.fixture
async def ddl(db_url: URL) -> AsyncIterator[asyncpg.Connection]:
    """A raw autocommit connection to the test database, for the drift-making DDL."""
    conn = await asyncpg.connect(**asyncpg_dsn(db_url))  # type: ignore[arg-type]
    try:
        yield conn
    finally:
        await conn.close()


def values_enum(enum_cls: type[enum.Enum], name: str) -> PGEnum:
    return PGEnum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        create_type=False,
    )


def one_table(*types: PGEnum) -> MetaData:
    metadata = MetaData()
    Table(
        "probe",
        metadata,
        Column("id", Integer, primary_key=True),
        *(Column(f"c{i}", t) for i, t in enumerate(types)),
    )
    return metadata


async def test_own_schema_in_sync_after_migrations(any_db: Database) -> None:
    report = await check_enums(any_db)  # directly, and through PgBouncer (transaction mode)
    assert report.source == "scrapersky.db.schema"
    assert not report.drift
    assert report.findings == []
    by_name = {t.bound.name: t for t in report.types}
    assert set(by_name) >= {"curation_status", "metadata_status", "email_type"}
    curation = by_name["curation_status"]
    assert curation.database_labels == curation.bound.labels
    assert "pages.curation_status" in curation.bound.columns


async def test_added_postgres_value_is_a_warning(db: Database, ddl: asyncpg.Connection) -> None:
    await ddl.execute("ALTER TYPE curation_status ADD VALUE 'extra'")
    report = await check_enums(db)
    assert report.drift
    assert report.critical == []
    [finding] = report.findings
    assert finding.severity is Severity.WARNING
    assert finding.kind == "extra_values"
    assert finding.type_name == "curation_status"
    assert finding.values == ("extra",)
    assert "scrapersky.db.enums.CurationStatus" in finding.message


async def test_python_value_missing_in_postgres_is_critical(
    db: Database, ddl: asyncpg.Connection
) -> None:
    class Colour(enum.StrEnum):
        RED = "red"
        GREEN = "green"
        BLUE = "blue"

    await ddl.execute("CREATE TYPE sky_test_colour AS ENUM ('red', 'green')")
    metadata = one_table(values_enum(Colour, "sky_test_colour"))
    report = await check_enums(db, [metadata], source="test")
    [finding] = report.findings
    assert finding.severity is Severity.CRITICAL
    assert finding.kind == "missing_values"
    assert finding.values == ("blue",)
    assert "ALTER TYPE sky_test_colour ADD VALUE" in finding.message


async def test_case_only_difference_is_called_out(db: Database, ddl: asyncpg.Connection) -> None:
    class Outcome(enum.StrEnum):
        PENDING = "pending"
        COMPLETED = "Completed"

    await ddl.execute("CREATE TYPE sky_test_outcome AS ENUM ('pending', 'completed')")
    report = await check_enums(db, [one_table(values_enum(Outcome, "sky_test_outcome"))])
    [finding] = report.findings
    assert finding.kind == "case_mismatch"
    assert finding.severity is Severity.CRITICAL
    assert finding.values == ("Completed",)
    assert "'Completed' vs 'completed'" in finding.message


async def test_order_difference_is_info_only(db: Database, ddl: asyncpg.Connection) -> None:
    class Size(enum.StrEnum):
        SMALL = "small"
        LARGE = "large"

    await ddl.execute("CREATE TYPE sky_test_size AS ENUM ('large', 'small')")
    report = await check_enums(db, [one_table(values_enum(Size, "sky_test_size"))])
    [finding] = report.findings
    assert finding.severity is Severity.INFO
    assert finding.kind == "order"
    assert not report.drift


async def test_missing_type_and_case_differing_type_name(
    db: Database, ddl: asyncpg.Connection
) -> None:
    class Mood(enum.StrEnum):
        HAPPY = "happy"

    await ddl.execute("""CREATE TYPE "Mood" AS ENUM ('happy')""")
    missing = PGEnum("x", "y", name="sky_test_nowhere", create_type=False)
    mood = values_enum(Mood, "mood")
    # an enum inside an ARRAY column counts too
    metadata = one_table(missing, ARRAY(mood))  # type: ignore[arg-type]
    report = await check_enums(db, [metadata])
    findings = {f.type_name: f for f in report.findings}
    assert findings["sky_test_nowhere"].kind == "missing_type"
    assert findings["sky_test_nowhere"].severity is Severity.CRITICAL
    assert "probe.c0" in findings["sky_test_nowhere"].message
    assert findings["mood"].kind == "missing_type"
    assert "public.Mood exists - the type name differs in case" in findings["mood"].message


async def test_schema_qualified_type(db: Database, ddl: asyncpg.Connection) -> None:
    class Tier(enum.StrEnum):
        FREE = "free"
        PRO = "pro"

    await ddl.execute("CREATE SCHEMA billing")
    await ddl.execute("CREATE TYPE billing.tier AS ENUM ('free', 'pro', 'team')")
    tier = PGEnum(
        Tier,
        name="tier",
        schema="billing",
        values_callable=lambda members: [m.value for m in members],
        create_type=False,
    )
    report = await check_enums(db, [one_table(tier)])
    [compared] = report.types
    assert compared.database_labels == ("free", "pro", "team")
    [finding] = compared.findings
    assert (finding.type_name, finding.kind, finding.values) == (
        "billing.tier",
        "extra_values",
        ("team",),
    )
    # the same name unqualified is not on the search_path: missing, with the reason
    unqualified = values_enum(Tier, "tier")
    [missing] = (await check_enums(db, [one_table(unqualified)])).findings
    assert missing.kind == "missing_type"
    assert "billing.tier exists but is not on the search_path" in missing.message


async def test_other_codebase_models_names_versus_values(
    db: Database, ddl: asyncpg.Connection
) -> None:
    from scrapersky.guard.enum_sync import load_models

    for statement in CREATE_TYPES:
        await ddl.execute(statement)
    report = await check_enums(db, load_models("tests.support.enum_models"), source="models")
    by_name = {t.bound.name: t for t in report.types}
    assert set(by_name) == {"ticket_state", "ticket_priority", "ticket_source"}
    assert by_name["ticket_priority"].findings == []
    [state] = by_name["ticket_state"].findings
    assert state.kind == "case_mismatch"
    assert state.values == ("OPEN", "CLOSED")
    assert "member NAMES" in state.message
    assert "values_callable" in state.message
    assert [f.kind for f in by_name["ticket_source"].findings] == ["missing_type"]
    assert report.skipped == ["ticket.legacy_kind: non-native Enum (VARCHAR + CHECK), no pg type"]


# -- start-up hook ------------------------------------------------------------------------


async def test_start_up_fails_fast_naming_type_and_value(
    db_url: URL, ddl: asyncpg.Connection
) -> None:
    await ddl.execute("ALTER TYPE metadata_status RENAME VALUE 'completed' TO 'Completed'")
    with pytest.raises(SchemaDriftError) as caught:
        await open_database(make_test_settings(), url=db_url)
    message = caught.value.message
    assert "metadata_status" in message
    assert "'completed' vs 'Completed'" in message
    assert "scrapersky check enums" in message
    with pytest.raises(DatabaseUnavailable):
        get_database()  # the failed start-up did not install the database
    # the check can be switched off
    database = await open_database(make_test_settings(check_enums_on_start=False), url=db_url)
    try:
        assert get_database() is database
    finally:
        await close_database()


async def test_start_up_passes_with_only_a_warning(db_url: URL, ddl: asyncpg.Connection) -> None:
    await ddl.execute("ALTER TYPE email_type ADD VALUE 'role'")
    database = await open_database(make_test_settings(), url=db_url)
    try:
        assert get_database() is database
    finally:
        await close_database()


# -- the command --------------------------------------------------------------------------


def run_cli(url: URL, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    return subprocess.run(
        [sys.executable, "-m", "scrapersky", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_cli_in_sync_then_drift(db_url: URL, ddl: asyncpg.Connection) -> None:
    clean = run_cli(db_url, "check", "enums", "--json")
    assert clean.returncode == 0, clean.stderr
    data = json.loads(clean.stdout)
    assert data["drift"] is False
    assert data["counts"] == {"critical": 0, "warning": 0, "info": 0}
    assert {t["name"] for t in data["types"]} >= {"curation_status", "scan_status"}

    await ddl.execute("ALTER TYPE curation_status ADD VALUE 'extra'")
    drifted = run_cli(db_url, "check", "enums", "--json")
    assert drifted.returncode == 1, drifted.stderr
    data = json.loads(drifted.stdout)
    assert data["drift"] is True
    assert data["counts"]["warning"] == 1
    [curation] = [t for t in data["types"] if t["name"] == "curation_status"]
    assert curation["database_labels"][-1] == "extra"
    assert curation["findings"][0]["kind"] == "extra_values"

    text = run_cli(db_url, "check", "enums")
    assert text.returncode == 1
    assert "DRIFT" in text.stdout
    assert "'extra'" in text.stdout


async def test_cli_models_of_another_codebase(db_url: URL, ddl: asyncpg.Connection) -> None:
    for statement in CREATE_TYPES:
        await ddl.execute(statement)
    result = run_cli(db_url, "check", "enums", "--models", "tests.support.enum_models", "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == "tests.support.enum_models"
    kinds = {t["name"]: [f["kind"] for f in t["findings"]] for t in data["types"]}
    assert kinds == {
        "ticket_priority": [],
        "ticket_source": ["missing_type"],
        "ticket_state": ["case_mismatch"],
    }
    assert data["counts"]["critical"] == 2


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("tests.support.no_such_module", "cannot import 'tests.support.no_such_module'"),
        ("tests.support.enum_models:Nope", "has no 'Nope'"),
        ("json", "no SQLAlchemy MetaData"),
    ],
)
def test_cli_bad_models_is_a_usage_error(spec: str, expected: str, tmp_path: Path) -> None:
    url = URL.create("postgresql+asyncpg", database="unused", query={"host": str(tmp_path)})
    result = run_cli(url, "check", "enums", "--models", spec)
    assert result.returncode == 2
    assert expected in " ".join(result.stderr.split())
