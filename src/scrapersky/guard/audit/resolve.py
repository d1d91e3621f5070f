"""Name resolution shared by the project index and the per-file walk: module names, import
maps, qualified names of calls and the (shallow) type of an expression.

    resolver = Resolver(index, module)
    resolver.type_of(call_node, scope)  # "sqlalchemy.ext.asyncio.AsyncSession"
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.model import FileKind

if TYPE_CHECKING:
    from scrapersky.guard.audit.index import ProjectIndex

_ASYNC_SESSION = "sqlalchemy.ext.asyncio.AsyncSession"
_SYNC_SESSION = "sqlalchemy.orm.Session"
_ASYNC_CONNECTION = "sqlalchemy.ext.asyncio.AsyncConnection"
_SYNC_CONNECTION = "sqlalchemy.engine.Connection"
_ASYNCPG_CONNECTION = "asyncpg.Connection"
_GENERIC_WRAPPERS = frozenset(
    {
        "Optional",
        "Union",
        "Annotated",
        "Iterator",
        "AsyncIterator",
        "Generator",
        "AsyncGenerator",
        "Iterable",
        "AsyncIterable",
        "AbstractAsyncContextManager",
        "AbstractContextManager",
        "AsyncContextManager",
        "ContextManager",
    }
)


_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def iter_children(node: ast.AST) -> Iterator[ast.AST]:
    """Like ``ast.iter_child_nodes`` without contexts and operators, and faster."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = tuple(f for f in node._fields if f not in _SKIPPED_FIELDS)
        _CHILD_FIELDS[type(node)] = fields
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


_COMPOUND_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def iter_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement under ``body``, nested blocks included, in source order."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        for name in _COMPOUND_FIELDS:
            block = getattr(node, name, None)
            if block:
                stack.extend(reversed(block))


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def module_name(path: Path) -> tuple[str, bool]:
    """Dotted module name from the file's place among packages (``__init__.py`` files)."""
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    parent = path.parent
    while (parent / "__init__.py").is_file() and parent.name.isidentifier():
        parts.append(parent.name)
        if parent.parent == parent:
            break
        parent = parent.parent
    return ".".join(reversed(parts)) or path.stem, is_package


def collect_imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Local name → qualified name for every import in the module (any depth)."""
    imports: dict[str, str] = {}
    package = module if is_package else module.rpartition(".")[0]
    for node in iter_statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    head = alias.name.partition(".")[0]
                    imports[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                if alias.name != "*":
                    target = f"{base}.{alias.name}" if base else alias.name
                    imports[alias.asname or alias.name] = target
    return imports


@dataclass
class ModuleInfo:
    name: str
    path: Path
    display: str
    tree: ast.Module
    lines: list[str]
    kind: FileKind
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)  # top-level functions, classes, names


class TypeScope(Protocol):
    class_qn: str | None

    def local_type(self, name: str) -> str | None: ...

    def is_local(self, name: str) -> bool: ...


class NoScope:
    class_qn: str | None = None

    def local_type(self, name: str) -> str | None:
        return None

    def is_local(self, name: str) -> bool:
        return False


NO_SCOPE = NoScope()


@dataclass(frozen=True)
class Target:
    """What a call calls: a qualified function/method name, or an instance of a type."""

    qn: str
    instance: bool = False  # calling an object of type ``qn`` (e.g. a sessionmaker)


def name_matches(qualified: str, patterns: Iterable[str]) -> bool:
    """Config names: a bare name matches the last component, a dotted one a suffix."""
    last = qualified.rpartition(".")[2]
    for pattern in patterns:
        if "." in pattern:
            if qualified == pattern or qualified.endswith("." + pattern):
                return True
        elif pattern == last:
            return True
    return False


class Resolver:
    def __init__(self, index: ProjectIndex, module: ModuleInfo) -> None:
        self.index = index
        self.module = module

    def qualify(self, name: str, scope: TypeScope = NO_SCOPE) -> str | None:
        head, _, rest = name.partition(".")
        if scope.is_local(head):
            return None
        if head in self.module.imports:
            base = self.module.imports[head]
        elif head in self.module.defined:
            base = f"{self.module.name}.{head}"
        elif head in _BUILTINS:
            base = f"builtins.{head}"
        else:
            return None
        return self.index.canonical(f"{base}.{rest}" if rest else base)

    def annotation_type(
        self, annotation: ast.expr | None, scope: TypeScope = NO_SCOPE
    ) -> str | None:
        """The first known or project type named in an annotation (unwrapping Optional,
        unions, Annotated and iterator generics)."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self.annotation_type(annotation.left, scope) or self.annotation_type(
                annotation.right, scope
            )
        if isinstance(annotation, ast.Subscript):
            name = dotted(annotation.value) or ""
            if name.rpartition(".")[2] in _GENERIC_WRAPPERS:
                inner = annotation.slice
                first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
                if name.endswith("Union") and isinstance(inner, ast.Tuple):
                    for element in inner.elts:
                        found = self.annotation_type(element, scope)
                        if found:
                            return found
                    return None
                return self.annotation_type(first, scope)
            annotation = annotation.value
        annotated = dotted(annotation)
        if annotated is None:
            return None
        qualified = self.qualify(annotated, scope)
        if qualified is None:
            return None
        alias = self.index.annotated_aliases.get(qualified)
        if alias is not None:
            return alias[0]
        if catalog.kind_of_type(qualified) or qualified in self.index.classes:
            return qualified
        return None

    def depends_target(self, annotation: ast.expr | None, default: ast.expr | None) -> str | None:
        """The dependency function of a FastAPI parameter (``Depends(dep)``), if any."""
        for expr in (default, annotation):
            if expr is None:
                continue
            if isinstance(expr, ast.Subscript):
                inner = expr.slice
                for element in inner.elts if isinstance(inner, ast.Tuple) else [inner]:
                    found = self._depends_call(element)
                    if found:
                        return found
            found = self._depends_call(expr)
            if found:
                return found
            name = dotted(expr)
            if name:
                qualified = self.qualify(name)
                alias = self.index.annotated_aliases.get(qualified or "")
                if alias is not None and alias[1]:
                    return alias[1]
        return None

    def _depends_call(self, expr: ast.expr) -> str | None:
        if not (isinstance(expr, ast.Call) and expr.args):
            return None
        name = dotted(expr.func) or ""
        if name.rpartition(".")[2] != "Depends":
            return None
        target = dotted(expr.args[0])
        return self.qualify(target) if target else None

    def call_target(self, func: ast.expr, scope: TypeScope = NO_SCOPE) -> Target | None:
        if isinstance(func, ast.Name):
            local = scope.local_type(func.id)
            if local is not None:
                return Target(local, instance=True)
            if scope.is_local(func.id):
                return None
            qualified = self.qualify(func.id)
            if qualified is None:
                return None
            var_type = self.index.var_types.get(qualified)
            return Target(var_type, instance=True) if var_type else Target(qualified)
        if not isinstance(func, ast.Attribute):
            return None
        receiver_type = self.type_of(func.value, scope)
        if receiver_type is not None:
            attr_type = self.index.attribute_type(receiver_type, func.attr)
            if attr_type is not None:
                return Target(attr_type, instance=True)
            return Target(f"{receiver_type}.{func.attr}")
        receiver = dotted(func.value)
        if receiver in ("self", "cls") and scope.class_qn:
            method = self.index.find_method(scope.class_qn, func.attr)
            return Target(method or f"{scope.class_qn}.{func.attr}")
        if receiver is None:
            return None
        qualified = self.qualify(f"{receiver}.{func.attr}", scope)
        if qualified is None:
            return None
        var_type = self.index.var_types.get(qualified)
        return Target(var_type, instance=True) if var_type else Target(qualified)

    def type_of(self, expr: ast.expr, scope: TypeScope = NO_SCOPE) -> str | None:
        """The qualified type of an expression's value, when the audit can tell."""
        if isinstance(expr, ast.Await):
            return self.type_of(expr.value, scope)
        if isinstance(expr, ast.BoolOp):
            for value in expr.values:
                found = self.type_of(value, scope)
                if found:
                    return found
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            left = self.type_of(expr.left, scope)
            return left if catalog.kind_of_type(left) == "path" else None
        if isinstance(expr, ast.IfExp):
            return self.type_of(expr.body, scope) or self.type_of(expr.orelse, scope)
        if isinstance(expr, ast.Name):
            local = scope.local_type(expr.id)
            if local is not None or scope.is_local(expr.id):
                return local
            qualified = self.qualify(expr.id)
            return self.index.var_types.get(qualified) if qualified else None
        if isinstance(expr, ast.Attribute):
            name = dotted(expr)
            if name is not None:
                local = scope.local_type(name)
                if local is not None:
                    return local
            receiver = dotted(expr.value)
            if receiver in ("self", "cls") and scope.class_qn:
                return self.index.attribute_type(scope.class_qn, expr.attr)
            receiver_type = self.type_of(expr.value, scope)
            if receiver_type is not None:
                return self.index.attribute_type(receiver_type, expr.attr)
            if name is not None:
                qualified = self.qualify(name, scope)
                return self.index.var_types.get(qualified) if qualified else None
            return None
        if isinstance(expr, ast.Call):
            target = self.call_target(expr.func, scope)
            return self.result_type(target) if target else None
        return None

    def result_type(self, target: Target) -> str | None:
        """The type a call returns."""
        kind = catalog.kind_of_type(target.qn)
        config = self.index.config
        if not target.instance and name_matches(
            target.qn, (*config.session_factories, *config.managed_transaction_functions)
        ):
            return self.index.return_types.get(target.qn, _ASYNC_SESSION)
        if target.instance:
            if kind == "factory":
                return _ASYNC_SESSION if "async" in target.qn else _SYNC_SESSION
            return None
        if target.qn in catalog.CONSTRUCTOR_RESULTS:
            return catalog.CONSTRUCTOR_RESULTS[target.qn]
        if kind is not None or target.qn in self.index.classes:
            return target.qn
        owner, _, method = target.qn.rpartition(".")
        owner_kind = catalog.kind_of_type(owner)
        if owner_kind == "engine" and method in ("connect", "begin"):
            return _ASYNC_CONNECTION if catalog.is_async_db_type(owner) else _SYNC_CONNECTION
        if owner_kind == "factory" and method == "begin":
            return _ASYNC_SESSION if "async" in owner else _SYNC_SESSION
        if owner_kind == "pool" and method == "acquire":
            return _ASYNCPG_CONNECTION
        if owner_kind == "http_sync" and method == "Session":
            return owner
        return self.index.return_types.get(target.qn)


_BUILTINS = frozenset({"open", "print", "len", "input", "super", "type", "dict", "list"})
