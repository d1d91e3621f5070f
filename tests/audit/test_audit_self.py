"""ScraperSky passes its own audit, and the audit never crashes on real-world code."""

from __future__ import annotations

import sys
import sysconfig
import time
from pathlib import Path

import pytest
from audit_helpers import run_cli

from scrapersky.guard.audit import AuditConfig, audit_paths

SITE_PACKAGES_LIMIT = 3000  # files, sorted, to keep the run bounded


def test_scrapersky_passes_its_own_audit() -> None:
    result = run_cli("src/")
    assert result.returncode == 0, f"scrapersky audit src/ found problems:\n{result.stdout}"


@pytest.mark.slow
def test_no_crash_on_site_packages(capsys: pytest.CaptureFixture[str]) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    files = sorted(p for p in site.rglob("*.py") if p.is_file())[:SITE_PACKAGES_LIMIT]
    assert len(files) > 500, f"too few files under {site}"
    started = time.perf_counter()
    result = audit_paths(files, AuditConfig(root=site))
    elapsed = time.perf_counter() - started
    assert result.files == len(files)
    for error in result.errors:  # only files Python itself cannot parse
        assert error.message.startswith(("syntax error", "cannot decode", "skipped")), error
    with capsys.disabled():
        sys.stdout.write(
            f"\naudited {result.files} site-packages files ({result.lines} lines) in "
            f"{elapsed:.1f}s: {result.files / elapsed:.0f} files/s, "
            f"{result.lines / elapsed:.0f} lines/s, {len(result.findings)} findings, "
            f"{len(result.errors)} unparsable\n"
        )
