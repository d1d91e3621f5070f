"""Run every benchmark in bench/ one after another and collect their JSON result lines.

    .venv-bench/bin/python bench/run_all.py [--only NAME ...] [--out results.jsonl]

Each benchmark script prints its own figures and ends with one line of JSON
(``{"bench": "name", ...}``). This runner prints that line for each, then a summary table,
and writes every result (with machine and date) to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SKIP = {"run_all.py"}


def scripts(only: list[str]) -> list[Path]:
    found = sorted(
        p for p in BENCH_DIR.glob("*.py") if p.name not in SKIP and not p.name.startswith("_")
    )
    if only:
        found = [p for p in found if p.stem in only]
    return found


def last_json_line(output: str) -> dict[str, object] | None:
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and '"bench"' in line:
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                return None
            return parsed if isinstance(parsed, dict) else None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="benchmark names (file stems)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR.parent / "artifacts" / "bench.jsonl")
    args = parser.parse_args()
    machine = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    failures = 0
    results: list[dict[str, object]] = []
    for script in scripts(args.only):
        print(f"=== {script.name}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=False
        )
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr[-4000:])
        result = last_json_line(proc.stdout)
        if proc.returncode != 0 or result is None:
            failures += 1
            print(f"!!! {script.name} failed (exit {proc.returncode}, result line: {result})")
            continue
        result = {**result, **machine, "wall_s": round(time.perf_counter() - started, 1)}
        results.append(result)
    with args.out.open("w") as handle:
        for result in results:
            handle.write(json.dumps(result) + "\n")
    print(f"\n{len(results)} benchmarks ran, {failures} failed; results in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
