"""The single walk over one file's AST: keeps the scope/session state current and calls
every rule's ``visit_<Node>`` (before the children) and ``leave_<Node>`` (after them).

    walker = FileWalker(index, module, [rule classes])
    findings = walker.run()
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

from scrapersky.guard.audit.index import ProjectIndex
from scrapersky.guard.audit.model import Finding, Rule
from scrapersky.guard.audit.resolve import ModuleInfo, iter_children
from scrapersky.guard.audit.scope import Context, Frame, Undo

_Hook = Callable[[ast.AST], None]
_SCOPES = frozenset({ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
_HOOK_CACHE: dict[type[Rule], list[tuple[str, type[ast.AST], str]]] = {}


def _hooks_of(rule: type[Rule]) -> list[tuple[str, type[ast.AST], str]]:
    if rule not in _HOOK_CACHE:
        found = []
        for attribute in dir(rule):
            for prefix in ("visit_", "leave_"):
                if attribute.startswith(prefix):
                    node_type = getattr(ast, attribute[len(prefix) :], None)
                    if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                        found.append((prefix, node_type, attribute))
        _HOOK_CACHE[rule] = found
    return _HOOK_CACHE[rule]


class FileWalker:
    def __init__(
        self, index: ProjectIndex, module: ModuleInfo, rules: Sequence[type[Rule]]
    ) -> None:
        self.findings: list[Finding] = []
        self.ctx = Context(index, module, self.findings.append)
        self.visitors: dict[type[ast.AST], list[_Hook]] = {}
        self.leavers: dict[type[ast.AST], list[_Hook]] = {}
        for rule_class in rules:
            rule = rule_class(self.ctx)
            for prefix, node_type, attribute in _hooks_of(rule_class):
                table = self.visitors if prefix == "visit_" else self.leavers
                table.setdefault(node_type, []).append(getattr(rule, attribute))
        self.qualname: list[str] = [module.name]
        self._with_undo: list[Undo] = []
        self._handlers: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Module: self._module,
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.Lambda: self._lambda,
            ast.ClassDef: self._class,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.withitem: self._withitem,
            ast.If: self._if,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.While: self._while,
            ast.Try: self._try,
            ast.TryStar: self._try,
            ast.Assign: self._assign,
            ast.AnnAssign: self._ann_assign,
            ast.NamedExpr: self._named_expr,
            ast.ListComp: self._comprehension,
            ast.SetComp: self._comprehension,
            ast.GeneratorExp: self._comprehension,
            ast.DictComp: self._comprehension,
            ast.Call: self._call,
        }

    def run(self) -> list[Finding]:
        self.visit(self.ctx.module.tree)
        return self.findings

    def visit(self, node: ast.AST) -> None:
        stack = self.ctx.stack
        stack.append(node)
        node_type = type(node)
        for hook in self.visitors.get(node_type, ()):
            hook(node)
        handler = self._handlers.get(node_type)
        if handler is not None:
            handler(node)
        else:
            self.children(node)
        if node_type not in _SCOPES:  # scope handlers run leave hooks inside the scope
            for hook in self.leavers.get(node_type, ()):
                hook(node)
        stack.pop()

    def children(self, node: ast.AST) -> None:
        for child in iter_children(node):
            self.visit(child)

    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.visit(statement)

    def _leave_early(self, node: ast.AST) -> None:
        """Run leave hooks while the node's own scope is still current."""
        for hook in self.leavers.get(type(node), ()):
            hook(node)

    # --- scopes ------------------------------------------------------------------------
    def _module(self, node: ast.Module) -> None:
        self.ctx.push_module(node)
        self.body(node.body)
        self._leave_early(node)
        self.ctx.pop_frame()

    def _outer_parts(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        if isinstance(node, ast.ClassDef):
            for base in [*node.bases, *node.keywords]:
                self.visit(base)
        else:
            self.visit(node.args)
            if node.returns is not None:
                self.visit(node.returns)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._outer_parts(node)
        self.ctx.frame.names.add(node.name)
        self.qualname.append(node.name)
        self.ctx.push_function(node)
        self.body(node.body)
        self._leave_scope(node)

    def _lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self.ctx.push_function(node)
        self.visit(node.body)
        self._leave_early(node)
        self.ctx.pop_frame()

    def _class(self, node: ast.ClassDef) -> None:
        self._outer_parts(node)
        self.ctx.frame.names.add(node.name)
        self.qualname.append(node.name)
        self.ctx.class_stack.append(".".join(self.qualname))
        self.ctx.frames.append(Frame(node, False, None, module_level=True))
        self.body(node.body)
        self.ctx.class_stack.pop()
        self._leave_scope(node)

    def _leave_scope(self, node: ast.AST) -> None:
        self._leave_early(node)
        self.ctx.pop_frame()
        self.qualname.pop()

    # --- control flow ------------------------------------------------------------------
    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        undos: list[Undo] = []
        for item in node.items:
            self.visit(item)
            undos.append(self._with_undo.pop())
        self.body(node.body)
        for undo in reversed(undos):
            undo()

    def _withitem(self, item: ast.withitem) -> None:
        self.visit(item.context_expr)
        with_node = self.ctx.stack[-2]
        assert isinstance(with_node, ast.With | ast.AsyncWith)
        self._with_undo.append(self.ctx.enter_with_item(item, with_node))
        if item.optional_vars is not None:
            self.visit(item.optional_vars)

    def _if(self, node: ast.If) -> None:
        ctx = self.ctx
        self.visit(node.test)
        before = ctx.snapshot()
        self.body(node.body)
        after_body = ctx.snapshot()
        ctx.restore(before)
        self.body(node.orelse)
        ctx.merge(after_body, ctx.snapshot())

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        ctx = self.ctx
        self.visit(node.iter)
        ctx.assign(node.target, None)
        self.visit(node.target)
        self._loop(node, node.target, node.iter)

    def _while(self, node: ast.While) -> None:
        self.visit(node.test)
        self._loop(node, None, None)

    def _loop(
        self,
        node: ast.For | ast.AsyncFor | ast.While,
        target: ast.expr | None,
        iterable: ast.expr | None,
    ) -> None:
        ctx = self.ctx
        before = ctx.snapshot()
        ctx.push_loop(node, target, iterable)
        ctx.loop_carried(node.body)
        self.body(node.body)
        ctx.pop_loop()
        ctx.merge(before, ctx.snapshot())
        self.body(node.orelse)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        ctx = self.ctx
        before = ctx.snapshot()
        self.body(node.body)
        after_body = ctx.snapshot()
        ends = []
        for handler in node.handlers:
            ctx.restore(before)
            ctx.merge(before, after_body)
            self.visit(handler)
            ends.append(ctx.snapshot())
        ctx.restore(after_body)
        self.body(node.orelse)
        ctx.merge(ctx.snapshot(), *ends)
        ctx.frame.finally_depth += 1
        self.body(node.finalbody)
        ctx.frame.finally_depth -= 1

    # --- bindings ----------------------------------------------------------------------
    def _assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.ctx.assign(target, node.value)
            self.visit(target)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.ctx.assign(node.target, node.value)
        elif isinstance(node.target, ast.Name):
            found = self.ctx.resolver.annotation_type(node.annotation, self.ctx.frame)
            self.ctx.frame.names.add(node.target.id)
            if found:
                self.ctx.frame.types[node.target.id] = found
        self.visit(node.target)

    def _named_expr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.ctx.assign(node.target, node.value)
        self.visit(node.target)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        ctx = self.ctx
        for generator in node.generators:
            self.visit(generator.iter)
            ctx.assign(generator.target, None)
            ctx.push_loop(node, generator.target, generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        for _ in node.generators:
            ctx.pop_loop()

    def _call(self, node: ast.Call) -> None:
        self.children(node)
        self.ctx.after_call(node)
