"""The `scrapersky domains` commands, run as a real process against a test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

pytestmark = pytest.mark.acceptance


def scrapersky(db_url: URL, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url.render_as_string(hide_password=False).replace("+asyncpg", ""),
        "SCRAPERSKY_STRICT_GUARD": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "scrapersky", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_add_import_list_curate(db_url: URL, tmp_path: Path) -> None:
    added = scrapersky(db_url, "domains", "add", "acme.com", "www.acme.com", "localhost", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["accepted"] == 1

    csv_file = tmp_path / "leads.csv"
    csv_file.write_text(
        "Company,Website\nBeta,https://beta.io/\nGamma,gamma.de\nBad,not a domain\n"
    )
    imported = scrapersky(db_url, "domains", "import", str(csv_file), "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["accepted"], report["rejected"]) == (2, 1)

    curated = scrapersky(
        db_url, "domains", "curate", "--status", "selected", "beta.io", "gamma.de", "--json"
    )
    assert curated.returncode == 0, curated.stderr
    assert json.loads(curated.stdout) == {"updated": 2, "queued": 2}

    listed = scrapersky(db_url, "domains", "list", "--where", "sitemap=queued", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(item["domain"] for item in json.loads(listed.stdout)["items"]) == [
        "beta.io",
        "gamma.de",
    ]


def test_bad_filter_is_a_usage_error(db_url: URL) -> None:
    result = scrapersky(db_url, "domains", "list", "--where", "curation=shiny")
    assert result.returncode == 2
    assert "curation is one of new, selected" in result.stderr
