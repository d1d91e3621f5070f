"""Reports: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning uploads.

print(render(result, "sarif"))
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from scrapersky import __version__
from scrapersky.guard.audit.model import AuditResult, Finding, Severity
from scrapersky.guard.audit.registry import all_rules

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_URI = "https://github.com/scrapersky/scrapersky/blob/main/docs/rules.md"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}


def render(result: AuditResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(to_json(result), indent=2)
    if fmt == "sarif":
        return json.dumps(to_sarif(result), indent=2)
    if fmt == "text":
        return to_text(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col + 1}"


def to_text(result: AuditResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.append(
            f"{_location(finding)} {finding.code} {finding.severity.value} {finding.message}"
        )
        lines.append(f"    fix: {finding.hint} [{finding.name}; {finding.kind.value} code]")
    for error in result.errors:
        lines.append(f"{error.path}: error: {error.message}")
    counts = Counter(f.severity for f in result.findings)
    by_severity = ", ".join(
        f"{counts[s]} {s.value}" for s in sorted(Severity, reverse=True) if counts[s]
    )
    summary = f"{len(result.findings)} finding(s)" + (f" ({by_severity})" if by_severity else "")
    summary += f" in {result.files} file(s), {result.lines} lines"
    extras = [
        f"{n} {label}"
        for n, label in (
            (len(result.errors), "file error(s)"),
            (result.suppressed, "suppressed by noqa"),
            (result.baselined, "in the baseline"),
        )
        if n
    ]
    lines.append(summary + (f"; {', '.join(extras)}" if extras else ""))
    return "\n".join(lines)


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "hint": finding.hint,
        "path": finding.path,
        "line": finding.line,
        "column": finding.col + 1,
        "kind": finding.kind.value,
        "related_line": finding.related_line,
        "fingerprint": finding.fingerprint,
    }


def to_json(result: AuditResult) -> dict[str, Any]:
    return {
        "tool": "scrapersky audit",
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [{"path": e.path, "message": e.message} for e in result.errors],
        "summary": {
            "files": result.files,
            "lines": result.lines,
            "findings": len(result.findings),
            "suppressed": result.suppressed,
            "baselined": result.baselined,
            "by_severity": dict(Counter(f.severity.value for f in result.findings)),
        },
    }


def _artifact(path: str) -> dict[str, str]:
    """Relative paths are relative to the project root (%SRCROOT%); others become file URIs."""
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    return {"uri": path, "uriBaseId": "%SRCROOT%"}


def to_sarif(result: AuditResult) -> dict[str, Any]:
    rules = list(all_rules().values())
    rule_index = {rule.code: i for i, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _doc(rule) or rule.summary},
            "help": {"text": rule.hint, "markdown": rule.hint},
            "helpUri": f"{DOCS_URI}#{rule.code.lower()}-{rule.name}",
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {
                "tags": ["database", "sqlalchemy", rule.severity.value],
                "precision": "high",
                "problem.severity": "error" if rule.severity >= Severity.HIGH else "warning",
            },
        }
        for rule in rules
    ]
    results = []
    for finding in result.findings:
        location = {
            "physicalLocation": {
                "artifactLocation": _artifact(finding.path),
                "region": {"startLine": finding.line, "startColumn": finding.col + 1},
            }
        }
        entry: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": rule_index.get(finding.code, 0),
            "level": _LEVEL[finding.severity],
            "message": {"text": f"{finding.message}. Fix: {finding.hint}"},
            "locations": [location],
            "partialFingerprints": {"scraperskyFingerprint/v1": finding.fingerprint},
            "properties": {"severity": finding.severity.value, "fileKind": finding.kind.value},
        }
        if finding.related_line is not None:
            entry["relatedLocations"] = [
                {
                    "id": 1,
                    "physicalLocation": {
                        "artifactLocation": _artifact(finding.path),
                        "region": {"startLine": finding.related_line},
                    },
                    "message": {"text": "opened here"},
                }
            ]
        results.append(entry)
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(error.path)}}],
        }
        for error in result.errors
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "scrapersky-audit",
                        "version": __version__,
                        "informationUri": DOCS_URI,
                        "rules": driver_rules,
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }


def _doc(rule: type) -> str:
    module = sys.modules.get(rule.__module__)
    doc = (module.__doc__ if module else None) or ""
    return " ".join(doc.split())
