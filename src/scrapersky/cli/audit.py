"""`scrapersky audit PATH...`: the static session anti-pattern linter (see docs/rules.md).

scrapersky audit src/ --format sarif > audit.sarif
scrapersky audit src/ --fail-on high --baseline audit-baseline.json
"""

from __future__ import annotations

import typer

from scrapersky.guard.audit.command import audit_command


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
