"""What a call does to the outside world: slow I/O (SKY201) and event-loop blocking (SKY202).

describe_io(ctx, call, awaited=True)   # "httpx.AsyncClient.get" or "fetch() → … → httpx…"
describe_blocking(ctx, call)           # "time.sleep"
"""

from __future__ import annotations

import ast

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.resolve import Target, name_matches
from scrapersky.guard.audit.scope import Context


def _short(qualified: str) -> str:
    parts = qualified.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 and parts[-2][:1].isupper() else parts[-1]


def _chain(chain: list[str]) -> str:
    *functions, io = chain
    return " → ".join([*(f"{_short(f)}()" for f in functions), io])


def _target(ctx: Context, func: ast.expr) -> Target | None:
    target = ctx.resolver.call_target(func, ctx.frame)
    return None if target is None or target.instance else target


def _is_zero(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Constant) and first.value == 0


def describe_io(ctx: Context, call: ast.Call, *, awaited: bool) -> str | None:
    """Slow I/O performed by ``call`` (awaited or not), or None."""
    target = _target(ctx, call.func)
    if target is None:
        return None
    qn = target.qn
    if awaited:
        if qn in catalog.ASYNC_IO or name_matches(qn, ctx.index.io_functions):
            return None if qn.endswith(".sleep") and _is_zero(call) else qn
        if qn in catalog.AWAIT_WRAPPERS:
            for arg in _awaited_arguments(call):
                inner = describe_io(ctx, arg, awaited=True)
                if inner:
                    return f"{qn}({inner})"
            return None
        runner_arg = _thread_callable(qn, call)
        if runner_arg is not None:
            inner_target = _target(ctx, runner_arg)
            if inner_target is not None and inner_target.qn in catalog.SYNC_SLOW_IO:
                return f"{qn}({inner_target.qn})"
            chain = ctx.index.io_chains.get(inner_target.qn) if inner_target else None
            return f"{qn}({_chain(chain)})" if chain else None
    elif qn in catalog.SYNC_SLOW_IO:
        return qn
    chain = ctx.index.io_chains.get(qn)
    if chain is None:
        return None
    info = ctx.index.functions[qn]
    if awaited != isinstance(info.node, ast.AsyncFunctionDef):
        return None
    return _chain(chain)


def describe_io_context(ctx: Context, expr: ast.expr) -> str | None:
    """``async with client.stream(...)``: entering the block waits on the network."""
    if not isinstance(expr, ast.Call):
        return None
    target = _target(ctx, expr.func)
    if target is None:
        return None
    if target.qn in catalog.ASYNC_IO_CONTEXTS:
        return target.qn
    chain = ctx.index.io_chains.get(target.qn)
    return _chain(chain) if chain else None


def describe_blocking(ctx: Context, call: ast.Call) -> str | None:
    """A synchronous call that blocks the event loop (network, sleep, subprocess, files)."""
    target = _target(ctx, call.func)
    if target is not None and target.qn in catalog.BLOCKING:
        return target.qn
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in catalog.DB_OPENING:
        ref = ctx.session_of(func.value)
        if ref is not None and not ref.is_async:
            return f"synchronous {ref.kind} {ref.name}.{func.attr}()"
    return None


def _awaited_arguments(call: ast.Call) -> list[ast.Call]:
    found: list[ast.Call] = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            arg = arg.value
        if isinstance(arg, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            arg = arg.elt
        elif isinstance(arg, ast.List | ast.Tuple):
            found.extend(e for e in arg.elts if isinstance(e, ast.Call))
            continue
        if isinstance(arg, ast.Call):
            found.append(arg)
    return found


def _thread_callable(qn: str, call: ast.Call) -> ast.expr | None:
    if qn in catalog.THREAD_RUNNERS and call.args:
        return call.args[0]
    if qn.endswith(".run_in_executor") and len(call.args) >= 2:
        return call.args[1]
    return None
