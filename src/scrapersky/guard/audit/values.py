"""What an expression's value is, as far as the source says: string text (literals,
f-string parts, concatenation, names), a name's last assigned value, and whether code sits
in a pooler-only branch.

    string_value(ctx, node)    # "SET statement_cache_size = 0"
    in_pooler_branch(ctx)      # True inside `if settings.db_mode == "pooler":`
"""

from __future__ import annotations

import ast

from scrapersky.guard.audit.scope import Context


def string_value(ctx: Context, expr: ast.expr | None, depth: int = 0) -> str | None:
    """The text of a string expression: literals, f-string parts, + and names."""
    if expr is None or depth > 5:
        return None
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in expr.values)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = string_value(ctx, expr.left, depth + 1)
        right = string_value(ctx, expr.right, depth + 1)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, ast.Name):
        return string_value(ctx, ctx.value_of(expr.id), depth + 1)
    return None


def resolve_value(ctx: Context, expr: ast.expr | None) -> ast.expr | None:
    """A name's last assigned value (one level), else the expression itself."""
    if isinstance(expr, ast.Name):
        return ctx.value_of(expr.id) or expr
    return expr


def in_pooler_branch(ctx: Context) -> bool:
    """Inside ``if <something about a pooler>:`` or a function named for one."""
    markers = tuple(m.lower() for m in ctx.config.pooler_host_markers)
    current = ctx.stack[-1]
    line = getattr(current, "lineno", 0)
    for node in ctx.stack:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if any(m in node.name.lower() for m in markers):
                return True
        elif isinstance(node, ast.If) and node.body:
            end = node.body[-1].end_lineno or node.body[-1].lineno
            if node.body[0].lineno <= line <= end and _mentions(node.test, markers):
                return True
    return False


def _mentions(test: ast.expr, markers: tuple[str, ...]) -> bool:
    found = False
    for node in ast.walk(test):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return False
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.NotEq | ast.NotIn | ast.IsNot) for op in node.ops
        ):
            return False
        text = ""
        if isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if any(m in text.lower() for m in markers):
            found = True
    return found
