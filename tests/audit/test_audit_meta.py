"""Meta-tests: every rule is registered, documented, has an eval file and a sane shape."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from audit_helpers import EVALS, PROJECT_ROOT

import scrapersky.guard.audit.rules as rules_package
from scrapersky.guard.audit import Severity, all_rules

RULES = all_rules()
RULE_MODULES = sorted(
    m.name for m in pkgutil.iter_modules(rules_package.__path__) if m.name.startswith("sky")
)
DOCS = (PROJECT_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_issue_rules_are_all_registered() -> None:
    expected = {
        "SKY101",
        "SKY102",
        "SKY103",
        "SKY201",
        "SKY202",
        "SKY301",
        "SKY302",
        "SKY303",
        "SKY401",
    }
    assert set(RULES) == expected


def test_one_rule_per_module() -> None:
    by_module = {rule.__module__.rpartition(".")[2]: code for code, rule in RULES.items()}
    assert sorted(by_module) == RULE_MODULES
    for module_name, code in by_module.items():
        assert module_name.startswith(code.lower() + "_")
        module = importlib.import_module(f"{rules_package.__name__}.{module_name}")
        assert (module.__doc__ or "").startswith(f"{code}: "), module_name
        source_lines = (module.__file__ or "").count("\n")
        assert source_lines < 200


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_shape(code: str) -> None:
    rule = RULES[code]
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.summary
    assert rule.hint
    module_name = rule.__module__.rpartition(".")[2]
    assert module_name == f"{code.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_documented_with_bad_and_good_examples(code: str) -> None:
    rule = RULES[code]
    heading = f"## {code}: {rule.name}"
    assert heading in DOCS
    section = DOCS.split(heading, 1)[1].split("\n## ", 1)[0]
    assert f"**Severity:** {rule.severity.value}" in section
    assert "Bad:" in section
    assert "Good:" in section
    assert "**Fix:**" in section
    assert f"| [{code}]" in DOCS  # in the summary table


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_has_an_eval_file_that_expects_it(code: str) -> None:
    rule = RULES[code]
    path = EVALS / f"{code.lower()}_{rule.name.replace('-', '_')}.py"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert f"# {code}" in text
    assert "traps" in text  # every eval file also lists code that must not be flagged
