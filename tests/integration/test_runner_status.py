"""`scrapersky status`: rows by stage and status, the oldest due row's wait, expired leases,
rows that failed at their attempt limit - from the library and from the real command."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.registry import QUEUES, status_specs
from scrapersky.pipeline.stage import StageSpec
from scrapersky.pipeline.status import StageStatus, collect_status, format_age
from tests.support.database import PROJECT_ROOT, make_test_settings
from tests.support.stages import seed_domains

pytestmark = pytest.mark.integration


async def shape_queue() -> None:
    """8 domains: 3 due (oldest 10 min), 1 not due, 2 processing (1 expired), 2 failed."""
    ids = await seed_domains(8)
    ago = {ids[0]: 600, ids[1]: 60, ids[2]: 5}
    async with transaction() as session:
        for row_id, seconds in ago.items():
            await session.execute(
                update(domains)
                .where(domains.c.id == row_id)
                .values(metadata_next_attempt_at=func.now() - timedelta(seconds=seconds))
            )
        await session.execute(
            update(domains)
            .where(domains.c.id == ids[3])
            .values(metadata_next_attempt_at=func.now() + timedelta(hours=1))
        )
        for row_id, lease in ((ids[4], -30), (ids[5], 300)):
            await session.execute(
                update(domains)
                .where(domains.c.id == row_id)
                .values(
                    metadata_status="processing",
                    metadata_lease_token=uuid.uuid4(),
                    metadata_lease_expires_at=func.now() + timedelta(seconds=lease),
                    metadata_attempts=1,
                )
            )
        for row_id, attempts in ((ids[6], 3), (ids[7], 1)):
            await session.execute(
                update(domains)
                .where(domains.c.id == row_id)
                .values(metadata_status="error", metadata_attempts=attempts)
            )


def metadata_entry(report: list[StageStatus]) -> StageStatus:
    return next(entry for entry in report if entry.stage == "metadata")


async def test_status_counts_ages_expired_leases_and_exhausted_rows(db: Database) -> None:
    await shape_queue()
    report = await collect_status([StageSpec.on(QUEUES["metadata"], name="metadata")])
    entry = metadata_entry(report)
    assert entry.by_status == {"pending": 4, "processing": 2, "completed": 0, "error": 2}
    assert entry.oldest_due_age_s is not None
    assert 595 < entry.oldest_due_age_s < 660
    assert entry.expired_leases == 1
    assert entry.at_max_attempts == 1  # the other error row gave up early (not retryable)


async def test_every_queue_is_reported_registered_stage_or_not(db: Database) -> None:
    report = await collect_status(status_specs(make_test_settings()))
    assert [entry.stage for entry in report] == list(QUEUES)
    imports = next(entry for entry in report if entry.stage == "sitemap_import")
    assert imports.by_status == dict.fromkeys(
        ["pending", "queued", "processing", "complete", "error"], 0
    )
    assert imports.oldest_due_age_s is None


async def test_status_command_prints_json(db: Database, db_url: URL) -> None:
    await shape_queue()
    env = {
        **os.environ,
        "DATABASE_URL": db_url.render_as_string(hide_password=False),
        "SCRAPERSKY_AUTO_MIGRATE": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scrapersky",
        "status",
        "--json",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    stages = {entry["stage"]: entry for entry in json.loads(stdout)["stages"]}
    assert set(stages) == set(QUEUES)
    metadata = stages["metadata"]
    assert metadata["by_status"]["pending"] == 4
    assert metadata["expired_leases"] == 1
    assert metadata["at_max_attempts"] == 1


def test_ages_read_naturally() -> None:
    assert [format_age(s) for s in (None, 5, 300, 3 * 3600, 3 * 86400)] == [
        "-",
        "5s",
        "5m",
        "3.0h",
        "3.0d",
    ]
