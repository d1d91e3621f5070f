"""Every eval file, audited on its own: the findings are exactly its trailing comments."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from audit_helpers import EVALS, expected_findings

from scrapersky.guard.audit import AuditConfig, audit_paths

EVAL_FILES = sorted(EVALS.glob("sky*.py"))


@pytest.mark.parametrize("path", EVAL_FILES, ids=[p.stem for p in EVAL_FILES])
def test_eval_file(path: Path) -> None:
    expected, columns = expected_findings(path)
    assert expected, f"{path.name} marks no expected finding"
    result = audit_paths([path], AuditConfig(root=EVALS))
    assert result.errors == []
    found = Counter((f.line, f.code) for f in result.findings)
    messages = {(f.line, f.code): f.message for f in result.findings}
    missing = sorted((expected - found).elements())
    unexpected = sorted((key, messages[key]) for key in (found - expected).elements())
    assert (missing, unexpected) == ([], []), "expected findings differ (missing, unexpected)"
    for key, expected_columns in columns.items():
        found_columns = sorted(f.col + 1 for f in result.findings if (f.line, f.code) == key)
        assert found_columns == sorted(expected_columns), (key, messages[key])
