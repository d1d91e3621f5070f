"""SKY101: commit()/rollback() on a session whose context manager already ends the
transaction (``transaction()``, ``session.begin()``, helpers that commit on exit)."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.resolve import dotted


@register
class CommitInManagedTransaction(Rule):
    code = "SKY101"
    name = "commit-in-managed-transaction"
    severity = Severity.CRITICAL
    summary = "commit()/rollback() inside a transaction that its context manager already ends"
    hint = (
        "Delete the call: the `async with` block commits on success and rolls back when it "
        "raises. To abort, raise; to save part of the work, use a separate transaction."
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("commit", "rollback"):
            ref = self.ctx.session_of(func.value)
            if ref is not None and ref.managed_line is not None:
                self.report(
                    node,
                    f"{func.attr}() on `{dotted(func.value)}` inside the transaction managed by "
                    f"{ref.managed_by} (line {ref.managed_line}), which already ends it on exit",
                    related_line=ref.managed_line,
                )
            return
        self._committing_helper(node)

    def _committing_helper(self, node: ast.Call) -> None:
        """``await save(session)`` where ``save`` commits the session it is given."""
        index = self.ctx.index
        target = self.ctx.resolver.call_target(node.func, self.ctx.frame)
        if target is None or target.instance:
            return
        committed = index.commit_helpers.get(target.qn)
        if not committed:
            return
        params = index.functions[target.qn].params
        passed: list[tuple[str, ast.expr]] = [
            (params[i], arg) for i, arg in enumerate(node.args) if i < len(params)
        ]
        passed += [(k.arg, k.value) for k in node.keywords if k.arg]
        for param, arg in passed:
            if param not in committed:
                continue
            ref = self.ctx.session_of(arg)
            if ref is not None and ref.managed_line is not None:
                helper = target.qn.rpartition(".")[2]
                self.report(
                    node,
                    f"{helper}() commits `{dotted(arg)}` inside the transaction managed by "
                    f"{ref.managed_by} (line {ref.managed_line}), which already ends it on exit",
                    related_line=ref.managed_line,
                )
                return
