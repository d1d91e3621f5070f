"""SKY301: SQL text that SETs a parameter PostgreSQL does not have (a driver, pool or
libpq option such as asyncpg's ``statement_cache_size``)."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast
import re

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.resolve import dotted
from scrapersky.guard.audit.values import string_value

# Client-side names people try to SET: asyncpg and SQLAlchemy arguments, libpq connection
# parameters, psycopg options and PgBouncer settings. None is a server parameter.
NOT_SERVER_PARAMETERS = frozenset(
    {
        "statement_cache_size",
        "prepared_statement_cache_size",
        "prepared_statement_name_func",
        "max_cached_statement_lifetime",
        "max_cacheable_statement_size",
        "command_timeout",
        "pool_size",
        "max_overflow",
        "pool_timeout",
        "pool_recycle",
        "pool_pre_ping",
        "pool_mode",
        "default_pool_size",
        "max_client_conn",
        "server_reset_query",
        "connect_timeout",
        "sslmode",
        "sslrootcert",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
        "channel_binding",
        "gssencmode",
        "passfile",
        "prepare_threshold",
        "autocommit",
    }
)
_SQL_METHODS = frozenset(
    {"execute", "exec_driver_sql", "executemany", "fetch", "fetchrow", "fetchval", "scalar"}
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_SET = re.compile(
    r"(?:^|;)\s*SET\s+(?:SESSION\s+|LOCAL\s+)?\"?([A-Za-z_][\w.]*)\"?\s*(?:=|\bTO\b)", re.I
)
_SET_CONFIG = re.compile(r"\bset_config\s*\(\s*'([A-Za-z_][\w.]*)'", re.I)


def invalid_parameters(sql: str) -> list[str]:
    sql = _COMMENTS.sub(" ", sql)
    found = [m.group(1) for m in _SET.finditer(sql)] + _SET_CONFIG.findall(sql)
    return [name for name in found if name.lower() in NOT_SERVER_PARAMETERS]


@register
class InvalidSetStatement(Rule):
    code = "SKY301"
    name = "invalid-set-statement"
    severity = Severity.HIGH
    summary = "SET of a parameter that is not a PostgreSQL setting"
    hint = (
        "Pass driver options where the driver reads them, e.g. "
        '`create_async_engine(url, connect_args={"statement_cache_size": 0})`; '
        "PostgreSQL rejects `SET statement_cache_size` with 'unrecognized configuration parameter'."
    )

    def visit_Call(self, node: ast.Call) -> None:
        if not node.args or isinstance(node.args[0], ast.Call):
            return
        func = node.func
        name = dotted(func) or ""
        if name.rpartition(".")[2] == "text":
            target = self.ctx.resolver.call_target(func, self.ctx.frame)
            if target is None or not target.qn.startswith("sqlalchemy"):
                return
        elif not (isinstance(func, ast.Attribute) and func.attr in _SQL_METHODS):
            return
        sql = string_value(self.ctx, node.args[0])
        if not sql or "set" not in sql.lower():
            return
        for parameter in invalid_parameters(sql):
            self.report(
                node,
                f"`SET {parameter}` is not a PostgreSQL setting "
                "(it is a driver/pool/connection option); the server rejects it",
            )
            return
