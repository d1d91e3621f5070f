"""SKY103: a database round trip per item of a loop, where one set-based statement would do."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.resolve import dotted


@register
class QueryInLoop(Rule):
    code = "SKY103"
    name = "query-in-loop"
    severity = Severity.MEDIUM
    summary = "database round trip once per loop item"
    hint = (
        "Send one statement for the whole set: `where(col.in_(ids))`, `insert().values(rows)`, "
        "`update()` with a VALUES list, or `executemany`; loop over batches, not items."
    )

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self._check(node.value, node)

    def _check(self, call: ast.Call, where: ast.AST) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in catalog.DB_ROUNDTRIP):
            return
        if not self.ctx.frame.loops:
            return
        ref = self.ctx.session_of(func.value)
        if ref is None:
            return
        arguments = ast.Tuple(elts=[*call.args, *(k.value for k in call.keywords)])
        loop = self.ctx.loop_taint(arguments)
        if loop is None:
            return
        line = getattr(loop.node, "lineno", 0)
        self.report(
            where,
            f"`{dotted(func) or func.attr}()` runs once per item of the loop at line {line}",
            related_line=line,
        )
