"""Real ``scrapersky worker`` processes for the worker tests, and a private PostgreSQL
server that a test may stop and start without disturbing anyone else's database.

    proc = spawn_worker(worker_env(db_url, tmp_path, ProbeConfig(...)), tmp_path / "w1.log")
    await wait_until(all_done, within_s=30); stop_worker(proc)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from tests.support.database import PROJECT_ROOT
from tests.support.stages import ProbeConfig

PROBE_FACTORY = "tests.support.stages:probe_stage"


def worker_env(db_url: URL, tmp: Path, config: ProbeConfig, **settings: object) -> dict[str, str]:
    """Environment for a worker subprocess on the test database (strict guard on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKY_PROBE_", "SCRAPERSKY_"))}
    env.pop("DATABASE_URL", None)
    env.update(config.env())
    env.update(
        {
            "DATABASE_URL": db_url.render_as_string(hide_password=False),
            "SCRAPERSKY_STRICT_GUARD": "1",
            "SCRAPERSKY_AUTO_MIGRATE": "0",
            "SCRAPERSKY_DATA_DIR": str(tmp / "data"),
            "SCRAPERSKY_DIAGNOSTIC_DIR": str(tmp / "diagnostics"),
            "SCRAPERSKY_WORKER_POLL_INTERVAL_S": "0.2",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    env.update({f"SCRAPERSKY_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def spawn_worker(env: dict[str, str], log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``python -m scrapersky worker --stage-factory tests.support.stages:probe_stage ...``"""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "scrapersky", "worker", "--stage-factory", PROBE_FACTORY, *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop_worker(
    proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait_s: float = 30
) -> int:
    """Signal a worker and wait for it; kill it if it does not exit in time."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, within_s: float, interval: float = 0.1
) -> None:
    """Poll an async condition; database errors while polling (a restart) count as 'not yet'."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            if await condition():
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {within_s}s")
        await asyncio.sleep(interval)


def log_actions(path: Path) -> list[str]:
    """The ``action=`` values of a worker's structured log."""
    actions = []
    for line in path.read_text(errors="replace").splitlines():
        for field in line.split():
            if field.startswith("action="):
                actions.append(field.removeprefix("action="))
    return actions


class PrivateServer:
    """A throwaway embedded PostgreSQL (pgserver) that a test may stop and start at will."""

    def __init__(self, pgdata: Path) -> None:
        import pgserver

        self.pgdata = pgdata
        self._server = pgserver.get_server(pgdata, cleanup_mode="delete")  # type: ignore[attr-defined]
        self.url = make_url(self._server.get_uri()).set(drivername="postgresql+asyncpg")
        self.socket_dir = str(self.url.query["host"])

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        from scrapersky.db.embedded import embedded_system_user

        pg_ctl(list(args), pgdata=self.pgdata, user=embedded_system_user(), timeout=60)

    def stop(self) -> None:
        self._pg_ctl("-w", "stop", "-m", "fast")

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def close(self) -> None:
        try:
            self.stop()
        except Exception:
            pass
        self._server.cleanup()


@contextmanager
def private_server(pgdata: Path) -> Iterator[PrivateServer]:
    server = PrivateServer(pgdata)
    try:
        yield server
    finally:
        server.close()
