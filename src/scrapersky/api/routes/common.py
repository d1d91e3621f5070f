"""What every router shares: error shapes, listings, 404s and field errors.

raise field_error(("query", "sort"), "cursor pagination is ordered by id")
return listing(rows, total, paging)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.api.deps import Paging, field_error
from scrapersky.db.transaction import transaction

__all__ = ["field_error"]


class ErrorOut(BaseModel):
    detail: str


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong API token."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No row with that id."},
}


def not_found(kind: str, row_id: int) -> NoReturn:
    raise HTTPException(404, f"no {kind} with id {row_id}")


def check_cursor_sort(paging: Paging, sort: str | None) -> str | None:
    if paging.cursor is not None and sort not in (None, "id"):
        raise field_error(
            ("query", "sort"), "cursor pagination is ordered by id; leave sort out or use offset"
        )
    return sort


def listing(rows: list[dict[str, Any]], total: int, paging: Paging, sort: str) -> dict[str, Any]:
    keyset = paging.cursor is not None or sort == "id"
    full = len(rows) == paging.limit
    return {
        "total": total,
        "limit": paging.limit,
        "offset": paging.offset,
        "next_cursor": int(rows[-1]["id"]) if keyset and full and rows else None,
        "items": rows,
    }


F = TypeVar("F")
Counter = Callable[[AsyncSession, F], Awaitable[int]]
Lister = Callable[..., Awaitable[list[dict[str, Any]]]]


async def list_page(
    count: Counter[F], fetch: Lister, row_filter: F, paging: Paging, sort: str | None
) -> dict[str, Any]:
    """One page of a listing (offset or keyset cursor) and the total, in one transaction."""
    check_cursor_sort(paging, sort)
    order = sort or "-id"
    async with transaction() as session:
        total = await count(session, row_filter)
        rows = await fetch(
            session,
            row_filter,
            sort=order,
            limit=paging.limit,
            offset=paging.offset,
            after_id=paging.cursor,
        )
    return listing(rows, total, paging, order)
