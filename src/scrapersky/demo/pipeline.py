"""Run every stage in this process until the whole pipeline is idle, with live progress.

    summary = await run_until_done(settings, on_progress=render)

"Done" means no stage has a row waiting, in backoff or in flight, twice in a row: with
auto-advance on, each stage feeds the next, so one idle poll is not enough.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from scrapersky.db.queries.summary import PipelineSummary, pipeline_summary
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.registry import STAGES, build_stage
from scrapersky.pipeline.worker import StopControl, run_worker
from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.demo")

PIPELINE_ORDER = ("metadata", "sitemap_discovery", "sitemap_import", "contacts_scan")
POLL_S = 0.5


@dataclass(frozen=True)
class StageProgress:
    stage: str
    done: int
    failed: int
    total: int


def progress_of(summary: PipelineSummary) -> list[StageProgress]:
    """Per stage: finished, failed, and everything handed to it so far."""

    def stage(name: str, counts: dict[str, int], ok: str, bad: str, idle: str) -> StageProgress:
        total = sum(v for k, v in counts.items() if k != idle)
        return StageProgress(name, counts.get(ok, 0), counts.get(bad, 0), total)

    return [
        stage("metadata", summary.domains_by_metadata, "completed", "error", ""),
        stage("sitemap_discovery", summary.domains_by_sitemap, "submitted", "failed", "pending"),
        stage("sitemap_import", summary.sitemap_files_by_status, "complete", "error", "pending"),
        stage("contacts_scan", summary.pages_by_scan, "complete", "error", "pending"),
    ]


def is_idle(summary: PipelineSummary) -> bool:
    return all(p.done + p.failed == p.total for p in progress_of(summary))


async def current_summary() -> PipelineSummary:
    async with transaction() as session:
        return await pipeline_summary(session)


async def run_until_done(
    settings: Settings,
    *,
    on_progress: Callable[[list[StageProgress], float], None] | None = None,
    timeout_s: float | None = None,
) -> PipelineSummary:
    """Run all registered pipeline stages until idle (or the timeout); return the summary."""
    names = [name for name in PIPELINE_ORDER if name in STAGES]
    stages = [build_stage(name, settings) for name in names]
    control = StopControl()
    worker = asyncio.create_task(
        run_worker(stages, settings=settings, control=control, install_signals=False)
    )
    started = time.monotonic()
    idle_polls = 0
    try:
        while not worker.done():
            await asyncio.sleep(POLL_S)
            summary = await current_summary()
            elapsed = time.monotonic() - started
            if on_progress is not None:
                on_progress(progress_of(summary), elapsed)
            idle_polls = idle_polls + 1 if is_idle(summary) else 0
            if control.stop.is_set():
                continue  # already stopping: a second request would skip the grace period
            if idle_polls >= 2:
                control.request_stop("pipeline idle")
            elif timeout_s is not None and elapsed > timeout_s:
                log.warning("demo timed out", extra={"action": "demo_timeout"})
                control.request_stop("timeout")
        await worker
    finally:
        if not worker.done():
            if not control.stop.is_set():
                control.request_stop("interrupted")
            await asyncio.wait_for(worker, timeout=settings.worker_grace_s + 15)
    return await current_summary()
