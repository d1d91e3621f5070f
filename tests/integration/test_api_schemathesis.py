"""Schemathesis against the OpenAPI schema, in-process, on a real test database: no 5xx.

Bounded: at most ``MAX_EXAMPLES`` generated cases per operation (positive and negative).
The app opens its own database (a clone of the template, seeded with a small tree) inside
Schemathesis' ASGI event loop, exactly as it does under uvicorn.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from scrapersky.api.app import create_app
from tests.support.api import seed_domain_tree
from tests.support.database import (
    TemplateDatabase,
    admin_execute,
    make_test_settings,
    open_test_database,
)

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def _seed(url: Any) -> None:
    async with open_test_database(url):
        await seed_domain_tree("acme.com", sitemaps=2, pages_per_sitemap=3, contacts_n=3)
        await seed_domain_tree("beta.io", sitemaps=1, pages_per_sitemap=2, contacts_n=1)


@pytest.fixture(scope="module")
def api_app(template_db: TemplateDatabase) -> Iterator[FastAPI]:
    name = f"sky_fuzz_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        admin_execute(template_db.url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db.name}"')
    )
    url = template_db.url.set(database=name)
    asyncio.run(_seed(url))
    app = create_app(make_test_settings(database_url=url.render_as_string(hide_password=False)))
    try:
        yield app
    finally:
        from schemathesis.python import asgi

        asgi.shutdown_lifespans()  # closes the app's database in Schemathesis' loop
        asyncio.run(
            admin_execute(template_db.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """Every documented operation and generation mode, read from the app without a database.

    Negative cases need something to break: operations without parameters or body get none.
    """
    document = create_app(make_test_settings(), manage_database=False).openapi()
    cases = []
    for path, methods in sorted(document["paths"].items()):
        for method, spec in sorted(methods.items()):
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            if spec.get("parameters") or spec.get("requestBody"):
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return cases


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_api_never_answers_5xx(
    api_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        calls.append(case.call_and_validate(checks=CHECKS).status_code)

    calls: list[int] = []
    run()
    assert calls, f"no request was generated for {method} {path}"
    assert max(calls) < 500
