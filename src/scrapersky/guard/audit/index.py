"""The project-wide index, built once before the per-file walk: classes and enums,
variable and return types, context managers that end a transaction on exit, helpers that
commit a session they are given, and functions that reach network I/O (any call depth).

    index = ProjectIndex.build(modules, config)
    index.io_chains["app.jobs.refresh"]  # ["app.jobs.refresh", "app.web.get", "httpx.…get"]
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from scrapersky.guard.audit import catalog
from scrapersky.guard.audit.callgraph import propagate
from scrapersky.guard.audit.config import AuditConfig
from scrapersky.guard.audit.enums import PLAIN_BASES, find_enums, functional_enum
from scrapersky.guard.audit.facts import (
    ClassInfo,
    FunctionInfo,
    FunctionNode,
    FunctionScope,
    walk_body,
)
from scrapersky.guard.audit.resolve import (
    ModuleInfo,
    Resolver,
    Target,
    TypeScope,
    dotted,
    iter_statements,
    name_matches,
)

__all__ = ["ClassInfo", "FunctionInfo", "ProjectIndex", "walk_body"]


class ProjectIndex:
    def __init__(self, config: AuditConfig) -> None:
        self.config = config
        self.modules: dict[str, ModuleInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.aliases: dict[str, str] = {}
        self.var_types: dict[str, str] = {}
        self.return_types: dict[str, str] = {}
        self.annotated_aliases: dict[str, tuple[str | None, str | None]] = {}
        self.io_chains: dict[str, list[str]] = {}
        self.commit_helpers: dict[str, set[str]] = {}
        self.io_functions = frozenset(config.io_functions)
        self.enum_names: set[str] = set()  # last name component of every enum, for a fast check

    # --- lookups used by the walk ------------------------------------------------------
    def canonical(self, qualified: str) -> str:
        for _ in range(8):
            if qualified in self.functions or qualified in self.classes:
                return qualified
            target = self.aliases.get(qualified)
            if target is None:
                head, _, last = qualified.rpartition(".")
                if head and head in self.aliases:
                    target = f"{self.aliases[head]}.{last}"
                else:
                    return qualified
            if target == qualified:
                return qualified
            qualified = target
        return qualified

    def mro(self, class_qn: str) -> Iterator[ClassInfo]:
        seen: set[str] = set()
        queue = [class_qn]
        while queue:
            current = queue.pop(0)
            info = self.classes.get(current)
            if info is None or current in seen:
                continue
            seen.add(current)
            yield info
            queue.extend(info.bases)

    def attribute_type(self, type_qn: str, attr: str) -> str | None:
        info = self.classes.get(type_qn)
        if info is None:
            return None
        if attr in info.attr_types:
            return info.attr_types[attr]
        if not info.bases:
            return None
        for info in self.mro(type_qn):
            if attr in info.attr_types:
                return info.attr_types[attr]
        return None

    def find_method(self, class_qn: str, name: str) -> str | None:
        info = self.classes.get(class_qn)
        if info is None:
            return None
        if name in info.methods:
            return info.methods[name]
        for info in self.mro(class_qn):
            if name in info.methods:
                return info.methods[name]
        return None

    def is_managed_context(self, target: Target | None) -> bool:
        """True when ``async with <call>`` ends a transaction on exit."""
        if target is None or target.instance:
            return False
        if name_matches(target.qn, self.config.managed_transaction_functions):
            return True
        info = self.functions.get(target.qn)
        if info is not None:
            return info.ends_transaction
        exit_method = self.find_method(target.qn, "__aexit__") or self.find_method(
            target.qn, "__exit__"
        )
        return exit_method is not None and self.functions[exit_method].commits

    # --- building ----------------------------------------------------------------------
    @classmethod
    def build(cls, modules: list[ModuleInfo], config: AuditConfig) -> ProjectIndex:
        index = cls(config)
        for module in modules:
            index._add_module(module)
        resolvers = {m.name: Resolver(index, m) for m in index.modules.values()}
        for module in index.modules.values():
            index._module_types(resolvers[module.name])
        for class_info in index.classes.values():
            if class_info.node is not None:
                index._class_types(class_info, resolvers[class_info.module])
        find_enums(index)
        for function in index.functions.values():
            index._summarise(function, resolvers[function.module])
        propagate(index)
        return index

    def _add_module(self, module: ModuleInfo) -> None:
        if module.name in self.modules:
            module.name = f"{module.name}@{module.display}"
        self.modules[module.name] = module
        for local, target in module.imports.items():
            self.aliases[f"{module.name}.{local}"] = target
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                module.defined.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                module.defined.update(t.id for t in targets if isinstance(t, ast.Name))
        self._add_scope(module.tree.body, module.name, module.name, None)

    def _add_scope(
        self, body: list[ast.stmt], prefix: str, module: str, class_qn: str | None
    ) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qn = f"{prefix}.{node.name}"
                self.classes[qn] = ClassInfo(qn, module, node)
                self._add_scope(node.body, qn, module, qn)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                qn = f"{prefix}.{node.name}"
                args = [*node.args.posonlyargs, *node.args.args]
                params = [a.arg for a in args]
                if class_qn and params and not _is_static(node):
                    params = params[1:]
                self.functions[qn] = FunctionInfo(qn, module, node, class_qn, params)
                if class_qn:
                    self.classes[class_qn].methods[node.name] = qn
                self._add_scope(node.body, qn, module, None)
            elif isinstance(node, ast.If | ast.Try):
                self._add_scope(node.body, prefix, module, class_qn)

    def _module_types(self, resolver: Resolver) -> None:
        module = resolver.module
        for info in self.functions.values():
            if info.module == module.name and info.node.returns is not None:
                found = resolver.annotation_type(info.node.returns)
                if found:
                    self.return_types[info.qn] = found
        for node in module.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            qn = f"{module.name}.{target.id}"
            if isinstance(value, ast.Subscript) and (dotted(value.value) or "").endswith(
                "Annotated"
            ):
                self.annotated_aliases[qn] = (
                    resolver.annotation_type(value),
                    resolver.depends_target(value, None),
                )
                continue
            found = resolver.type_of(value)
            if found is None and isinstance(node, ast.AnnAssign):
                found = resolver.annotation_type(node.annotation)
            if found:
                self.var_types[qn] = found
            functional = functional_enum(value, resolver)
            if functional is not None:
                self.classes[qn] = ClassInfo(
                    qn, module.name, None, members=functional, names=set(functional), is_enum=True
                )

    def _class_types(self, info: ClassInfo, resolver: Resolver) -> None:
        assert info.node is not None
        for base in info.node.bases:
            name = dotted(base)
            qualified = resolver.qualify(name) if name else None
            info.bases.append(qualified or (name if name in PLAIN_BASES else "?"))
        if any(k.arg == "metaclass" for k in info.node.keywords):
            info.dynamic = True
        for node in info.node.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                info.names.add(node.target.id)
                if node.value is not None:
                    info.members.add(node.target.id)
                found = resolver.annotation_type(node.annotation)
                if found:
                    info.attr_types[node.target.id] = found
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                        if isinstance(element, ast.Name):
                            info.names.add(element.id)
                            info.members.add(element.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                info.names.add(node.name)
            elif not isinstance(node, ast.Expr | ast.Pass):
                info.dynamic = True
        for method_qn in info.methods.values():
            method = self.functions[method_qn]
            scope = self._scope_for(method, resolver)
            for node in iter_statements(method.node.body):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if dotted(target) == f"self.{getattr(target, 'attr', '')}":
                            assert isinstance(target, ast.Attribute)
                            found = None
                            if isinstance(node, ast.AnnAssign):
                                found = resolver.annotation_type(node.annotation, scope)
                            if found is None and node.value is not None:
                                found = resolver.type_of(node.value, scope)
                            if found:
                                info.attr_types.setdefault(target.attr, found)

    def _scope_for(self, info: FunctionInfo, resolver: Resolver) -> FunctionScope:
        scope = FunctionScope(info.class_qn)
        arguments = info.node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            scope.names.add(arg.arg)
            found = resolver.annotation_type(arg.annotation)
            if found:
                scope.types[arg.arg] = found
        return scope

    def _summarise(self, info: FunctionInfo, resolver: Resolver) -> None:
        scope = self._scope_for(info, resolver)
        params = set(info.params)
        first_yield = 0
        contexts: list[tuple[int, int, str]] = []  # (start, end, qualified or ".begin")
        for node in walk_body(info.node.body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    scope.names.add(target.id)
                    found = resolver.type_of(node.value, scope)
                    if found:
                        scope.types[target.id] = found
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    label = self._context_label(item.context_expr, resolver, scope)
                    if label:
                        contexts.append((node.lineno, node.end_lineno or node.lineno, label))
                    if isinstance(item.optional_vars, ast.Name):
                        scope.names.add(item.optional_vars.id)
                        found = resolver.type_of(item.context_expr, scope)
                        if found:
                            scope.types[item.optional_vars.id] = found
            elif isinstance(node, ast.Yield | ast.YieldFrom):
                info.is_generator = True
                first_yield = first_yield or node.lineno
                for start, end, label in contexts:
                    if start <= node.lineno <= end:
                        info.yield_contexts.add(label)
                if node.value is not None and isinstance(node, ast.Yield):
                    kind = catalog.kind_of_type(resolver.type_of(node.value, scope))
                    info.yields_session = info.yields_session or kind in ("session", "connection")
            elif isinstance(node, ast.Return) and node.value is not None:
                if isinstance(node.value, ast.Call):
                    info.returns_new_session |= self.creates_session(node.value, resolver, scope)
            elif isinstance(node, ast.Call):
                self._summarise_call(node, info, resolver, scope, params)
        if ".begin" in info.yield_contexts:
            info.ends_transaction = True
        if first_yield:
            for node in walk_body(info.node.body):
                if isinstance(node, ast.ExceptHandler):
                    continue
                late = getattr(node, "lineno", 0) > first_yield
                if late and _is_method_call(node, "commit"):
                    info.ends_transaction = True
        if info.ends_transaction:
            info.yields_session = True

    def _summarise_call(
        self,
        node: ast.Call,
        info: FunctionInfo,
        resolver: Resolver,
        scope: FunctionScope,
        params: set[str],
    ) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            info.commits = True
            receiver = dotted(node.func.value)
            if receiver in params:
                info.committed_params.add(receiver)
        target = resolver.call_target(node.func, scope)
        if target is None or target.instance:
            return
        qn = target.qn
        if info.direct_io is None and self.is_io_name(qn):
            info.direct_io = qn
        if info.direct_io is None and qn in catalog.THREAD_RUNNERS and node.args:
            inner = resolver.call_target(node.args[0], scope)
            if inner is not None and inner.qn in catalog.SYNC_SLOW_IO:
                info.direct_io = inner.qn
        if qn in self.functions:
            info.callees.add(qn)
            for position, arg in enumerate(node.args):
                if isinstance(arg, ast.Name) and arg.id in params:
                    info.param_passes.append((qn, arg.id, position))
            for keyword in node.keywords:
                if isinstance(keyword.value, ast.Name) and keyword.value.id in params:
                    info.param_passes.append((qn, keyword.value.id, keyword.arg or ""))

    def _context_label(self, expr: ast.expr, resolver: Resolver, scope: FunctionScope) -> str:
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("begin", "begin_nested")
        ):
            return ".begin"
        if isinstance(expr, ast.Call):
            target = resolver.call_target(expr.func, scope)
            if target is not None and not target.instance:
                return target.qn
        return ""

    def is_io_name(self, qualified: str) -> bool:
        return (
            qualified in catalog.ASYNC_IO
            or qualified in catalog.SYNC_SLOW_IO
            or name_matches(qualified, self.io_functions)
        )

    def creates_session(self, call: ast.Call, resolver: Resolver, scope: TypeScope) -> bool:
        """A new session or connection that somebody must close."""
        target = resolver.call_target(call.func, scope)
        if target is None:
            return False
        if target.instance:
            return catalog.kind_of_type(target.qn) == "factory"
        if name_matches(target.qn, self.config.session_factories):
            return True
        if catalog.kind_of_type(target.qn) in ("session", "connection"):
            return True
        owner, _, method = target.qn.rpartition(".")
        owner_kind = catalog.kind_of_type(owner)
        if owner_kind == "engine" and method in ("connect", "raw_connection"):
            return True
        if owner_kind == "pool" and method == "acquire":
            return True
        info = self.functions.get(target.qn)
        return target.qn in catalog.ASYNCPG_CONNECT or (
            info is not None and info.returns_new_session
        )


def _is_static(node: FunctionNode) -> bool:
    return any(dotted(d) == "staticmethod" for d in node.decorator_list)


def _is_method_call(node: ast.AST, method: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    )
