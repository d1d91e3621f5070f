"""The audit as a flake8 plugin (codes ``SKY…``; entry point declared in pyproject.toml).

    flake8 --select=SKY src/

flake8 checks one file at a time, so cross-file facts (an enum or a helper defined in another
module) are only known when they are in the same file; ``scrapersky audit`` sees the tree.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapersky import __version__
from scrapersky.exceptions import ConfigurationError
from scrapersky.guard.audit.config import AuditConfig, find_config
from scrapersky.guard.audit.index import ProjectIndex
from scrapersky.guard.audit.resolve import ModuleInfo, collect_imports, module_name
from scrapersky.guard.audit.runner import select_rules
from scrapersky.guard.audit.sources import classify, display_path
from scrapersky.guard.audit.walker import FileWalker


@functools.lru_cache(maxsize=1)
def _config() -> AuditConfig:
    try:
        return find_config(Path.cwd())
    except ConfigurationError:
        return AuditConfig()


class SkyFlake8Plugin:
    name = "scrapersky-audit"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: list[str] | None = None):
        self.tree = tree
        self.filename = filename
        self.lines = [line.rstrip("\r\n") for line in lines or []]

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        if not isinstance(self.tree, ast.Module):
            return
        config = _config()
        path = Path(self.filename)
        name, is_package = module_name(path.resolve()) if path.is_file() else (path.stem, False)
        display = display_path(path, config.root)
        module = ModuleInfo(
            name=name,
            path=path,
            display=display,
            tree=self.tree,
            lines=self.lines,
            kind=classify(display),
            is_package=is_package,
            imports=collect_imports(self.tree, name, is_package),
        )
        index = ProjectIndex.build([module], config)
        # flake8 does its own selecting (--select/--extend-ignore) and noqa handling.
        for finding in FileWalker(index, module, select_rules([], [])).run():
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)
