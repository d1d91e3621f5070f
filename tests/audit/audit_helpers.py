"""Helpers for the audit tests: eval-file expectations and a CLI runner."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tokenize
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EVALS = Path(__file__).resolve().parent / "evals"
_EXPECTED = re.compile(r"^#\s*(SKY\d{3}(?::\s*\d+)?(?:\s*,\s*SKY\d{3}(?::\s*\d+)?)*)\s*$")
_ONE = re.compile(r"(SKY\d{3})(?::\s*(\d+))?")


def expected_findings(
    path: Path,
) -> tuple[Counter[tuple[int, str]], dict[tuple[int, str], list[int]]]:
    """How many findings of each (line, code) the trailing ``# SKY101`` comments expect, and
    their 1-based columns where the comment gives them (``# SKY101: 15, SKY101: 40``)."""
    lines: Counter[tuple[int, str]] = Counter()
    columns: dict[tuple[int, str], list[int]] = {}
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _EXPECTED.match(token.string)
        if not match:
            continue
        for code, column in _ONE.findall(match.group(1)):
            key = (token.start[0], code)
            lines[key] += 1
            if column:
                columns.setdefault(key, []).append(int(column))
    return lines, columns


def run_cli(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m scrapersky.guard.audit ARGS`` as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "scrapersky.guard.audit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
