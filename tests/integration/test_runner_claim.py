"""Phase 1 and the fenced phase 3 statements on real Postgres: one-statement claims that skip
locked rows, respect LIMIT and next_attempt_at, reclaim expired leases; token fencing; fair
claims that rotate across domains from one claim to the next."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.engine import Database
from scrapersky.db.queries.ops import show_settings
from scrapersky.db.queries.stage import (
    ClaimedRow,
    FairRotation,
    OutcomeRow,
    StageTarget,
    claim_batch,
    record_outcomes,
)
from scrapersky.db.schema import contacts, domains, pages
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.registry import QUEUES
from tests.support.stages import probe_rows, seed_domains

pytestmark = pytest.mark.integration

METADATA = QUEUES["metadata"]
CONTACTS = dataclasses.replace(QUEUES["contacts_scan"], fair_by="domain_id")  # as the stage


async def claim(
    limit: int, token: uuid.UUID | None = None, lease_s: float = 60
) -> list[ClaimedRow]:
    async with transaction() as session:
        return await claim_batch(
            session, METADATA, limit=limit, token=token or uuid.uuid4(), lease_s=lease_s
        )


async def test_claim_marks_rows_processing_with_token_lease_and_attempt(db: Database) -> None:
    ids = await seed_domains(25)
    token = uuid.uuid4()
    claimed = await claim(10, token, lease_s=90)
    assert len(claimed) == 10
    assert {row.attempts for row in claimed} == {1}
    assert all(row.values["domain"].endswith(".test") for row in claimed)
    rows = await probe_rows()
    mine = [rows[row.id] for row in claimed]
    assert {r["status"] for r in mine} == {"processing"}
    assert {r["metadata_lease_token"] for r in mine} == {token}
    async with transaction() as session:
        now = (await session.execute(select(func.now()))).scalar_one()
    for r in mine:
        remaining = r["metadata_lease_expires_at"] - now
        assert timedelta(seconds=85) < remaining <= timedelta(seconds=90)
    untouched = [rows[i] for i in ids if i not in {row.id for row in claimed}]
    assert len(untouched) == 15
    assert {r["status"] for r in untouched} == {"pending"}
    assert {r["metadata_attempts"] for r in untouched} == {0}


async def test_concurrent_claims_skip_locked_rows_and_never_overlap(db: Database) -> None:
    await seed_domains(40)
    first_claimed = asyncio.Event()
    release_first = asyncio.Event()
    first: list[ClaimedRow] = []

    async def slow_claimer() -> None:
        async with transaction() as session:
            first.extend(
                await claim_batch(session, METADATA, limit=10, token=uuid.uuid4(), lease_s=60)
            )
            first_claimed.set()
            await release_first.wait()  # keep the row locks: the others must skip them

    holder = asyncio.create_task(slow_claimer())
    await first_claimed.wait()
    others = await asyncio.gather(*(claim(10) for _ in range(3)))
    release_first.set()
    await holder
    batches = [first, *others]
    assert [len(b) for b in batches] == [10, 10, 10, 10]
    all_ids = [row.id for batch in batches for row in batch]
    assert len(set(all_ids)) == 40
    assert await claim(10) == []  # nothing left, LIMIT never over-delivered


async def test_not_due_rows_wait_and_expired_leases_are_reclaimed(db: Database) -> None:
    due, later, expired, live = await seed_domains(4)
    async with transaction() as session:
        await session.execute(
            update(domains)
            .where(domains.c.id == later)
            .values(metadata_next_attempt_at=func.now() + timedelta(minutes=5))
        )
        for row_id, lease in ((expired, timedelta(seconds=-1)), (live, timedelta(minutes=5))):
            await session.execute(
                update(domains)
                .where(domains.c.id == row_id)
                .values(
                    metadata_status="processing",
                    metadata_lease_token=uuid.uuid4(),
                    metadata_lease_expires_at=func.now() + lease,
                    metadata_attempts=1,
                )
            )
    token = uuid.uuid4()
    first = await claim(1, token)  # expired leases go first
    rest = await claim(10)
    assert [(row.id, row.attempts) for row in first] == [(expired, 2)]
    assert [(row.id, row.attempts) for row in rest] == [(due, 1)]
    rows = await probe_rows()
    assert rows[expired]["metadata_lease_token"] == token
    assert rows[later]["status"] == "pending"
    assert rows[live]["metadata_attempts"] == 1


async def test_record_is_fenced_by_the_lease_token(db: Database) -> None:
    await seed_domains(3)
    old_token, new_token = uuid.uuid4(), uuid.uuid4()
    claimed = await claim(3, old_token, lease_s=0.01)
    await asyncio.sleep(0.05)  # the lease expires; another worker reclaims the rows
    reclaimed = await claim(3, new_token)
    assert sorted(r.id for r in reclaimed) == sorted(r.id for r in claimed)
    outcomes = [OutcomeRow(row.id, "success") for row in claimed]
    async with transaction() as session:
        assert await record_outcomes(session, METADATA, old_token, outcomes) == set()
    assert {r["status"] for r in (await probe_rows()).values()} == {"processing"}
    async with transaction() as session:
        owned = await record_outcomes(session, METADATA, new_token, outcomes)
    assert owned == {row.id for row in claimed}
    rows = await probe_rows()
    assert {r["status"] for r in rows.values()} == {"completed"}
    assert {r["metadata_lease_token"] for r in rows.values()} == {None}
    assert all(r["metadata_finished_at"] is not None for r in rows.values())


async def test_outcomes_retry_fail_and_release(db: Database) -> None:
    await seed_domains(4)
    token = uuid.uuid4()
    a, b, c, d = sorted(row.id for row in await claim(4, token))
    async with transaction() as session:
        owned = await record_outcomes(
            session,
            METADATA,
            token,
            [
                OutcomeRow(a, "success"),
                OutcomeRow(b, "retry", 120.0, "http_503", "HTTP 503 (attempt 1 of 3; will retry)"),
                OutcomeRow(c, "failure", 0.0, "parse", "not HTML (gave up after 1 attempts)"),
                OutcomeRow(d, "release"),
            ],
        )
        now = (await session.execute(select(func.now()))).scalar_one()
    assert owned == {a, b, c, d}
    rows = await probe_rows()
    assert rows[a]["status"] == "completed"
    assert rows[b]["status"] == "pending"
    assert rows[b]["metadata_error"] == "HTTP 503 (attempt 1 of 3; will retry)"
    assert rows[b]["metadata_error_category"] == "http_503"
    delay = rows[b]["metadata_next_attempt_at"] - now
    assert timedelta(seconds=119) < delay <= timedelta(seconds=121)
    assert rows[b]["metadata_attempts"] == 1
    assert rows[c]["status"] == "error"
    assert rows[c]["metadata_error"] == "not HTML (gave up after 1 attempts)"
    assert rows[d]["status"] == "pending"
    assert rows[d]["metadata_attempts"] == 0  # a released claim did not really run
    assert rows[d]["metadata_next_attempt_at"] <= now
    assert all(rows[i]["metadata_lease_token"] is None for i in (a, b, c, d))


async def test_fair_claim_takes_every_domain_before_a_second_page(db: Database) -> None:
    big, small1, small2 = await seed_domains(3, prefix="fair")
    async with transaction() as session:
        await session.execute(
            insert(pages),
            [
                {"domain_id": d, "url": f"https://x/{d}/{n}", "scan_status": "queued"}
                for d, count in ((big, 30), (small1, 2), (small2, 2))
                for n in range(count)
            ],
        )
    async with transaction() as session:
        claimed = await claim_batch(session, CONTACTS, limit=6, token=uuid.uuid4(), lease_s=60)
    per_domain: dict[int, int] = {}
    for row in claimed:
        per_domain[row.values["domain_id"]] = per_domain.get(row.values["domain_id"], 0) + 1
    assert per_domain == {big: 2, small1: 2, small2: 2}


async def seed_due_pages(domain_count: int, pages_each: int) -> list[int]:
    """``domain_count`` domains with ``pages_each`` queued pages, all due now; inserted domain
    by domain, so id order (and due order) would serve the first domain's pages first."""
    domain_ids = await seed_domains(domain_count, prefix="fair")
    async with transaction() as session:
        await session.execute(
            insert(pages),
            [
                {"domain_id": d, "url": f"https://x/{d}/{n}", "scan_status": "queued"}
                for d in domain_ids
                for n in range(pages_each)
            ],
        )
    return domain_ids


async def fair_claim(
    limit: int, rotation: FairRotation | None, target: StageTarget = CONTACTS
) -> list[int]:
    """Claim (and commit) a batch; the domain id of each row claimed."""
    async with transaction() as session:
        rows = await claim_batch(
            session, target, limit=limit, token=uuid.uuid4(), lease_s=60, rotation=rotation
        )
    return [int(row.values["domain_id"]) for row in rows]


async def test_consecutive_fair_claims_rotate_across_domains(db: Database) -> None:
    domain_ids = await seed_due_pages(3, 30)
    rotation = FairRotation()
    claims = [await fair_claim(10, rotation) for _ in range(3)]
    assert [len(c) for c in claims] == [10, 10, 10]
    for claimed in claims:  # every claim: one page of each domain before a second of any
        assert sorted(Counter(claimed).values()) == [3, 3, 4]
    # the domain that got the extra page moves on: three claims, 10 pages of each domain
    assert Counter(d for claimed in claims for d in claimed) == dict.fromkeys(domain_ids, 10)


async def test_fair_rotation_visits_every_domain_before_any_twice(db: Database) -> None:
    domain_ids = await seed_due_pages(40, 3)
    rotation = FairRotation()
    first_round = [await fair_claim(10, rotation) for _ in range(4)]
    seen = [d for claimed in first_round for d in claimed]
    assert sorted(seen) == sorted(domain_ids)  # 40 domains in 4 claims, none twice
    second_round = [await fair_claim(10, rotation) for _ in range(4)]
    assert second_round == first_round  # the same order again: a rotation, not a restart


async def test_each_runner_rotates_in_its_own_order(db: Database) -> None:
    await seed_due_pages(40, 3)
    first = await fair_claim(10, FairRotation(salt="worker-a"))
    second = await fair_claim(10, FairRotation(salt="worker-b"))
    assert len(set(first)) == len(set(second)) == 10
    assert set(first) != set(second)  # two workers do not start on the same domains
    third = await fair_claim(10, None)  # no rotation given: a random start, still fair
    assert len(set(third)) == 10


async def test_fair_claim_skips_rows_another_claim_holds(db: Database) -> None:
    await seed_due_pages(4, 10)
    rotation = FairRotation(salt="same")
    holding = asyncio.Event()
    release = asyncio.Event()
    held: list[int] = []

    async def hold_claim() -> None:
        async with transaction() as session:
            rows = await claim_batch(
                session, CONTACTS, limit=8, token=uuid.uuid4(), lease_s=60, rotation=rotation
            )
            held.extend(row.id for row in rows)
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold_claim())
    await asyncio.wait(
        [holder, asyncio.ensure_future(holding.wait())], timeout=10, return_when="FIRST_COMPLETED"
    )
    assert holding.is_set(), holder
    async with transaction() as session:  # same rotation: the same domains and ranks, locked
        rows = await claim_batch(
            session,
            CONTACTS,
            limit=8,
            token=uuid.uuid4(),
            lease_s=60,
            rotation=FairRotation(salt="same"),
        )
    release.set()
    await holder
    assert len(held) == len(rows) == 8
    assert not set(held) & {row.id for row in rows}
    assert sorted(Counter(row.values["domain_id"] for row in rows).values()) == [2, 2, 2, 2]


async def synchronous_commit(session: AsyncSession) -> str:
    return (await show_settings(session, ("synchronous_commit",)))["synchronous_commit"]


async def force_synchronous_commit(session: AsyncSession) -> None:
    # the test server may run with synchronous_commit=off (ALTER SYSTEM): start from "on"
    await session.execute(text("SELECT set_config('synchronous_commit', 'on', true)"))


@pytest.mark.parametrize("asynchronous", [True, False])
async def test_claim_and_record_can_commit_without_waiting_for_the_wal_flush(
    db: Database, asynchronous: bool
) -> None:
    await seed_domains(3)
    expected = "off" if asynchronous else "on"
    token = uuid.uuid4()
    async with transaction() as session:
        server_default = await synchronous_commit(session)
    async with transaction() as session:
        await force_synchronous_commit(session)
        claimed = await claim_batch(
            session, METADATA, limit=3, token=token, lease_s=60, asynchronous_commit=asynchronous
        )
        assert await synchronous_commit(session) == expected
    async with transaction() as session:
        assert await synchronous_commit(session) == server_default  # SET LOCAL: gone
    async with transaction() as session:
        await force_synchronous_commit(session)
        owned = await record_outcomes(
            session,
            METADATA,
            token,
            [OutcomeRow(row.id, "success") for row in claimed],
            asynchronous_commit=asynchronous,
        )
        assert len(owned) == 3
        assert await synchronous_commit(session) == expected


async def test_open_claim_does_not_block_inserts_that_reference_the_row(db: Database) -> None:
    # FOR NO KEY UPDATE, not FOR UPDATE: another stage inserting a row whose foreign key
    # points at a claimed domain (its KEY SHARE check) must not wait for the claim.
    await seed_domains(1)
    claimed_open = asyncio.Event()
    done = asyncio.Event()

    async def hold_claim() -> None:
        async with transaction() as session:
            rows = await claim_batch(session, METADATA, limit=1, token=uuid.uuid4(), lease_s=60)
            assert len(rows) == 1
            claimed_open.set()
            await done.wait()

    holder = asyncio.create_task(hold_claim())
    await claimed_open.wait()
    try:
        async with asyncio.timeout(3), transaction() as session:
            domain_id = (await session.execute(select(domains.c.id))).scalar_one()
            await session.execute(
                insert(contacts).values(domain_id=domain_id, kind="email", value="a@b.test")
            )
    finally:
        done.set()
        await holder
