"""Enums of the analysed tree: class-based (through project base classes) and functional.

find_enums(index)                      # marks ClassInfo.is_enum and .members
functional_enum(value_node, resolver)  # {"A", "B"} for Enum("Name", "A B")
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from scrapersky.guard.audit.facts import ClassInfo
from scrapersky.guard.audit.resolve import Resolver, dotted

if TYPE_CHECKING:
    from scrapersky.guard.audit.index import ProjectIndex

ENUM_BASES = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag", "enum.ReprEnum"}
)
PLAIN_BASES = frozenset({"str", "int", "float", "bytes", "object"})
_NOT = ClassInfo("", "", None)


def find_enums(index: ProjectIndex) -> None:
    """Mark Enum subclasses (through project bases too) and list their members."""
    changed = True
    while changed:
        changed = False
        for info in index.classes.values():
            if info.is_enum or info.node is None:
                continue
            if any(b in ENUM_BASES or index.classes.get(b, _NOT).is_enum for b in info.bases):
                info.is_enum = changed = True
    for info in index.classes.values():
        if not info.is_enum or info.node is None:
            continue
        for base in info.bases:
            known = base in ENUM_BASES or base in PLAIN_BASES or base in index.classes
            if not known:
                info.dynamic = True
        info.members = {n for n in info.members if not n.startswith("_")}
    index.enum_names = {qn.rpartition(".")[2] for qn, c in index.classes.items() if c.is_enum}


def functional_enum(value: ast.expr, resolver: Resolver) -> set[str] | None:
    """Members of ``Enum("Name", "A B")`` / ``Enum("Name", ["A", "B"])``, if literal."""
    if not (isinstance(value, ast.Call) and len(value.args) >= 2):
        return None
    name = dotted(value.func)
    if name is None or resolver.qualify(name) not in ENUM_BASES:
        return None
    spec = value.args[1]
    if isinstance(spec, ast.Constant) and isinstance(spec.value, str):
        return set(spec.value.replace(",", " ").split())
    if isinstance(spec, ast.List | ast.Tuple):
        members: set[str] = set()
        for element in spec.elts:
            if isinstance(element, ast.Tuple) and element.elts:
                element = element.elts[0]
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            members.add(element.value)
        return members
    if isinstance(spec, ast.Dict):
        keys = [k.value for k in spec.keys if isinstance(k, ast.Constant)]
        return {k for k in keys if isinstance(k, str)}
    return None
