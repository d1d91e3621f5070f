"""Scope, alias and session-state analysis for the per-file walk.

The runner calls the ``enter_*``/``assign``/``after_call`` hooks in source order; rules ask
``session_of(expr)``, ``open_session()``, ``loop_taint()`` and friends::

    ref = ctx.session_of(call.func.value)   # the session `s`, `self.session` or an alias
    ref.managed_line                         # line of `async with transaction() as s`
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.index import ProjectIndex, walk_body
from scrapersky.guard.audit.model import Finding, Rule
from scrapersky.guard.audit.resolve import ModuleInfo, Resolver, dotted

if TYPE_CHECKING:
    from scrapersky.guard.audit.config import AuditConfig

_BATCH_MARKERS = ("batch", "chunk", "page", "partition", "window")


@dataclass(eq=False)
class SessionRef:
    """One session or connection object; aliases share the same ref."""

    name: str
    kind: str  # "session" or "connection"
    is_async: bool = True
    managed_line: int | None = None  # a context manager ends the transaction on exit
    managed_by: str = ""
    open_line: int | None = None  # transaction (or checked-out connection) open since
    open_origin: str = ""
    held: bool = False  # a connection checked out for a whole block: commit does not free it


@dataclass
class LoopState:
    node: ast.AST
    tainted: set[str] = field(default_factory=set)
    batch: bool = False


@dataclass
class Frame:
    node: ast.AST
    is_async: bool
    class_qn: str | None
    bindings: dict[str, SessionRef] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    values: dict[str, ast.expr] = field(default_factory=dict)
    loops: list[LoopState] = field(default_factory=list)
    finally_depth: int = 0
    module_level: bool = False

    def local_type(self, name: str) -> str | None:
        return self.types.get(name)

    def is_local(self, name: str) -> bool:
        return not self.module_level and name in self.names


Snapshot = dict[SessionRef, int | None]
Undo = Callable[[], None]


class Context:
    def __init__(
        self, index: ProjectIndex, module: ModuleInfo, sink: Callable[[Finding], None]
    ) -> None:
        self.index = index
        self.module = module
        self.config: AuditConfig = index.config
        self.resolver = Resolver(index, module)
        self.sink = sink
        self.stack: list[ast.AST] = []
        self.frames: list[Frame] = []
        self.class_stack: list[str] = []

    # --- where we are ------------------------------------------------------------------
    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    @property
    def parent(self) -> ast.AST | None:
        return self.stack[-2] if len(self.stack) > 1 else None

    def is_awaited(self, node: ast.AST) -> bool:
        return isinstance(self.parent, ast.Await) and self.parent.value is node

    def add_finding(
        self, rule: Rule, node: ast.AST, message: str, related_line: int | None
    ) -> None:
        line = getattr(node, "lineno", 1)
        self.sink(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=message,
                hint=rule.hint,
                path=self.module.display,
                line=line,
                col=getattr(node, "col_offset", 0),
                kind=self.module.kind,
                end_line=getattr(node, "end_lineno", None) or line,
                related_line=related_line,
            )
        )

    # --- frames ------------------------------------------------------------------------
    def push_module(self, node: ast.Module) -> None:
        self.frames.append(Frame(node, False, None, module_level=True))

    def push_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        outer = self.frames[-1]
        is_method = bool(self.class_stack) and isinstance(self.stack[-2], ast.ClassDef)
        class_qn = self.class_stack[-1] if is_method else outer.class_qn
        frame = Frame(node, isinstance(node, ast.AsyncFunctionDef), class_qn)
        if not outer.module_level:  # closures see the outer names, not their state
            frame.names = set(outer.names)
            frame.types = dict(outer.types)
            frame.bindings = {
                key: SessionRef(ref.name, ref.kind, ref.is_async)
                for key, ref in outer.bindings.items()
            }
        self.frames.append(frame)
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            frame.names.add(arg.arg)
            frame.bindings.pop(arg.arg, None)
            frame.types.pop(arg.arg, None)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                frame.names.add(extra.arg)
        if isinstance(node, ast.Lambda):
            return
        defaults: list[ast.expr | None] = [None] * len([*arguments.posonlyargs, *arguments.args])
        if arguments.defaults:
            defaults[-len(arguments.defaults) :] = arguments.defaults
        pairs = list(zip([*arguments.posonlyargs, *arguments.args], defaults, strict=True))
        pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
        for arg, default in pairs:
            self._bind_parameter(node, arg, default)

    def _bind_parameter(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg, default: ast.expr | None
    ) -> None:
        frame = self.frame
        dependency = self.resolver.depends_target(arg.annotation, default)
        found = self.resolver.annotation_type(arg.annotation)
        if found:
            frame.types[arg.arg] = found
        info = self.index.functions.get(dependency or "")
        if info is not None and info.yields_session:
            ref = SessionRef(arg.arg, "session")
            if info.ends_transaction:
                ref.managed_line = ref.open_line = node.lineno
                ref.managed_by = ref.open_origin = f"Depends({info.node.name})"
            frame.bindings[arg.arg] = ref
            return
        kind = catalog.kind_of_type(found)
        if found and kind in ("session", "connection"):
            frame.bindings[arg.arg] = SessionRef(arg.arg, kind, catalog.is_async_db_type(found))

    def pop_frame(self) -> Frame:
        return self.frames.pop()

    # --- sessions ----------------------------------------------------------------------
    def session_of(self, expr: ast.expr) -> SessionRef | None:
        """The session/connection an expression refers to (binding, alias or typed)."""
        name = dotted(expr)
        if name is None:
            return None
        frame = self.frame
        ref = frame.bindings.get(name)
        if ref is not None:
            return ref
        if "." not in name:
            if frame.module_level or name in frame.names:
                return None
            found = self.resolver.type_of(expr, frame)
        else:
            found = self.resolver.type_of(expr, frame)
        kind = catalog.kind_of_type(found)
        if found is None or kind not in ("session", "connection"):
            return None
        ref = SessionRef(name, kind, catalog.is_async_db_type(found))
        frame.bindings[name] = ref
        return ref

    def open_session(self) -> SessionRef | None:
        """The session whose transaction (or checked-out connection) is open here."""
        refs = [r for r in set(self.frame.bindings.values()) if r.open_line is not None]
        return min(refs, key=lambda r: r.open_line or 0) if refs else None

    def snapshot(self) -> Snapshot:
        return {ref: ref.open_line for ref in set(self.frame.bindings.values())}

    def restore(self, snapshot: Snapshot) -> None:
        for ref, line in snapshot.items():
            ref.open_line = line

    def merge(self, *snapshots: Snapshot) -> None:
        """Open after a branch point if open at the end of any branch."""
        for ref in set(self.frame.bindings.values()):
            lines = [s[ref] for s in snapshots if s.get(ref) is not None]
            ref.open_line = min(line for line in lines if line is not None) if lines else None

    def _bind(self, key: str, ref: SessionRef | None, found: str | None = None) -> Undo:
        frame = self.frame
        old_ref, old_type = frame.bindings.get(key), frame.types.get(key)
        if ref is None:
            frame.bindings.pop(key, None)
        else:
            frame.bindings[key] = ref
        if found is None:
            frame.types.pop(key, None)
        else:
            frame.types[key] = found
        if "." not in key:
            frame.names.add(key)

        def undo() -> None:
            if old_ref is None:
                frame.bindings.pop(key, None)
            else:
                frame.bindings[key] = old_ref
            if old_type is None:
                frame.types.pop(key, None)
            else:
                frame.types[key] = old_type

        return undo

    def enter_with_item(self, item: ast.withitem, with_node: ast.With | ast.AsyncWith) -> Undo:
        """Update the state for one ``with`` item; return how to undo it at block exit."""
        expr = item.context_expr
        target = dotted(item.optional_vars) if item.optional_vars is not None else None
        line = with_node.lineno
        frame = self.frame
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            method = expr.func.attr
            receiver = expr.func.value
            label = f"{dotted(receiver) or '…'}.{method}()"
            receiver_type = self.resolver.type_of(receiver, frame) or ""
            receiver_kind = catalog.kind_of_type(receiver_type)
            if method in ("begin", "begin_nested", "transaction"):
                if receiver_kind in ("factory", "engine") and method != "transaction":
                    kind = "session" if receiver_kind == "factory" else "connection"
                    new_ref = SessionRef(target or label, kind, "async" in receiver_type.lower())
                    self._manage(new_ref, line, label)
                    return self._bind(target, new_ref) if target else _noop
                existing = self.session_of(receiver)
                if existing is None and method != "transaction" and receiver_kind is None:
                    name = dotted(receiver)
                    if name is not None and name not in ("self", "cls"):
                        existing = SessionRef(name, "session")
                        frame.bindings[name] = existing
                if existing is not None:
                    return self._manage_existing(existing, line, label)
        if isinstance(expr, ast.Call):
            call_target = self.resolver.call_target(expr.func, frame)
            found = self.resolver.type_of(expr, frame)
            found_kind = catalog.kind_of_type(found)
            if self.index.is_managed_context(call_target):
                managed = SessionRef(target or "session", found_kind or "session")
                self._manage(managed, line, f"{dotted(expr.func) or '…'}()")
                return self._bind(target, managed, found) if target else _noop
            if found_kind in ("session", "connection") and target:
                created = SessionRef(
                    target, found_kind or "session", catalog.is_async_db_type(found or "")
                )
                if found_kind == "connection":
                    created.held, created.open_line = True, line
                    created.open_origin = f"{dotted(expr.func) or '…'}()"
                return self._bind(target, created, found)
            if target:
                return self._bind(target, None, found)
        elif target:
            alias = self.session_of(expr)
            return self._bind(target, alias, self.resolver.type_of(expr, frame))
        return _noop

    def _manage_existing(self, ref: SessionRef, line: int, label: str) -> Undo:
        saved = (ref.managed_line, ref.managed_by, ref.open_line, ref.open_origin)
        self._manage(ref, line, label)

        def undo() -> None:
            ref.managed_line, ref.managed_by, ref.open_line, ref.open_origin = saved

        return undo

    @staticmethod
    def _manage(ref: SessionRef, line: int, label: str) -> None:
        ref.managed_line = ref.open_line = line
        ref.managed_by = ref.open_origin = label

    def assign(self, target: ast.expr, value: ast.expr | None) -> None:
        frame = self.frame
        key = dotted(target)
        if key is None:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    frame.names.add(node.id)
                    frame.bindings.pop(node.id, None)
                    frame.types.pop(node.id, None)
                    self._taint(node.id, value)
            return
        if value is None:
            self._bind(key, None)
            return
        if "." not in key:
            frame.values[key] = value
            self._taint(key, value)
        alias = self.session_of(value) if dotted(value) else None
        found = self.resolver.type_of(value, frame)
        if alias is not None:
            self._bind(key, alias, found)
            return
        kind = catalog.kind_of_type(found)
        if kind in ("session", "connection"):
            ref = SessionRef(key, kind, catalog.is_async_db_type(found or ""))
            call = value.value if isinstance(value, ast.Await) else value
            if kind == "connection" and isinstance(call, ast.Call) and self.creates_session(call):
                ref.held, ref.open_line = True, value.lineno
                ref.open_origin = f"{dotted(call.func) or '…'}()"
            self._bind(key, ref, found)
        else:
            self._bind(key, None, found)

    def creates_session(self, call: ast.Call) -> bool:
        return self.index.creates_session(call, self.resolver, self.frame)

    def after_call(self, call: ast.Call) -> None:
        """A database call may open (autobegin) or end the session's transaction."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        ref = self.frame.bindings.get(dotted(func.value) or "")
        if ref is None or ref.managed_line is not None:
            return
        if func.attr in catalog.DB_OPENING and ref.open_line is None:
            ref.open_line = call.lineno
            ref.open_origin = f"{dotted(func) or func.attr}()"
        elif func.attr == "close" or (func.attr in catalog.DB_ENDING and not ref.held):
            ref.open_line = None
            ref.held = False

    def loop_carried(self, body: list[ast.stmt]) -> None:
        """Before a loop: a transaction the body leaves open is open at the loop's head."""
        for key, ref in self.frame.bindings.items():
            if ref.managed_line is not None or ref.open_line is not None:
                continue
            last: tuple[int, str] | None = None
            for node in walk_body(body):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and dotted(node.func.value) == key
                ):
                    if node.func.attr in catalog.DB_OPENING:
                        last = (node.lineno, node.func.attr)
                    elif node.func.attr in catalog.DB_ENDING:
                        last = None
            if last is not None:
                ref.open_line = last[0]
                ref.open_origin = f"{key}.{last[1]}() (previous iteration)"

    # --- loops -------------------------------------------------------------------------
    def push_loop(self, node: ast.AST, target: ast.expr | None, iterable: ast.expr | None) -> None:
        loop = LoopState(node)
        if target is not None:
            loop.tainted = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            text = " ".join(loop.tainted).lower()
            if iterable is not None:
                text += (
                    " "
                    + " ".join(
                        n.id if isinstance(n, ast.Name) else n.attr
                        for n in ast.walk(iterable)
                        if isinstance(n, ast.Name | ast.Attribute)
                    ).lower()
                )
            loop.batch = any(marker in text for marker in _BATCH_MARKERS)
            loop.batch = loop.batch or self._fixed_collection(iterable)
        self.frame.loops.append(loop)

    def _fixed_collection(self, iterable: ast.expr | None) -> bool:
        """A literal collection (or ``range(<constant>)``): a few fixed items, not N rows."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
            if iterable.func.attr in ("items", "keys", "values") and not iterable.args:
                iterable = iterable.func.value
        elif isinstance(iterable, ast.Call) and dotted(iterable.func) == "range":
            return all(isinstance(a, ast.Constant) for a in iterable.args)
        if isinstance(iterable, ast.Name):
            iterable = self.value_of(iterable.id)
        return isinstance(iterable, ast.List | ast.Tuple | ast.Set | ast.Dict)

    def pop_loop(self) -> None:
        self.frame.loops.pop()

    def _taint(self, name: str, value: ast.expr | None) -> None:
        if value is None or not self.frame.loops:
            return
        used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        for loop in self.frame.loops:
            if used & loop.tainted:
                loop.tainted.add(name)

    def loop_taint(self, node: ast.AST) -> LoopState | None:
        """The innermost per-item loop whose variables ``node`` uses, if any."""
        loops = self.frame.loops
        if not loops:
            return None
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for loop in reversed(loops):
            if not loop.batch and used & loop.tainted:
                return loop
        return None

    # --- values ------------------------------------------------------------------------
    def value_of(self, name: str) -> ast.expr | None:
        for frame in reversed(self.frames):
            if name in frame.values:
                return frame.values[name]
        return None


def _noop() -> None:
    return None
