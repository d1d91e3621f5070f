"""``scrapersky audit``: a static linter for SQLAlchemy/asyncpg session anti-patterns
(SKY101 … SKY401; see docs/rules.md). Imports nothing from the database or web layers.

    result = audit_paths([Path("src")], find_config(Path.cwd()))
    print(render(result, "text"))
"""

from __future__ import annotations

from scrapersky.guard.audit.config import AuditConfig, find_config, load_config
from scrapersky.guard.audit.model import AuditResult, FileError, FileKind, Finding, Severity
from scrapersky.guard.audit.registry import all_rules
from scrapersky.guard.audit.reporters import render
from scrapersky.guard.audit.runner import audit_modules, audit_paths, select_rules

__all__ = [
    "AuditConfig",
    "AuditResult",
    "FileError",
    "FileKind",
    "Finding",
    "Severity",
    "all_rules",
    "audit_modules",
    "audit_paths",
    "find_config",
    "load_config",
    "render",
    "select_rules",
]
