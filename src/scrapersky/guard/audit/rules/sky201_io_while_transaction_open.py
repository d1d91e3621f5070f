"""SKY201: network or slow I/O (httpx, aiohttp, requests, sleep, subprocess, or project code
that reaches them) while a session's transaction or a checked-out connection is open."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit.effects import describe_io, describe_io_context
from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register


@register
class IoWhileTransactionOpen(Rule):
    code = "SKY201"
    name = "io-while-transaction-open"
    severity = Severity.CRITICAL
    summary = "slow I/O while a database transaction is open"
    hint = (
        "Do the network work with no connection checked out: claim rows in one short "
        "transaction, close it, do the slow work, then record results in another."
    )

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self._check(node, describe_io(self.ctx, node.value, awaited=True))

    def visit_Call(self, node: ast.Call) -> None:
        if not self.ctx.is_awaited(node):
            self._check(node, describe_io(self.ctx, node, awaited=False))

    def visit_withitem(self, node: ast.withitem) -> None:
        self._check(node.context_expr, describe_io_context(self.ctx, node.context_expr))

    def _check(self, node: ast.AST, description: str | None) -> None:
        if description is None:
            return
        ref = self.ctx.open_session()
        if ref is None:
            return
        self.report(
            node,
            f"{description} while the transaction opened by {ref.open_origin} at line "
            f"{ref.open_line} is open",
            related_line=ref.open_line,
        )
