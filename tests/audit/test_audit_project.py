"""Cross-module facts from the project index: re-exported helpers, enums from another
module, and network I/O reached through three levels of the project's own calls."""

from __future__ import annotations

from pathlib import Path

from scrapersky.guard.audit import AuditConfig, audit_paths

FILES = {
    "app/__init__.py": "",
    "app/db/__init__.py": "from .session import unit_of_work\n",
    "app/db/session.py": """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://db/app"))


@asynccontextmanager
async def unit_of_work():
    async with SessionLocal() as session:
        yield session
        await session.commit()
""",
    "app/models.py": """\
import enum


class Status(enum.Enum):
    pending = "pending"
    complete = "complete"
""",
    "app/web/__init__.py": "",
    "app/web/fetch.py": """\
import httpx


async def get(url):
    async with httpx.AsyncClient() as client:
        return await client.get(url)
""",
    "app/web/pages.py": """\
from app.web.fetch import get


async def title(url):
    return (await get(url)).text
""",
    "app/jobs.py": """\
from app import models
from app.db import unit_of_work
from app.web import pages


async def refresh(url):
    async with unit_of_work() as session:
        text = await pages.title(url)
        if text == models.Status.Completed:
            await session.commit()


async def refresh_well(url):
    text = await pages.title(url)
    async with unit_of_work() as session:
        session.add(text)
        return models.Status.complete
""",
}


def test_cross_module_findings(tmp_path: Path) -> None:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = audit_paths([tmp_path / "app"], AuditConfig(root=tmp_path))
    assert result.errors == []
    found = {(f.path, f.line, f.code): f for f in result.findings}
    assert set(found) == {
        ("app/jobs.py", 8, "SKY201"),
        ("app/jobs.py", 9, "SKY401"),
        ("app/jobs.py", 10, "SKY101"),
    }
    io = found[("app/jobs.py", 8, "SKY201")]
    assert io.message.startswith("title() → get() → httpx.AsyncClient.get while")
    assert io.related_line == 7
    assert "unit_of_work()" in found[("app/jobs.py", 10, "SKY101")].message
    assert "did you mean models.Status.complete" in found[("app/jobs.py", 9, "SKY401")].message
