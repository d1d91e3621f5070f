"""The diagnostic directory: capped by count and bytes (oldest go first), never a crash when
it cannot be written, listed newest first by `scrapersky status --failures`."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scrapersky.pipeline.diagnostics import MAX_RECORD_BYTES, DiagnosticRecord, DiagnosticStore
from tests.support.database import PROJECT_ROOT


def record(
    item_id: int, *, message: str = "HTTP 503", head: bytes | None = b"<html>"
) -> DiagnosticRecord:
    return DiagnosticRecord(
        stage="metadata",
        item_id=item_id,
        attempts=3,
        category="http_503",
        message=message,
        work_s=0.5,
        response_head=DiagnosticRecord.head_text(head),
        item={"domain": f"d{item_id}.test"},
    )


def test_count_cap_keeps_the_newest(tmp_path: Path) -> None:
    store = DiagnosticStore(tmp_path / "diag", max_files=10, max_bytes=10**9)
    for item_id in range(30):
        assert store.write(record(item_id)) is not None
    files = sorted((tmp_path / "diag").glob("*.json"))
    assert len(files) == 10
    assert [r.item_id for r in store.recent(100)] == list(range(29, 19, -1))
    first = json.loads(files[0].read_text())
    assert first["stage"] == "metadata"
    assert first["response_head"] == "<html>"
    assert first["item"] == {"domain": "d20.test"}


def test_byte_cap_bounds_the_directory(tmp_path: Path) -> None:
    store = DiagnosticStore(tmp_path, max_files=1000, max_bytes=5_000)
    for item_id in range(100):
        store.write(record(item_id, head=b"x" * 1024))
    total = sum(p.stat().st_size for p in tmp_path.glob("*.json"))
    assert 0 < total <= 5_000
    assert store.recent(1)[0].item_id == 99


def test_one_huge_record_is_bounded(tmp_path: Path) -> None:
    store = DiagnosticStore(tmp_path, max_files=10, max_bytes=10**9)
    path = store.write(record(1, message="m" * 1_000_000, head=b"h" * 1_000_000))
    assert path is not None
    assert path.stat().st_size <= MAX_RECORD_BYTES
    assert len(json.loads(path.read_text())["message"]) <= 2000


def test_unwritable_directory_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be")
    store = DiagnosticStore(blocker / "diag", max_files=10, max_bytes=10**6)
    with caplog.at_level(logging.WARNING, logger="scrapersky.pipeline"):
        assert store.write(record(1)) is None
    assert any(getattr(r, "action", None) == "diagnostic_failed" for r in caplog.records)
    assert store.recent() == []


def test_disabled_store_writes_nothing(tmp_path: Path) -> None:
    store = DiagnosticStore(tmp_path, max_files=0, max_bytes=10**6)
    assert store.write(record(1)) is None
    assert list(tmp_path.iterdir()) == []


def test_status_failures_lists_recent_records(tmp_path: Path) -> None:
    store = DiagnosticStore(tmp_path, max_files=10, max_bytes=10**6)
    for item_id in (1, 2, 3):
        store.write(record(item_id, message=f"HTTP 503 for {item_id}"))
    (tmp_path / "garbage.json").write_text("{not json")  # skipped, not fatal
    env = {**os.environ, "SCRAPERSKY_DIAGNOSTIC_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "scrapersky", "status", "--failures", "--json", "--limit", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listed = json.loads(result.stdout)
    assert listed["directory"] == str(tmp_path)
    assert [(f["item_id"], f["message"]) for f in listed["failures"]] == [
        (3, "HTTP 503 for 3"),
        (2, "HTTP 503 for 2"),
    ]
