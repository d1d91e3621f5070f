"""Browser tests: the real UI in Debian's Chromium, driven by Playwright.

- ``live_api``: starts ``scrapersky api`` as a subprocess on 127.0.0.1:<free port> against the
  test's database (a fresh clone, also open in the test process for seeding).
- ``open_page``: a 1366x768 page; any console error or page error fails the test (tests that
  provoke an error response list it in ``expected_console``).
- ``shot(page, name)``: a screenshot kept under ``artifacts/screenshots/`` (gitignored).

Chromium is ``/usr/bin/chromium`` (``make system-deps`` installs it). Without it the tests
skip, except under CI (``CI`` set), where its absence fails them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from tests.support.database import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT_S = 60.0


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found; `make system-deps` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveApi:
    def __init__(self, base_url: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.log = log

    def url(self, path: str) -> str:
        return self.base_url + path


def server_env(db_url: URL, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SCRAPERSKY_") and key != "DATABASE_URL"
    }
    env.update(
        {
            "DATABASE_URL": db_url.render_as_string(hide_password=False),
            "SCRAPERSKY_AUTO_MIGRATE": "false",
            "SCRAPERSKY_DATA_DIR": str(PROJECT_ROOT / ".scrapersky" / "test"),
            **extra,
        }
    )
    return env


@asynccontextmanager
async def running_api(db_url: URL, tmp_path: Path, **env: str) -> AsyncIterator[LiveApi]:
    port = free_port()
    log = tmp_path / f"api-{port}.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *(
                sys.executable,
                "-m",
                "scrapersky",
                "api",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ),
            cwd=PROJECT_ROOT,
            env=server_env(db_url, **env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    api = LiveApi(f"http://127.0.0.1:{port}", process, log)
    try:
        await _wait_ready(api)
        yield api
    finally:
        await stop(process)


async def stop(process: asyncio.subprocess.Process, grace_s: float = 15.0) -> None:
    """SIGTERM (uvicorn and the worker shut down cleanly), SIGKILL after ``grace_s``."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _wait_ready(api: LiveApi) -> None:
    deadline = asyncio.get_running_loop().time() + SERVER_START_TIMEOUT_S
    async with httpx.AsyncClient() as client:
        while True:
            if api.process.returncode is not None:
                raise RuntimeError(f"scrapersky api exited:\n{api.log.read_text()[-3000:]}")
            try:
                if (await client.get(api.url("/readyz"), timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"scrapersky api not ready:\n{api.log.read_text()[-3000:]}")
            await asyncio.sleep(0.2)


@pytest.fixture
async def live_api(db: Database, db_url: URL, tmp_path: Path) -> AsyncIterator[LiveApi]:
    async with running_api(db_url, tmp_path) as api:
        yield api


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            await instance.close()


class ConsoleWatch:
    """Console errors and uncaught page errors seen during a test."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: list[str] = []

    def expect(self, fragment: str) -> None:
        """An error whose text contains ``fragment`` is part of the test (e.g. a 403)."""
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(f in e for f in self.expected)]


OpenPage = Callable[..., Awaitable[Any]]


@pytest.fixture
async def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
async def open_page(browser: Any, console: ConsoleWatch) -> AsyncIterator[OpenPage]:
    contexts: list[Any] = []

    async def open_(url: str) -> Any:
        context = await browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda msg: (
                console.errors.append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
        await page.goto(url)
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert not console.unexpected(), "errors in the browser console:\n" + "\n".join(
        console.unexpected()
    )


async def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path
