"""The flake8 plugin (entry point SKY) reports what the eval files expect."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

from audit_helpers import EVALS, PROJECT_ROOT, expected_findings

_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>SKY\d{3}) ")


def test_flake8_select_sky_on_the_eval_files() -> None:
    files = sorted(EVALS.glob("sky*.py"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--isolated",
            "--select=SKY",
            "--jobs=1",
            *[str(f) for f in files],
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    found: dict[str, Counter[tuple[int, str]]] = {f.name: Counter() for f in files}
    for line in result.stdout.splitlines():
        match = _LINE.match(line)
        assert match, line
        name = match["path"].rpartition("/")[2]
        found[name][(int(match["line"]), match["code"])] += 1
    for path in files:
        expected, _ = expected_findings(path)
        assert found[path.name] == expected, path.name


def test_flake8_honours_noqa_and_select(tmp_path: object) -> None:
    source = EVALS / "sky401_unknown_enum_member.py"
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=SKY4", str(source)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    codes = {line.split()[1] for line in result.stdout.splitlines()}
    assert codes == {"SKY401"}
