"""SKY202: a synchronous network, sleep, subprocess, file or database call inside
``async def``, which blocks the event loop (and every other task) while it runs."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit.effects import describe_blocking
from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register


@register
class BlockingCallInAsync(Rule):
    code = "SKY202"
    name = "blocking-call-in-async"
    severity = Severity.HIGH
    summary = "blocking call inside async def"
    hint = (
        "Use the async API (httpx.AsyncClient, asyncio.sleep, asyncio.create_subprocess_exec, "
        "AsyncSession) or run it off the loop with `await asyncio.to_thread(...)`."
    )

    def visit_Call(self, node: ast.Call) -> None:
        frame = self.ctx.frame
        if not frame.is_async or self.ctx.is_awaited(node):
            return
        description = describe_blocking(self.ctx, node)
        if description is not None:
            function = getattr(frame.node, "name", "?")
            self.report(
                node,
                f"{description}() blocks the event loop in async def {function}()"
                if not description.startswith("synchronous")
                else f"{description} blocks the event loop in async def {function}()",
            )
