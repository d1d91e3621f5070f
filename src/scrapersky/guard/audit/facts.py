"""Facts the project index records per class and per function.

info = index.functions["app.jobs.refresh"]
info.callees, info.direct_io, info.ends_transaction
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from scrapersky.guard.audit.resolve import iter_children

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass
class ClassInfo:
    qn: str
    module: str
    node: ast.ClassDef | None
    bases: list[str] = field(default_factory=list)
    attr_types: dict[str, str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    is_enum: bool = False
    dynamic: bool = False  # members the audit cannot list (metaclass, unknown base, loops)


@dataclass
class FunctionInfo:
    qn: str
    module: str
    node: FunctionNode
    class_qn: str | None
    params: list[str] = field(default_factory=list)  # positional, without self/cls
    callees: set[str] = field(default_factory=set)
    direct_io: str | None = None
    committed_params: set[str] = field(default_factory=set)
    commits: bool = False  # calls .commit() on anything
    param_passes: list[tuple[str, str, int | str]] = field(default_factory=list)
    is_generator: bool = False
    yields_session: bool = False
    ends_transaction: bool = False  # commits after its yield, or yields inside .begin()
    yield_contexts: set[str] = field(default_factory=set)  # calls of with-blocks around a yield
    returns_new_session: bool = False


class FunctionScope:
    """Local types of one function, for the index's shallow resolution."""

    def __init__(self, class_qn: str | None) -> None:
        self.class_qn = class_qn
        self.types: dict[str, str] = {}
        self.names: set[str] = set()

    def local_type(self, name: str) -> str | None:
        return self.types.get(name)

    def is_local(self, name: str) -> bool:
        return name in self.names


def walk_body(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under ``nodes`` in source order, not entering nested scopes."""
    stack: list[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPE_NODES):
            continue
        stack.extend(reversed(list(iter_children(node))))
