"""Contacts scan statements: save found contacts, count them, add homepage rows.

    added = await insert_contacts(session, [ContactRow(7, 31, "email", "info@a.com", "corporate",
                                                       "https://a.com/contact")])
    await add_contact_counts(session, added); await set_contacts_found(session, {31: 1})

Contacts are unique per (domain, kind, value): ``ON CONFLICT DO NOTHING`` keeps the first page
that showed a value, and a redelivered batch inserts nothing. ``domains.contact_count`` grows
by the rows each insert really added (its RETURNING), so it stays exact under concurrent
workers and redelivery. The listing statements live in ``contacts.py`` (API).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.pages import PageFilter, set_page_curation
from scrapersky.db.schema import domains, pages


@dataclass(frozen=True)
class ContactRow:
    domain_id: int
    page_id: int | None
    kind: str  # email, phone
    value: str  # email lower-cased, phone E.164
    email_type: str | None  # service, corporate, free, unknown; None for phones
    source_url: str | None


_INSERT_CONTACTS = text(
    "INSERT INTO contacts (domain_id, page_id, kind, value, email_type, source_url) "
    "SELECT v.domain_id, v.page_id, CAST(v.kind AS contact_kind), v.value, "
    "CAST(v.email_type AS email_type), v.source_url "
    "FROM unnest(CAST(:domain_ids AS bigint[]), CAST(:page_ids AS bigint[]), "
    "CAST(:kinds AS text[]), CAST(:values AS text[]), CAST(:email_types AS text[]), "
    "CAST(:source_urls AS text[])) "
    "AS v(domain_id, page_id, kind, value, email_type, source_url) "
    "ORDER BY v.domain_id, v.kind, v.value, v.page_id "
    "ON CONFLICT (domain_id, kind, value) DO NOTHING "
    "RETURNING domain_id"
)


async def domain_names(session: AsyncSession, domain_ids: Iterable[int]) -> dict[int, str]:
    """id -> domain name, for the given ids (one statement)."""
    ids = sorted(set(domain_ids))
    if not ids:
        return {}
    result = await session.execute(
        select(domains.c.id, domains.c.domain).where(domains.c.id.in_(ids))
    )
    return {int(row.id): str(row.domain) for row in result}


async def insert_contacts(session: AsyncSession, rows: Sequence[ContactRow]) -> dict[int, int]:
    """Insert the contacts not already known; returns domain id -> rows really added."""
    if not rows:
        return {}
    result = await session.execute(
        _INSERT_CONTACTS,
        {
            "domain_ids": [r.domain_id for r in rows],
            "page_ids": [r.page_id for r in rows],
            "kinds": [r.kind for r in rows],
            "values": [r.value for r in rows],
            "email_types": [r.email_type for r in rows],
            "source_urls": [r.source_url for r in rows],
        },
    )
    return dict(Counter(int(domain_id) for domain_id in result.scalars()))


async def add_contact_counts(session: AsyncSession, added: Mapping[int, int]) -> None:
    """``domains.contact_count += n`` for each domain (id order: one lock order)."""
    params = [{"b_id": d, "b_n": n} for d, n in sorted(added.items()) if n]
    if not params:
        return
    await session.execute(
        update(domains)
        .where(domains.c.id == bindparam("b_id"))
        .values(contact_count=domains.c.contact_count + bindparam("b_n"), updated_at=func.now()),
        params,
    )


async def set_contacts_found(session: AsyncSession, found: Mapping[int, int]) -> None:
    """``pages.contacts_found`` = contacts seen on that page in its latest scan."""
    params = [{"b_id": p, "b_n": n} for p, n in sorted(found.items())]
    if not params:
        return
    await session.execute(
        update(pages)
        .where(pages.c.id == bindparam("b_id"))
        .values(contacts_found=bindparam("b_n"), updated_at=func.now()),
        params,
    )


async def ensure_homepage_pages(session: AsyncSession, domain_ids: Sequence[int]) -> list[int]:
    """A ``pages`` row for each domain's homepage (its final URL after the metadata stage,
    else ``https://<domain>/``), inserted when missing; returns those pages' ids."""
    if not domain_ids:
        return []
    homepage = func.coalesce(domains.c.final_url, literal("https://") + domains.c.domain + "/")
    wanted = select(domains.c.id, homepage).where(domains.c.id.in_(sorted(set(domain_ids))))
    await session.execute(
        pg_insert(pages)
        .from_select(["domain_id", "url"], wanted)
        .on_conflict_do_nothing(index_elements=["domain_id", "url"])
    )
    result = await session.execute(
        select(pages.c.id)
        .join(domains, domains.c.id == pages.c.domain_id)
        .where(and_(pages.c.domain_id.in_(sorted(set(domain_ids))), pages.c.url == homepage))
        .order_by(pages.c.id)
    )
    return list(result.scalars())


# Paths where businesses publish contact details, in the languages the pipeline meets most.
LIKELY_CONTACT_GLOBS: tuple[str, ...] = (
    "*/contact*", "*/kontakt*", "*/contacto*", "*/contatti*", "*/contato*", "*/kontakty*",
    "*/about*", "*/ueber-uns*", "*/uber-uns*", "*/a-propos*", "*/qui-sommes-nous*",
    "*/quienes-somos*", "*/sobre*", "*/chi-siamo*", "*/over-ons*", "*/team*", "*/equipe*",
    "*/staff*", "*/people*", "*/impressum*", "*/imprint*", "*/legal*", "*/mentions-legales*",
    "*/aviso-legal*", "*/note-legali*", "*/colofon*",
)  # fmt: skip


async def queue_likely_contact_pages(
    session: AsyncSession, domain_ids: Sequence[int], *, per_domain: int
) -> tuple[int, int]:
    """Select each domain's homepage (added as a page when missing) and up to
    ``per_domain - 1`` pages whose URL looks like a contact, about, team or legal page, among
    pages nobody curated yet; returns (selected, queued for a scan)."""
    if not domain_ids:
        return 0, 0
    fresh = [CurationStatus.NEW]
    homepages = await ensure_homepage_pages(session, domain_ids)
    updated, queued = await set_page_curation(
        session, PageFilter(ids=homepages, curation_status=fresh), CurationStatus.SELECTED
    )
    if per_domain > 1:
        more_updated, more_queued = await set_page_curation(
            session,
            PageFilter(
                domain_ids=list(domain_ids),
                curation_status=fresh,
                url_patterns=LIKELY_CONTACT_GLOBS,
                top_per_domain=per_domain - 1,
            ),
            CurationStatus.SELECTED,
        )
        updated, queued = updated + more_updated, queued + more_queued
    return updated, queued
