"""Benchmark: `scrapersky audit` lines/s on a large tree, side by side with
`flake8 --select=B` (flake8-bugbear) and `ruff check --select ASYNC` on the same files.

    .venv-bench/bin/python bench/bench_audit.py    # sqlalchemy fastapi httpx starlette pydantic
    .venv-bench/bin/python bench/bench_audit.py --packages httpx starlette

Every tool runs as a subprocess (interpreter start-up included) on the same explicit file
list, from an empty directory and with project configuration ignored. flake8 runs with one
job, like the audit; ruff with its default threads and with one thread. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

DEFAULT_PACKAGES = ["sqlalchemy", "fastapi", "httpx", "starlette", "pydantic"]


def tool(name: str) -> str:
    """A console script next to this interpreter, else on PATH."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed (make bench installs bench/requirements.txt)")
    return found


def timed(label: str, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"{label} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    if result.stdout.startswith("{"):
        reported = len(json.loads(result.stdout)["findings"])
    else:
        reported = len([line for line in result.stdout.splitlines() if line[:1] == "/"])
    print(f"  {label:<38} {elapsed:7.2f} s  ({reported} findings)")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", nargs="+", default=DEFAULT_PACKAGES)
    parser.add_argument("--site", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    args = parser.parse_args()

    files = sorted(
        str(path)
        for package in args.packages
        for path in (args.site / package).rglob("*.py")
        if path.is_file()
    )
    if not files:
        sys.exit(f"no .py files for {args.packages} under {args.site}")
    lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
    print(f"tree: {', '.join(args.packages)} — {len(files)} files, {lines:,} lines")

    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        audit = timed(
            "scrapersky audit (1 process)",
            [sys.executable, "-m", "scrapersky.guard.audit", "--format", "json", *files],
            cwd,
        )
        audit_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        flake8 = timed(
            "flake8 --select=B (1 job)",
            [tool("flake8"), "--isolated", "--select=B", "--jobs=1", *files],
            cwd,
        )
        ruff_cmd = [
            tool("ruff"),
            "check",
            "--isolated",
            "--select",
            "ASYNC",
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "concise",
            *files,
        ]
        ruff = timed("ruff check --select ASYNC", ruff_cmd, cwd)
        one_thread = {**os.environ, "RAYON_NUM_THREADS": "1"}
        ruff_1 = timed("ruff check --select ASYNC (1 thread)", ruff_cmd, cwd, one_thread)

    rates = {
        "audit": lines / audit,
        "flake8_bugbear": lines / flake8,
        "ruff_async": lines / ruff,
        "ruff_async_1_thread": lines / ruff_1,
    }
    for name, rate in rates.items():
        print(f"  {name:<22} {rate:>12,.0f} lines/s")
    print(f"  audit / flake8-bugbear speed: {rates['audit'] / rates['flake8_bugbear']:.2f}x")
    print(
        f"  audit / ruff ASYNC speed:     {rates['audit'] / rates['ruff_async']:.3f}x "
        f"(1 thread: {rates['audit'] / rates['ruff_async_1_thread']:.3f}x)"
    )
    print(f"  audit peak RSS: {audit_rss_mb:.0f} MiB")
    print(
        json.dumps(
            {
                "bench": "audit",
                "files": len(files),
                "lines": lines,
                "audit_lines_per_s": round(rates["audit"]),
                "flake8_bugbear_lines_per_s": round(rates["flake8_bugbear"]),
                "ruff_async_lines_per_s": round(rates["ruff_async"]),
                "ruff_async_1_thread_lines_per_s": round(rates["ruff_async_1_thread"]),
                "audit_vs_flake8_bugbear": round(rates["audit"] / rates["flake8_bugbear"], 3),
                "audit_vs_ruff_async": round(rates["audit"] / rates["ruff_async"], 4),
                "audit_peak_rss_mib": round(audit_rss_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
