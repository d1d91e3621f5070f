"""Fingerprints that survive line shifts, and baseline files of accepted findings.

A fingerprint hashes the rule, the file, the whitespace-normalised source line and the
occurrence index of that (rule, file, line text) triple, so moving code keeps it stable::

    findings = with_fingerprints(findings, {path: lines})
    write_baseline(Path("audit-baseline.json"), findings)
    new = apply_baseline(findings, read_baseline(Path("audit-baseline.json")))
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path

from scrapersky.exceptions import ConfigurationError
from scrapersky.guard.audit.model import Finding

BASELINE_VERSION = 1


def fingerprint(code: str, path: str, line_text: str, occurrence: int) -> str:
    normalised = " ".join(line_text.split())
    digest = hashlib.sha256(f"{code}\0{path}\0{normalised}\0{occurrence}".encode())
    return digest.hexdigest()[:32]


def with_fingerprints(findings: list[Finding], lines: dict[str, list[str]]) -> list[Finding]:
    """Findings (sorted by position) with their fingerprint filled in."""
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        source = lines.get(finding.path, [])
        text = source[finding.line - 1] if 0 < finding.line <= len(source) else ""
        key = (finding.code, finding.path, " ".join(text.split()))
        occurrence = seen[key]
        seen[key] += 1
        value = fingerprint(finding.code, finding.path, text, occurrence)
        result.append(dataclasses.replace(finding, fingerprint=value))
    return result


def write_baseline(path: Path, findings: list[Finding]) -> None:
    entries = [
        {"fingerprint": f.fingerprint, "code": f.code, "path": f.path, "line": f.line}
        for f in findings
    ]
    document = {"version": BASELINE_VERSION, "tool": "scrapersky audit", "findings": entries}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> set[str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"baseline file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigurationError(f"cannot read baseline {path}: {error}") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigurationError(f"{path} is not a scrapersky audit baseline")
    return {e["fingerprint"] for e in entries}


def apply_baseline(findings: list[Finding], accepted: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in accepted]
