"""The audit's vocabulary: severities, file kinds, findings and the rule base class.

finding = Finding("SKY101", "commit-in-managed-transaction", Severity.CRITICAL, ...)
finding.severity >= Severity.HIGH  # True
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from scrapersky.guard.audit.scope import Context


class Severity(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class FileKind(enum.Enum):
    """What a file looks like: shipped code, a test, or an experiment nobody runs."""

    PRODUCTION = "production"
    TEST = "test"
    EXPERIMENT = "experiment"


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    hint: str
    path: str  # as displayed: relative to the project root when under it, POSIX separators
    line: int  # 1-based
    col: int  # 0-based, as in the AST; reporters print col + 1
    kind: FileKind
    end_line: int = 0
    related_line: int | None = None  # e.g. where the session was opened (SKY201)
    fingerprint: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


@dataclass(frozen=True)
class FileError:
    """A file the audit could not read or parse; reported, never raised."""

    path: str
    message: str


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    suppressed: int = 0  # by noqa
    baselined: int = 0


class Rule:
    """One check. Subclasses define ``visit_<Node>`` / ``leave_<Node>`` hooks; the runner
    calls them while it walks each file once. ``self.ctx`` knows scopes, sessions, loops."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    hint: ClassVar[str]

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def report(
        self, node: ast.AST, message: str | None = None, *, related_line: int | None = None
    ) -> None:
        self.ctx.add_finding(self, node, message or self.summary, related_line)
