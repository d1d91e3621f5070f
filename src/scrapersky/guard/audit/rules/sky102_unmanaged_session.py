"""SKY102: a session or connection created outside ``with``/``async with`` that is not
closed on every path (a ``close()`` in ``finally`` is fine)."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802, N815

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.resolve import dotted

if TYPE_CHECKING:
    from scrapersky.guard.audit.scope import Context

_CLOSERS = frozenset({"close", "aclose", "dispose"})
_OWNERS = frozenset(
    {
        "closing",
        "aclosing",
        "enter_context",
        "enter_async_context",
        "append",
        "add",
        "put",
        "put_nowait",
        "register",
        "finalize",
        "release",
    }
)


@dataclass(eq=False)
class _Created:
    node: ast.AST
    label: str
    safe: bool = False
    closed_line: int | None = None


@register
class UnmanagedSession(Rule):
    code = "SKY102"
    name = "unmanaged-session"
    severity = Severity.HIGH
    summary = "session or connection created outside `with` and not closed on every path"
    hint = (
        "Use `async with factory() as session:` (or `async with engine.connect() as conn:`); "
        "if it must outlive a block, close it in `finally:`."
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.scopes: list[tuple[ast.AST, dict[str, _Created]]] = []

    # --- scopes ------------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        self.scopes.append((node, {}))

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_Module

    def leave_Module(self, node: ast.AST) -> None:
        _, created = self.scopes.pop()
        for item in dict.fromkeys(created.values()):
            if item.safe:
                continue
            if item.closed_line is not None:
                message = (
                    f"{item.label} is closed at line {item.closed_line} but not in `finally`: "
                    "an exception before that leaks the connection"
                )
            else:
                message = f"{item.label} is never closed on some path"
            self.report(item.node, message)

    leave_FunctionDef = leave_AsyncFunctionDef = leave_Lambda = leave_Module

    # --- creations ---------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        self._events(node)
        if isinstance(ctx.frame.node, ast.ClassDef) or not ctx.creates_session(node):
            return
        depth = len(ctx.stack) - 2
        holder = ctx.stack[depth]
        if isinstance(holder, ast.Await):
            depth -= 1
            holder = ctx.stack[depth]
        if isinstance(holder, ast.Attribute) and holder.attr in _CLOSERS:
            return  # engine.connect().close()
        while isinstance(holder, ast.Attribute) and depth >= 2:
            # engine.connect().execution_options(...) used as a context manager
            call, outer = ctx.stack[depth - 1], ctx.stack[depth - 2]
            if not isinstance(call, ast.Call):
                break
            if isinstance(outer, ast.withitem):
                return
            if not isinstance(outer, ast.Attribute):
                break
            depth -= 2
            holder = outer
        label = f"`{dotted(node.func) or 'call'}()`"
        if isinstance(holder, ast.withitem | ast.Return | ast.Call | ast.keyword):
            return
        if isinstance(holder, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            targets = holder.targets if isinstance(holder, ast.Assign) else [holder.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                created = _Created(node, f"{targets[0].id} = {label}")
                self.scopes[-1][1][targets[0].id] = created
            return
        if isinstance(holder, ast.Attribute) and holder.attr not in ("begin", "begin_nested"):
            self.report(node, f"{label} is used once and never closed")
        elif isinstance(holder, ast.Expr | ast.Yield):
            verb = "yielded" if isinstance(holder, ast.Yield) else "created"
            self.report(node, f"{label} is {verb} and never closed")

    # --- what makes a created session safe ----------------------------------------------
    def _events(self, node: ast.Call) -> None:
        if not self.scopes:
            return
        created = self.scopes[-1][1]
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _CLOSERS:
            item = created.get(dotted(func.value) or "")
            if item is not None:
                if self.ctx.frame.finally_depth or self._after_fixture_yield():
                    item.safe = True
                else:
                    item.closed_line = item.closed_line or node.lineno
        owner = (isinstance(func, ast.Attribute) and func.attr in _OWNERS) or (
            isinstance(func, ast.Name) and func.id in _OWNERS
        )
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            name = dotted(arg) or ""
            if owner and name in created:
                created[name].safe = True
            if isinstance(arg, ast.Attribute) and arg.attr in _CLOSERS:
                item = created.get(dotted(arg.value) or "")
                if item is not None:  # x.close registered as a callback
                    item.safe = True

    def _after_fixture_yield(self) -> bool:
        """pytest runs the code after a fixture's yield even when the test fails."""
        function = self.ctx.frame.node
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
        return any(
            (dotted(d.func if isinstance(d, ast.Call) else d) or "").endswith("fixture")
            for d in function.decorator_list
        )

    def visit_withitem(self, node: ast.withitem) -> None:
        if self.scopes and isinstance(node.context_expr, ast.Name):
            item = self.scopes[-1][1].get(node.context_expr.id)
            if item is not None:
                item.safe = True

    def visit_Return(self, node: ast.Return) -> None:
        if self.scopes and node.value is not None:
            created = self.scopes[-1][1]
            for name in _handed_over(node.value):
                if name in created:
                    created[name].safe = True

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self.scopes or not isinstance(node.value, ast.Name):
            return
        created = self.scopes[-1][1]
        item = created.get(node.value.id)
        if item is None:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                created[target.id] = item  # an alias: closing it closes the session
            else:
                item.safe = True  # stored on an object or in a container: it owns it now


def _handed_over(expr: ast.expr) -> set[str]:
    """Names a return value passes on: itself, in a tuple/list, or as a call argument
    (``return Repo(session)``), but not ``return await session.scalar(...)``."""
    found: set[str] = set()
    for node in ast.walk(expr):
        candidates: list[ast.expr] = []
        if node is expr:
            candidates.append(node)
        if isinstance(node, ast.Tuple | ast.List):
            candidates.extend(node.elts)
        elif isinstance(node, ast.Call):
            candidates.extend([*node.args, *(k.value for k in node.keywords)])
        found.update(c.id for c in candidates if isinstance(c, ast.Name))
    return found
