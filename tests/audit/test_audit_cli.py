"""The `audit` command end to end, as a subprocess: exit codes, formats, baseline, noqa,
--fail-on, file-kind filters and pyproject configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from audit_helpers import PROJECT_ROOT, run_cli

from scrapersky.guard.audit import all_rules

COMMIT_IN_TRANSACTION = """\
from scrapersky.db.transaction import transaction


async def save(item):
    async with transaction() as session:
        session.add(item)
        await session.commit()
"""
QUERY_IN_LOOP = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def each(session: AsyncSession, ids):
    for i in ids:
        await session.execute(i)
"""
CLEAN = """\
from scrapersky.db.transaction import transaction


async def save(item):
    async with transaction() as session:
        session.add(item)
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_codes(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", CLEAN)
    write(tmp_path, "bad/commit.py", COMMIT_IN_TRANSACTION)
    clean = run_cli("clean.py", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 finding(s)" in clean.stdout
    found = run_cli(".", cwd=tmp_path)
    assert found.returncode == 1
    assert "bad/commit.py:7:15 SKY101 critical commit() on `session`" in found.stdout
    assert "fix: Delete the call" in found.stdout
    for args in (
        ["missing.py"],
        [".", "--select", "SKY999"],
        [".", "--format", "xml"],
        [".", "--fail-on", "severe"],
        [".", "--kind", "prod"],
    ):
        usage = run_cli(*args, cwd=tmp_path)
        assert usage.returncode == 2, args
        assert "error:" in usage.stderr


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", CLEAN)
    write(tmp_path, "pyproject.toml", "[tool.scrapersky.audit]\nmanaged_transactions = 1\n")
    result = run_cli(".", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown key 'managed_transactions'" in result.stderr
    write(tmp_path, "broken.toml", "[tool.scrapersky.audit\n")
    result = run_cli(".", "--config", "broken.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_json_report(tmp_path: Path) -> None:
    write(tmp_path, "commit.py", COMMIT_IN_TRANSACTION)
    result = run_cli(".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    [finding] = report["findings"]
    assert finding["code"] == "SKY101"
    assert finding["severity"] == "critical"
    assert (finding["path"], finding["line"], finding["column"]) == ("commit.py", 7, 15)
    assert finding["kind"] == "production"
    assert finding["related_line"] == 5
    assert len(finding["fingerprint"]) == 32
    assert report["summary"]["files"] == 1
    assert report["errors"] == []


def test_sarif_report(tmp_path: Path) -> None:
    write(tmp_path, "commit.py", COMMIT_IN_TRANSACTION)
    write(tmp_path, "loop.py", QUERY_IN_LOOP)
    result = run_cli(".", "--format", "sarif", cwd=tmp_path)
    sarif = json.loads(result.stdout)
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(all_rules())
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run["results"]
    assert sorted(r["ruleId"] for r in results) == ["SKY101", "SKY103"]
    for entry in results:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
        assert entry["level"] in ("error", "warning", "note")
        region = entry["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert region["startColumn"] >= 1
        assert len(entry["partialFingerprints"]["scraperskyFingerprint/v1"]) == 32
    again = json.loads(run_cli(".", "--format", "sarif", cwd=tmp_path).stdout)
    assert again["runs"][0]["results"] == results  # stable across runs


def test_baseline_survives_line_shifts_and_reports_only_new_findings(tmp_path: Path) -> None:
    target = write(tmp_path, "commit.py", COMMIT_IN_TRANSACTION)
    written = run_cli(".", "--write-baseline", "baseline.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert [f["code"] for f in baseline["findings"]] == ["SKY101"]
    assert run_cli(".", "--baseline", "baseline.json", cwd=tmp_path).returncode == 0
    target.write_text("# moved down\n\n\n" + COMMIT_IN_TRANSACTION, encoding="utf-8")
    shifted = run_cli(".", "--baseline", "baseline.json", cwd=tmp_path)
    assert shifted.returncode == 0, shifted.stdout
    assert "1 in the baseline" in shifted.stdout
    write(tmp_path, "loop.py", QUERY_IN_LOOP)
    new = run_cli(".", "--baseline", "baseline.json", "--format", "json", cwd=tmp_path)
    assert new.returncode == 1
    assert [f["code"] for f in json.loads(new.stdout)["findings"]] == ["SKY103"]
    missing = run_cli(".", "--baseline", "nope.json", cwd=tmp_path)
    assert missing.returncode == 2


def test_noqa(tmp_path: Path) -> None:
    suppressed = COMMIT_IN_TRANSACTION.replace(
        "await session.commit()", "await session.commit()  # noqa: SKY101"
    )
    write(tmp_path, "a.py", suppressed)
    result = run_cli(".", cwd=tmp_path)
    assert result.returncode == 0
    assert "1 suppressed by noqa" in result.stdout
    other_code = COMMIT_IN_TRANSACTION.replace(
        "await session.commit()", "await session.commit()  # noqa: SKY201"
    )
    write(tmp_path, "a.py", other_code)
    assert run_cli(".", cwd=tmp_path).returncode == 1
    in_a_string = COMMIT_IN_TRANSACTION.replace(
        "await session.commit()", 'await session.commit("# noqa")'
    )
    write(tmp_path, "a.py", in_a_string)
    assert run_cli(".", cwd=tmp_path).returncode == 1


def test_fail_on_select_and_ignore(tmp_path: Path) -> None:
    write(tmp_path, "loop.py", QUERY_IN_LOOP)  # one medium finding
    high = run_cli(".", "--fail-on", "high", cwd=tmp_path)
    assert high.returncode == 0
    assert "SKY103" in high.stdout
    assert run_cli(".", "--fail-on", "medium", cwd=tmp_path).returncode == 1
    assert run_cli(".", "--select", "SKY1", cwd=tmp_path).returncode == 1
    assert run_cli(".", "--select", "SKY2,SKY4", cwd=tmp_path).returncode == 0
    assert run_cli(".", "--ignore", "SKY103", cwd=tmp_path).returncode == 0


def test_file_kind_classification_and_filter(tmp_path: Path) -> None:
    write(tmp_path, "app/service.py", COMMIT_IN_TRANSACTION)
    write(tmp_path, "tests/test_service.py", COMMIT_IN_TRANSACTION)
    write(tmp_path, "app/service_old.py", COMMIT_IN_TRANSACTION)
    write(tmp_path, "archive/run.py", COMMIT_IN_TRANSACTION)
    result = run_cli(".", "--format", "json", cwd=tmp_path)
    kinds = {f["path"]: f["kind"] for f in json.loads(result.stdout)["findings"]}
    assert kinds == {
        "app/service.py": "production",
        "tests/test_service.py": "test",
        "app/service_old.py": "experiment",
        "archive/run.py": "experiment",
    }
    production = run_cli(".", "--kind", "production", "--format", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(production.stdout)["findings"]] == ["app/service.py"]
    several = run_cli(".", "--kind", "test,experiment", "--format", "json", cwd=tmp_path)
    assert len(json.loads(several.stdout)["findings"]) == 3


def test_pyproject_configuration(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.scrapersky.audit]\nmanaged_transaction_functions = ["session_scope"]\n'
        'exclude = ["generated"]\nfail_on = "critical"\n',
    )
    write(
        tmp_path,
        "app/uow.py",
        "from app.db import session_scope\n\n\nasync def f():\n"
        "    async with session_scope() as s:\n        await s.commit()\n",
    )
    write(tmp_path, "generated/commit.py", COMMIT_IN_TRANSACTION.replace("transaction", "x"))
    write(tmp_path, "app/loop.py", QUERY_IN_LOOP)
    result = run_cli("app", "generated", "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    assert {(f["path"], f["code"]) for f in findings} == {
        ("app/uow.py", "SKY101"),
        ("app/loop.py", "SKY103"),
    }
    assert result.returncode == 1  # the SKY101 is critical
    write(tmp_path, "app/uow.py", "x = 1\n")
    assert run_cli("app", cwd=tmp_path).returncode == 0  # only a medium left: below critical


def test_unparsable_files_are_reported_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "def f(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n")
    write(tmp_path, "commit.py", COMMIT_IN_TRANSACTION)
    result = run_cli(".", cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.py: error: syntax error at line 1" in result.stdout
    assert "latin.py: error:" in result.stdout
    assert "SKY101" in result.stdout  # the good file is still audited


def test_registered_on_the_main_cli(tmp_path: Path) -> None:
    write(tmp_path, "commit.py", COMMIT_IN_TRANSACTION)
    result = subprocess.run(
        [sys.executable, "-m", "scrapersky", "audit", ".", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["code"] == "SKY101"


def test_audit_starts_without_the_database_or_web_layers() -> None:
    code = (
        "import sys; from scrapersky.guard.audit.command import audit_command; "
        "import scrapersky.guard.audit.rules; "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'httpx', "
        "'scrapersky.db', 'scrapersky.web', 'scrapersky.api', 'fastapi'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
