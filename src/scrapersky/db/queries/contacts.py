"""Contact statements: filtered listing with the domain name, one contact, a domain's contacts.

rows = await list_contacts(session, ContactFilter(kind=[ContactKind.EMAIL]), limit=100)
total = await count_contacts(session, ContactFilter(search="sales@"))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import ContactKind, EmailType
from scrapersky.db.queries.text_match import LIKE_ESCAPE, contains_pattern
from scrapersky.db.schema import contacts, domains

ContactSort = Literal["id", "-id", "value", "-value"]
CONTACT_SORT_KEYS: tuple[str, ...] = ContactSort.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ContactFilter:
    """What a listing or export applies to. Empty filter = every contact."""

    ids: Sequence[int] | None = None
    domain_ids: Sequence[int] | None = None
    kind: Sequence[ContactKind] | None = None
    email_type: Sequence[EmailType] | None = None
    search: str | None = None

    def where(self) -> ColumnElement[bool]:
        c = contacts.c
        clauses: list[ColumnElement[bool]] = []
        if self.ids is not None:
            clauses.append(c.id.in_(list(self.ids)))
        if self.domain_ids is not None:
            clauses.append(c.domain_id.in_(list(self.domain_ids)))
        if self.kind:
            clauses.append(c.kind.in_(list(self.kind)))
        if self.email_type:
            clauses.append(c.email_type.in_(list(self.email_type)))
        if self.search and self.search.strip():
            clauses.append(c.value.ilike(contains_pattern(self.search), escape=LIKE_ESCAPE))
        return and_(true(), *clauses)


async def list_contacts(
    session: AsyncSession,
    contact_filter: ContactFilter,
    *,
    sort: str = "-id",
    limit: int = 50,
    offset: int = 0,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of contacts with their domain name (offset, or keyset on id)."""
    where = contact_filter.where()
    if after_id is not None:
        where = and_(where, contacts.c.id > after_id)
        sort = "id"
    column = contacts.c[sort.lstrip("-")]
    descending = sort.startswith("-")
    statement = (
        select(*contacts.c, domains.c.domain)
        .join_from(contacts, domains, domains.c.id == contacts.c.domain_id)
        .where(where)
        .order_by(
            column.desc() if descending else column.asc(),
            contacts.c.id.desc() if descending else contacts.c.id.asc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def count_contacts(session: AsyncSession, contact_filter: ContactFilter) -> int:
    statement = select(func.count()).select_from(contacts).where(contact_filter.where())
    return int((await session.execute(statement)).scalar_one())


async def get_contact(session: AsyncSession, contact_id: int) -> dict[str, Any] | None:
    rows = await list_contacts(session, ContactFilter(ids=[contact_id]), limit=1)
    return rows[0] if rows else None


async def contacts_of_domain(
    session: AsyncSession, domain_id: int, *, limit: int = 200
) -> list[dict[str, Any]]:
    return await list_contacts(
        session, ContactFilter(domain_ids=[domain_id]), sort="value", limit=limit
    )
