"""What the UI's buttons and forms post to: batch curation, requeue, add, upload, export.

Every POST here needs the CSRF token (``X-CSRF-Token`` header from the script, or the
``csrf_token`` form field). JSON actions answer ``{"message": ...}`` with the result in words,
or a 4xx whose ``detail`` says what went wrong - the script shows either, never a spinner.
"""

from __future__ import annotations

import csv
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel, ValidationError

from scrapersky.api.deps import ContactFilterDep, DomainFilterDep, PageFilterDep, SitemapFilterDep
from scrapersky.api.routes.exports import stream_export
from scrapersky.api.schemas import (
    DomainBatch,
    DomainRequeue,
    PageBatch,
    PageRequeue,
    SitemapBatch,
    SitemapRequeue,
    clean_text,
)
from scrapersky.api.ui.common import CsrfSessionDep, UiSessionDep, redirect_with_flash, status_label
from scrapersky.db.enums import CurationStatus
from scrapersky.services.curation import CurationResult, curate_domains, requeue_failed
from scrapersky.services.domain_file import read_domain_column
from scrapersky.services.intake import IntakeReport, add_domains
from scrapersky.services.page_curation import curate_pages, requeue_failed_page_scans
from scrapersky.services.sitemap_curation import curate_sitemaps, requeue_failed_sitemap_imports

router = APIRouter()

QUEUED_FOR = {
    "domains": "queued for sitemap analysis",
    "sitemaps": "queued for import",
    "pages": "queued for contact scan",
}


async def _body(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(422, problems) from None


def _batch_message(resource: str, status: CurationStatus, result: CurationResult) -> str:
    message = f"{result.updated} set to {status_label(status)}"
    if status is CurationStatus.SELECTED:
        message += f", {result.queued} {QUEUED_FOR[resource]}"
    if result.updated == 0:
        message += " (nothing matched)"
    return message


@router.post("/domains/batch")
async def domains_batch(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: DomainBatch = await _body(request, DomainBatch)
    result = await curate_domains(body.status, body.to_filter())
    message = _batch_message("domains", body.status, result)
    return {"updated": result.updated, "queued": result.queued, "message": message}


@router.post("/sitemaps/batch")
async def sitemaps_batch(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: SitemapBatch = await _body(request, SitemapBatch)
    result = await curate_sitemaps(body.status, body.to_filter())
    message = _batch_message("sitemaps", body.status, result)
    return {"updated": result.updated, "queued": result.queued, "message": message}


@router.post("/pages/batch")
async def pages_batch(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: PageBatch = await _body(request, PageBatch)
    result = await curate_pages(body.status, body.to_filter())
    message = _batch_message("pages", body.status, result)
    return {"updated": result.updated, "queued": result.queued, "message": message}


def _requeued(n: int) -> dict[str, Any]:
    noun = "item" if n == 1 else "items"
    text = f"{n} {noun} requeued" if n else "nothing to requeue (no failed rows matched)"
    return {"requeued": n, "message": text}


@router.post("/domains/requeue")
async def domains_requeue(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: DomainRequeue = await _body(request, DomainRequeue)
    return _requeued(await requeue_failed(body.stage, body.to_filter()))


@router.post("/sitemaps/requeue")
async def sitemaps_requeue(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: SitemapRequeue = await _body(request, SitemapRequeue)
    return _requeued(await requeue_failed_sitemap_imports(body.to_filter()))


@router.post("/pages/requeue")
async def pages_requeue(request: Request, session: CsrfSessionDep) -> dict[str, Any]:
    body: PageRequeue = await _body(request, PageRequeue)
    return _requeued(await requeue_failed_page_scans(body.to_filter()))


def _intake_message(report: IntakeReport) -> str:
    message = (
        f"{report.accepted} added, {report.duplicates} already known, {report.rejected} rejected"
    )
    if report.rejections:
        examples = "; ".join(f"{r.raw[:60]!r}: {r.reason}" for r in report.rejections[:5])
        message += f" - {examples}"
    return message


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.api_cookie_secure)


@router.post("/domains/add")
async def domains_add(
    request: Request,
    session: CsrfSessionDep,
    domains: Annotated[str, Form(max_length=1_000_000)] = "",
) -> RedirectResponse:
    try:
        clean_text(domains)
    except ValueError as exc:
        raise HTTPException(422, f"domains: {exc}") from None
    names = [n.strip() for line in domains.splitlines() for n in line.split(",") if n.strip()]
    if not names:
        return redirect_with_flash(
            "/ui/domains", "Type at least one domain to add.", secure=_secure(request)
        )
    report = await add_domains(names, source="ui")
    return redirect_with_flash("/ui/domains", _intake_message(report), secure=_secure(request))


@router.post("/domains/upload")
async def domains_upload(
    request: Request,
    session: CsrfSessionDep,
    file: Annotated[UploadFile, File()],
    column: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    limit = request.app.state.settings.api_max_upload_bytes
    data = await file.read(limit + 1)
    secure = _secure(request)
    if len(data) > limit:
        return redirect_with_flash("/ui/domains", f"The file is over {limit} bytes.", secure=secure)
    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    try:
        clean_text(column)
        values = list(read_domain_column(text, column.strip() or None))
    except (ValueError, csv.Error) as exc:
        return redirect_with_flash("/ui/domains", f"Could not read the file: {exc}", secure=secure)
    name = "".join(ch for ch in (file.filename or "upload") if ch.isprintable())[:100]
    report = await add_domains(values, source=f"upload:{name}")
    return redirect_with_flash("/ui/domains", f"{name}: {_intake_message(report)}", secure=secure)


def _format(value: str) -> str:
    if value not in ("csv", "jsonl"):
        raise HTTPException(422, "format must be csv or jsonl")
    return value


@router.get("/exports/domains")
async def export_domains(
    session: UiSessionDep, row_filter: DomainFilterDep, format: str = "csv"
) -> StreamingResponse:
    return stream_export("domains", row_filter, _format(format))


@router.get("/exports/sitemaps")
async def export_sitemaps(
    session: UiSessionDep, row_filter: SitemapFilterDep, format: str = "csv"
) -> StreamingResponse:
    return stream_export("sitemaps", row_filter, _format(format))


@router.get("/exports/pages")
async def export_pages(
    session: UiSessionDep, row_filter: PageFilterDep, format: str = "csv"
) -> StreamingResponse:
    return stream_export("pages", row_filter, _format(format))


@router.get("/exports/contacts")
async def export_contacts(
    session: UiSessionDep, row_filter: ContactFilterDep, format: str = "csv"
) -> StreamingResponse:
    return stream_export("contacts", row_filter, _format(format))
