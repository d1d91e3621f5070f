"""Audit a tree: load every file, build the project index once, walk each file once with
every selected rule, then apply noqa comments, file-kind filters and a baseline.

    result = audit_paths([Path("src")], find_config(Path.cwd()))
    for finding in result.findings: print(finding.path, finding.line, finding.code)
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scrapersky.exceptions import ConfigurationError
from scrapersky.guard.audit.baseline import apply_baseline, read_baseline, with_fingerprints
from scrapersky.guard.audit.config import AuditConfig
from scrapersky.guard.audit.index import ProjectIndex
from scrapersky.guard.audit.model import AuditResult, FileError, Finding, Rule
from scrapersky.guard.audit.registry import all_rules
from scrapersky.guard.audit.resolve import ModuleInfo
from scrapersky.guard.audit.sources import discover, load
from scrapersky.guard.audit.suppress import is_suppressed, noqa_lines
from scrapersky.guard.audit.walker import FileWalker


def select_rules(select: Iterable[str], ignore: Iterable[str]) -> list[type[Rule]]:
    """Rules chosen by code or code prefix; an unknown code is a ConfigurationError."""
    rules = all_rules()
    chosen_select = [c.strip().upper() for c in select if c.strip()]
    chosen_ignore = [c.strip().upper() for c in ignore if c.strip()]
    for code in [*chosen_select, *chosen_ignore]:
        if not any(known.startswith(code) for known in rules):
            raise ConfigurationError(f"unknown rule code {code!r} (known: {', '.join(rules)})")
    return [
        rule
        for code, rule in rules.items()
        if (not chosen_select or any(code.startswith(c) for c in chosen_select))
        and not any(code.startswith(c) for c in chosen_ignore)
    ]


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Thousands of live ASTs make every cyclic-GC pass slower (parsing ran 4x slower);
    ASTs hold no cycles, so pause the collector for the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def audit_paths(paths: Sequence[Path], config: AuditConfig) -> AuditResult:
    with _no_cyclic_gc():
        return _audit_paths(paths, config)


def _audit_paths(paths: Sequence[Path], config: AuditConfig) -> AuditResult:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigurationError(f"no such file or directory: {', '.join(missing)}")
    modules: list[ModuleInfo] = []
    errors: list[FileError] = []
    for path in discover(paths, config):
        loaded = load(path, config)
        if isinstance(loaded, FileError):
            errors.append(loaded)
        else:
            modules.append(loaded)
    result = audit_modules(modules, config)
    result.errors[:0] = errors
    result.files += len(errors)
    return result


def audit_modules(modules: list[ModuleInfo], config: AuditConfig) -> AuditResult:
    rules = select_rules(config.select, config.ignore)
    kinds = config.file_kinds
    result = AuditResult(files=len(modules))
    index = ProjectIndex.build(modules, config)
    collected: list[Finding] = []
    for module in modules:
        result.lines += len(module.lines)
        if module.kind not in kinds:
            continue
        try:
            findings = FileWalker(index, module, rules).run()
        except RecursionError:
            result.errors.append(FileError(module.display, "too deeply nested to analyse"))
            continue
        if not findings:
            continue
        noqa = noqa_lines("\n".join(module.lines))
        seen: set[tuple[str, int, int]] = set()
        for finding in findings:
            key = (finding.code, finding.line, finding.col)
            if key in seen:
                continue
            seen.add(key)
            if is_suppressed(finding, noqa):
                result.suppressed += 1
            else:
                collected.append(finding)
    lines = {m.display: m.lines for m in modules}
    result.findings = with_fingerprints(collected, lines)
    if config.baseline:
        accepted = read_baseline(_baseline_path(config))
        kept = apply_baseline(result.findings, accepted)
        result.baselined = len(result.findings) - len(kept)
        result.findings = kept
    return result


def _baseline_path(config: AuditConfig) -> Path:
    path = Path(config.baseline or "")
    return path if path.is_absolute() else config.root / path
