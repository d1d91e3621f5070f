"""/api/contacts: list and filter contacts, get one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from scrapersky.api.auth import require_api_token
from scrapersky.api.deps import ContactFilterDep, PageDep
from scrapersky.api.routes.common import (
    AUTH_ERRORS,
    NOT_FOUND,
    list_page,
    not_found,
)
from scrapersky.api.schemas import MAX_BIGINT, ContactOut, Listing
from scrapersky.db.queries.contacts import ContactSort, count_contacts, get_contact, list_contacts
from scrapersky.db.transaction import transaction

router = APIRouter(
    prefix="/api/contacts",
    tags=["contacts"],
    dependencies=[Depends(require_api_token)],
    responses=AUTH_ERRORS,
)


@router.get("", response_model=Listing[ContactOut])
async def list_contacts_route(
    row_filter: ContactFilterDep,
    paging: PageDep,
    sort: Annotated[ContactSort | None, Query(description="Default -id.")] = None,
) -> dict[str, Any]:
    """Contacts matching the filters (``q`` searches the value)."""
    return await list_page(count_contacts, list_contacts, row_filter, paging, sort)


@router.get("/{contact_id}", response_model=ContactOut, responses=NOT_FOUND)
async def get_contact_route(
    contact_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)],
) -> dict[str, Any]:
    """One contact."""
    async with transaction() as session:
        row = await get_contact(session, contact_id)
    if row is None:
        not_found("contact", contact_id)
    return row
