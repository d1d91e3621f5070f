"""SKY302: an asyncpg engine or connection through a transaction-mode pooler (port
6543/6432, a pooler host, or a pooler-only branch) without ``statement_cache_size=0``."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.rules._connect import connect_call


@register
class PoolerPreparedStatements(Rule):
    code = "SKY302"
    name = "pooler-prepared-statements"
    severity = Severity.HIGH
    summary = "asyncpg through a transaction-mode pooler with its statement cache on"
    hint = (
        'Pass `connect_args={"statement_cache_size": 0}` (asyncpg.connect: '
        "`statement_cache_size=0`); a pooler hands each transaction a different server "
        "connection, where asyncpg's prepared statements do not exist."
    )

    def visit_Call(self, node: ast.Call) -> None:
        call = connect_call(self.ctx, node)
        if call is None or not call.asyncpg or not call.pooler or call.options is None:
            return
        if call.query.get("prepared_statement_cache_size") == "0":
            return
        value = call.options.get("statement_cache_size")
        if value is not None and not (isinstance(value, ast.Constant) and value.value != 0):
            return  # set to 0, or to something the audit cannot read
        self.report(
            node,
            "asyncpg connects through a transaction-mode pooler without statement_cache_size=0"
            " (prepared statements fail: 'prepared statement \"__asyncpg_stmt_…\" does not exist')",
        )
