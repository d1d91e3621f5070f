"""Small JSON records of terminal failures, in a capped directory.

    store = DiagnosticStore.from_settings(settings)
    store.write(DiagnosticRecord(stage="metadata", item_id=7, ...)); store.recent(20)

Files are named ``<UTC time>_<stage>_<id>.json`` so name order is time order. After each
write the oldest files go until both caps hold (count and total bytes). Nothing here ever
raises into the worker: an unwritable directory is logged and the record skipped.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.pipeline.diagnostics")

MAX_TEXT = 2000  # characters of error message kept
MAX_RECORD_BYTES = 16 * 1024  # one record can never be bigger than this


@dataclass
class DiagnosticRecord:
    stage: str
    item_id: int
    attempts: int
    category: str
    message: str
    work_s: float | None = None
    claimed_at: str | None = None
    response_head: str | None = None  # first KB of the response, when the stage gave it
    retryable: bool = True
    item: dict[str, Any] = field(default_factory=dict)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    written_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @staticmethod
    def head_text(head: bytes | None, limit: int = 1024) -> str | None:
        if head is None:
            return None
        return head[:limit].decode("utf-8", errors="backslashreplace")

    def to_json(self) -> bytes:
        data = asdict(self)
        data["message"] = self.message[:MAX_TEXT]
        data["item"] = {k: _jsonable(v) for k, v in self.item.items()}
        raw = json.dumps(data, ensure_ascii=False, default=str).encode()
        if len(raw) > MAX_RECORD_BYTES:
            data["response_head"] = None
            data["item"] = {}
            raw = json.dumps(data, ensure_ascii=False, default=str).encode()[:MAX_RECORD_BYTES]
        return raw


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:MAX_TEXT]


class DiagnosticStore:
    def __init__(self, directory: Path, *, max_files: int, max_bytes: int) -> None:
        self.directory = directory
        self.max_files = max_files
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> DiagnosticStore:
        return cls(
            settings.diagnostics_path,
            max_files=settings.diagnostic_max_files,
            max_bytes=settings.diagnostic_max_bytes,
        )

    @property
    def enabled(self) -> bool:
        return self.max_files > 0 and self.max_bytes > 0

    def write(self, record: DiagnosticRecord) -> Path | None:
        """Write one record and enforce the caps; None if disabled or the write failed."""
        if not self.enabled:
            return None
        payload = record.to_json()
        if len(payload) > self.max_bytes:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.directory / f"{stamp}_{record.stage}_{record.item_id}.json"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(payload)
            tmp.replace(path)
            self._enforce_caps()
        except OSError as exc:
            log.warning(
                "diagnostic not written: %s",
                exc,
                extra={"action": "diagnostic_failed", "dir": str(self.directory)},
            )
            return None
        return path

    def _files(self) -> list[Path]:
        try:
            return sorted(
                p for p in self.directory.iterdir() if p.suffix == ".json" and p.name[:8].isdigit()
            )
        except OSError:
            return []

    def _enforce_caps(self) -> None:
        files = self._files()
        sizes = {}
        for path in files:
            try:
                sizes[path] = path.stat().st_size
            except OSError:
                sizes[path] = 0
        total = sum(sizes.values())
        while files and (len(files) > self.max_files or total > self.max_bytes):
            oldest = files.pop(0)
            total -= sizes[oldest]
            oldest.unlink(missing_ok=True)

    def recent(self, limit: int = 20) -> list[DiagnosticRecord]:
        """The newest records first; unreadable files are skipped."""
        records: list[DiagnosticRecord] = []
        for path in reversed(self._files()):
            if len(records) >= limit:
                break
            try:
                data = json.loads(path.read_bytes())
                records.append(DiagnosticRecord(**data))
            except (OSError, ValueError, TypeError):
                continue
        return records
