"""Operations: /healthz (alive), /readyz (database reachable), /metrics, /api/ops/stages."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from scrapersky.api.auth import require_api_token
from scrapersky.api.routes.common import AUTH_ERRORS
from scrapersky.api.schemas import Health, StagesOut
from scrapersky.db.queries.activity import StageActivity, stage_activity
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import DatabaseError
from scrapersky.pipeline.registry import QUEUES

READY_TIMEOUT_S = 5.0

# Probes stay open (no token) so an orchestrator can call them; they reveal nothing.
probes = APIRouter(tags=["ops"])
router = APIRouter(tags=["ops"], dependencies=[Depends(require_api_token)], responses=AUTH_ERRORS)


@probes.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up (no database access)."""
    return Health(status="ok")


async def _ping() -> None:
    async with transaction() as session:
        await session.execute(select(1))


@probes.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database cannot be reached."}},
)
async def readyz() -> Any:
    """Ready to serve: the database answers within a few seconds."""
    try:
        await asyncio.wait_for(_ping(), READY_TIMEOUT_S)
    except (TimeoutError, OSError, SQLAlchemyError, DatabaseError) as exc:
        detail = type(exc).__name__ if not isinstance(exc, DatabaseError) else exc.message
        body = Health(status="unavailable", database="error", detail=detail)
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ready", database="ok")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def stage_to_dict(stage: StageActivity) -> dict[str, Any]:
    return {
        "name": stage.name,
        "label": stage.label,
        "total": stage.total,
        "by_status": stage.by_status,
        "retrying": stage.retrying,
        "done_per_window": {f"{m}m": n for m, n in stage.done_per_window.items()},
        "failed_per_window": {f"{m}m": n for m, n in stage.failed_per_window.items()},
        "failures_by_category": [vars(g) for g in stage.failures_by_category],
        "recent_failures": [vars(f) for f in stage.recent_failures],
    }


@router.get("/api/ops/stages", response_model=StagesOut)
async def stages() -> dict[str, Any]:
    """Per stage: counts by status, items finished in the last 1/5/60 minutes, failures
    grouped by error category, and the most recent failures."""
    async with transaction() as session:
        activity = await stage_activity(session, QUEUES)
    return {"stages": [stage_to_dict(stage) for stage in activity]}
