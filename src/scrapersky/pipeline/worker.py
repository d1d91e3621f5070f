"""A worker process: one StageRunner task per stage, signals, and stage lifecycles.

    totals = await run_worker([build_stage("metadata", settings)], settings=settings)

SIGTERM / SIGINT: stop claiming, give in-flight work ``worker_grace_s``, then release the
rest back to queued. A second signal skips the grace period. Any number of workers on any
number of machines may share one database: Postgres (SKIP LOCKED + lease tokens) is the
only coordinator.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Sequence
from typing import Any

from scrapersky.db.engine import Database
from scrapersky.pipeline.diagnostics import DiagnosticStore
from scrapersky.pipeline.recorder import RunTotals
from scrapersky.pipeline.runner import StageRunner
from scrapersky.pipeline.stage import Stage
from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.pipeline.worker")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class WorkerFailed(Exception):
    """A stage runner stopped on an error that retrying would not fix."""


class StopControl:
    """The stop and force events a worker's runners share; signal handlers set them."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.force = asyncio.Event()

    def request_stop(self, reason: str) -> None:
        if self.stop.is_set():
            if not self.force.is_set():
                log.warning(
                    "second stop request: releasing in-flight work now",
                    extra={"action": "worker_force_stop", "reason": reason},
                )
                self.force.set()
            return
        log.info(
            "stop requested: no new claims; finishing in-flight work",
            extra={"action": "worker_stopping", "reason": reason},
        )
        self.stop.set()


async def run_worker(
    stages: Sequence[Stage[Any]],
    *,
    settings: Settings,
    database: Database | None = None,
    once: bool = False,
    exit_when_idle: bool = False,
    control: StopControl | None = None,
    install_signals: bool = True,
) -> dict[str, RunTotals]:
    """Run every stage until stopped (or once / until idle); returns totals per stage."""
    control = control or StopControl()
    loop = asyncio.get_running_loop()
    if install_signals:
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, control.request_stop, sig.name)
    diagnostics = DiagnosticStore.from_settings(settings)
    started: list[Stage[Any]] = []
    try:
        for stage in stages:
            await stage.setup()
            started.append(stage)
        runners = [
            StageRunner(stage, settings=settings, database=database, diagnostics=diagnostics)
            for stage in stages
        ]
        log.info(
            "worker started",
            extra={
                "action": "worker_started",
                "worker": f"{socket.gethostname()}:{os.getpid()}",
                "stages": ",".join(r.spec.name for r in runners),
            },
        )
        await _run_all(runners, control, once=once, exit_when_idle=exit_when_idle)
        totals = {runner.spec.name: runner.totals for runner in runners}
        log.info(
            "worker stopped",
            extra={"action": "worker_stopped", **{k: vars(v) for k, v in totals.items()}},
        )
        return totals
    finally:
        if install_signals:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        for stage in reversed(started):
            try:
                await stage.aclose()
            except Exception:
                log.exception("stage aclose failed", extra={"action": "stage_close_failed"})


async def _run_all(
    runners: Sequence[StageRunner], control: StopControl, *, once: bool, exit_when_idle: bool
) -> None:
    tasks = [
        asyncio.create_task(
            runner.run(control.stop, once=once, exit_when_idle=exit_when_idle, force=control.force),
            name=f"stage:{runner.spec.name}",
        )
        for runner in runners
    ]
    failure: BaseException | None = None
    pending = set(tasks)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if error is not None and failure is None:
                failure = error
                log.error(
                    "stage runner failed; stopping the worker",
                    exc_info=error,
                    extra={"action": "runner_failed", "stage": task.get_name()},
                )
                control.request_stop("runner failed")
    if failure is not None:
        raise WorkerFailed(f"{type(failure).__name__}: {failure}") from failure
