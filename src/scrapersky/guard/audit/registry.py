"""The rule registry: each rule module registers its class with ``@register``.

@register
class CommitInManagedTransaction(Rule): code = "SKY101"; ...
"""

from __future__ import annotations

import re

from scrapersky.guard.audit.model import Rule

RULES: dict[str, type[Rule]] = {}
_CODE = re.compile(r"^SKY\d{3}$")


def register(rule: type[Rule]) -> type[Rule]:
    if not _CODE.match(rule.code):
        raise ValueError(f"bad rule code {rule.code!r}")
    if rule.code in RULES and RULES[rule.code] is not rule:
        raise ValueError(f"rule code {rule.code} registered twice")
    RULES[rule.code] = rule
    return rule


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule, by code (importing the rules package registers them)."""
    import scrapersky.guard.audit.rules  # noqa: F401

    return dict(sorted(RULES.items()))
