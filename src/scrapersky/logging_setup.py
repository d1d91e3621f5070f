"""Structured logging: one line per event, ``key=value`` fields from ``extra``.

configure_logging("INFO")
log.info("batch done", extra={"action": "batch", "claimed": 10})
"""

from __future__ import annotations

import logging
import sys

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: "
        base += record.getMessage()
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if fields:
            base += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return base


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger("scrapersky")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
