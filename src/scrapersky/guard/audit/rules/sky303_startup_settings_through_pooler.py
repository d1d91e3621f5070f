"""SKY303: timeouts passed as startup ``server_settings`` (or ``options=-c …``) through a
pooler, which rejects them or silently ignores them."""

# visit_<Node> is the AST visitor naming convention.
# ruff: noqa: N802

from __future__ import annotations

import ast

from scrapersky.guard.audit.model import Rule, Severity
from scrapersky.guard.audit.registry import register
from scrapersky.guard.audit.rules._connect import TIMEOUT_SETTINGS, connect_call, dict_items
from scrapersky.guard.audit.values import in_pooler_branch, resolve_value, string_value


@register
class StartupSettingsThroughPooler(Rule):
    code = "SKY303"
    name = "startup-settings-through-pooler"
    severity = Severity.MEDIUM
    summary = "timeouts as startup parameters through a pooler"
    hint = (
        "Set timeouts per transaction: `SET LOCAL statement_timeout = …` or "
        "`select set_config('statement_timeout', …, true)` at the start of each transaction, "
        "and check them with SHOW in a self-test."
    )

    def visit_Call(self, node: ast.Call) -> None:
        call = connect_call(self.ctx, node)
        if call is None or not call.pooler or call.options is None:
            return
        settings = call.options.get("server_settings")
        if settings is not None:
            self._check(settings)
        options = string_value(self.ctx, call.options.get("options"))
        if options and any(f"-c {name}" in options for name in TIMEOUT_SETTINGS):
            self.report(node, "timeouts in the startup `options` go through the pooler")
        query_options = call.query.get("options", "")
        if any(name in query_options for name in TIMEOUT_SETTINGS):
            self.report(node, "timeouts in the URL's startup `options` go through the pooler")

    def visit_Dict(self, node: ast.Dict) -> None:
        """``{"server_settings": {...}}`` built inside a pooler-only branch."""
        for key, value in zip(node.keys, node.values, strict=True):
            is_settings = isinstance(key, ast.Constant) and key.value == "server_settings"
            if is_settings and in_pooler_branch(self.ctx):
                self._check(value)

    def _check(self, settings: ast.expr) -> None:
        items = dict_items(self.ctx, settings)
        if not items:
            return
        names = sorted(TIMEOUT_SETTINGS & items.keys())
        if names:
            where = resolve_value(self.ctx, settings) or settings
            self.report(
                where,
                f"startup server_settings {', '.join(names)} through a pooler: "
                "rejected or silently ignored there",
            )
