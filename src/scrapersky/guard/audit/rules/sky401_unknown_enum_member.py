"""SKY401: ``SomeEnum.Member`` where ``SomeEnum`` is an Enum defined in the analysed tree
and ``Member`` is not one of its members (or methods)."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast
import difflib

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.resolve import dotted

ENUM_API = frozenset({"name", "value", "mro"})


@register
class UnknownEnumMember(Rule):
    code = "SKY401"
    name = "unknown-enum-member"
    severity = Severity.CRITICAL
    summary = "reference to an enum member that does not exist"
    hint = (
        "Use one of the enum's members (the message lists them); if the database has a new "
        "value, add the member to the enum and a migration."
    )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check(node, node.value, node.attr)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self._check(node, node.value, key.value)

    def _check(self, node: ast.AST, owner: ast.expr, attr: str) -> None:
        last = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if last not in self.ctx.index.enum_names or attr.startswith("_") or attr in ENUM_API:
            return
        name = dotted(owner)
        if name is None:
            return
        qualified = self.ctx.resolver.qualify(name, self.ctx.frame)
        info = self.ctx.index.classes.get(qualified or "")
        if info is None or not info.is_enum or info.dynamic:
            return
        classes = list(self.ctx.index.mro(info.qn))
        if any(c.dynamic for c in classes):
            return
        if any(attr in c.names or attr in c.members for c in classes):
            return
        members = sorted(info.members)
        close = difflib.get_close_matches(attr, members, n=1, cutoff=0.5) or [
            m for m in members if m.lower() == attr.lower()
        ]
        suggestion = f"; did you mean {name}.{close[0]}?" if close else ""
        shown = ", ".join(members[:12]) + (", …" if len(members) > 12 else "")
        self.report(
            node,
            f"{name}.{attr} is not a member of enum {info.qn.rpartition('.')[2]} "
            f"(members: {shown}){suggestion}",
        )
