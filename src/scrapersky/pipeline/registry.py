"""The claimable queues in the schema, and stage name -> factory.

    stage = build_stage("metadata", settings)             # a registered stage
    stage = build_stage("tests.support.stages:probe", settings)   # any module:callable

A factory is ``Callable[[Settings], Stage]``. A real stage registers with ONE line in
``STAGES`` (imported lazily, so ``scrapersky status`` never imports every stage's deps).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from scrapersky.db.queries.stage import StageTarget
from scrapersky.db.schema import domains, pages, sitemap_files
from scrapersky.exceptions import ConfigurationError
from scrapersky.pipeline.stage import Stage, StageSpec
from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.pipeline")

StageFactory = Callable[[Settings], Stage[Any]]

QUEUES: dict[str, StageTarget] = {
    "metadata": StageTarget(
        domains, "metadata_status", "metadata",
        queued="pending", processing="processing", success="completed", failure="error",
        load_columns=("domain",),
    ),
    "sitemap_discovery": StageTarget(
        domains, "sitemap_analysis_status", "sitemap",
        queued="queued", processing="processing", success="submitted", failure="failed",
        load_columns=("domain",),
    ),
    "sitemap_import": StageTarget(
        sitemap_files, "import_status", "import",
        queued="queued", processing="processing", success="complete", failure="error",
        load_columns=("domain_id", "url"),
    ),
    "contacts_scan": StageTarget(
        pages, "scan_status", "scan",
        queued="queued", processing="processing", success="complete", failure="error",
        load_columns=("domain_id", "url"),
    ),
}  # fmt: skip

# name -> "module:callable"; the stage modules add themselves here, one line each.
STAGES: dict[str, str] = {
    "metadata": "scrapersky.pipeline.stages.metadata:build",
    "contacts_scan": "scrapersky.pipeline.stages.contacts_scan:build",
    "sitemap_discovery": "scrapersky.pipeline.stages.sitemap_discovery:build",
    "sitemap_import": "scrapersky.pipeline.stages.sitemap_import:build",
}


def load_factory(ref: str) -> StageFactory:
    """Import ``module:callable``; a clear ConfigurationError if it is not there."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(f"stage factory {ref!r} must look like 'package.module:callable'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"cannot import stage factory module {module_name}: {exc}"
        ) from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigurationError(f"{module_name} has no callable {attr!r}")
    return factory  # type: ignore[no-any-return]


def stage_names() -> list[str]:
    return sorted(STAGES)


def build_stage(name_or_ref: str, settings: Settings) -> Stage[Any]:
    """A registered stage by name, or any factory given as ``module:callable``."""
    if ":" in name_or_ref:
        ref = name_or_ref
    elif name_or_ref in STAGES:
        ref = STAGES[name_or_ref]
    else:
        known = ", ".join(stage_names()) or "none registered yet"
        raise ConfigurationError(f"unknown stage {name_or_ref!r} (known: {known})")
    stage = load_factory(ref)(settings)
    if not isinstance(stage, Stage) or not isinstance(getattr(stage, "spec", None), StageSpec):
        raise ConfigurationError(f"{ref} did not return a Stage with a StageSpec")
    return stage


def status_specs(settings: Settings) -> list[StageSpec]:
    """One spec per queue: the registered stage's if it loads, else the queue's defaults."""
    specs = []
    for name, target in QUEUES.items():
        spec: StageSpec | None = None
        if name in STAGES:
            try:
                spec = build_stage(name, settings).spec
            except Exception as exc:  # status must work even when a stage's deps are missing
                log.warning(
                    "stage did not load", extra={"action": "stage_load_failed", "stage": name}
                )
                log.debug("stage load error: %s", exc)
        specs.append(spec or StageSpec.on(target, name=name))
    return specs
