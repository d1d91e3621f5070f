"""Shared by SKY302/SKY303: what an engine/connect call says about its URL and options."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.resolve import dotted
from scrapersky.guard.audit.scope import Context
from scrapersky.guard.audit.values import in_pooler_branch, resolve_value, string_value

TIMEOUT_SETTINGS = frozenset(
    {
        "statement_timeout",
        "idle_in_transaction_session_timeout",
        "lock_timeout",
        "idle_session_timeout",
        "transaction_timeout",
    }
)
_PORT = re.compile(r"@[^/:?]*:(\d+)|^[\w+]+://[^/@:?]*:(\d+)")


@dataclass
class ConnectCall:
    asyncpg: bool
    pooler: bool
    options: dict[str, ast.expr] | None  # None: options the audit cannot read
    query: dict[str, str] = field(default_factory=dict)


def dict_items(ctx: Context, expr: ast.expr | None) -> dict[str, ast.expr] | None:
    """A dict literal or ``dict(k=v)`` (through one name), as key → value expression."""
    expr = resolve_value(ctx, expr)
    if isinstance(expr, ast.Dict):
        items: dict[str, ast.expr] = {}
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                return None  # **spread: unknown keys
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                items[key.value] = value
        return items
    if isinstance(expr, ast.Call) and dotted(expr.func) == "dict" and not expr.args:
        return {k.arg: k.value for k in expr.keywords if k.arg}
    return None


def connect_call(ctx: Context, node: ast.Call) -> ConnectCall | None:
    target = ctx.resolver.call_target(node.func, ctx.frame)
    if target is None or target.instance:
        return None
    qn = target.qn
    is_asyncpg = qn in catalog.ASYNCPG_CONNECT or qn in catalog.ASYNCPG_POOL
    if not (is_asyncpg or qn in catalog.ENGINE_CONSTRUCTORS):
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    url_expr = node.args[0] if node.args else keywords.get("url", keywords.get("dsn"))
    if isinstance(url_expr, ast.Call) and url_expr.args:
        url_expr = url_expr.args[0]  # make_url("...")
    url = string_value(ctx, url_expr) or ""
    scheme = url.partition("://")[0].lower()
    if not is_asyncpg:
        is_asyncpg = "asyncpg" in scheme or (
            "async" in qn and not scheme.startswith(("postgresql+psycopg", "sqlite", "mysql"))
        )
    ports = {str(p) for p in ctx.config.pooler_ports}
    match = _PORT.search(url)
    port = (match.group(1) or match.group(2)) if match else None
    port_kw = keywords.get("port")
    if isinstance(port_kw, ast.Constant):
        port = str(port_kw.value)
    host = urlsplit(url).hostname if "://" in url and "{" not in url else None
    host_kw = string_value(ctx, keywords.get("host"))
    markers = tuple(m.lower() for m in ctx.config.pooler_host_markers)
    hosts = [h.lower() for h in (host, host_kw) if h]
    pooler = port in ports or any(m in h for h in hosts for m in markers)
    pooler = pooler or in_pooler_branch(ctx)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} if "?" in url else {}
    if is_asyncpg and qn not in catalog.ENGINE_CONSTRUCTORS:
        options: dict[str, ast.expr] | None = keywords
    elif "connect_args" in keywords:
        options = dict_items(ctx, keywords["connect_args"])
    else:
        options = {}
    return ConnectCall(is_asyncpg, pooler, options, query)
