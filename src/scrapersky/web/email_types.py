"""Classify a found email address for the ``contacts.email_type`` column.

    classify_email("noreply@shop.example.co.uk", "shop.example.co.uk")  # "service"
    classify_email("jane@gmail.com", "example.com")  # "free"

Precedence, first match wins:
1. ``service``: a role or system sender (noreply, no-reply, postmaster, mailer-daemon, ...),
   whatever its domain. A ``+tag`` is ignored: ``noreply+news@x.com`` is a service address.
2. ``free``: a consumer mailbox provider from ``data/free_email_providers.txt``.
3. ``corporate``: the email's registrable domain is the site's registrable domain
   (``info@mail.example.com`` on ``www.example.com``).
4. ``unknown``: anything else (another company's domain, a domain without a public suffix).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

from scrapersky.web.domains import registrable_domain

EmailType = Literal["service", "corporate", "free", "unknown"]

SERVICE_LOCAL_PARTS = frozenset(
    {
        "noreply",
        "no-reply",
        "no_reply",
        "no.reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "dontreply",
        "mailer-daemon",
        "mailerdaemon",
        "postmaster",
        "hostmaster",
        "abuse",
        "bounce",
        "bounces",
        "daemon",
        "root",
        "notifications",
        "notification",
        "notify",
        "automailer",
        "autoreply",
        "auto-reply",
    }
)
_SERVICE_PREFIXES = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "bounce-")


@functools.cache
def free_email_providers() -> frozenset[str]:
    """The consumer mailbox domains, read once from the packaged data file."""
    text = (
        resources.files("scrapersky.web")
        .joinpath("data/free_email_providers.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def is_service_local(local: str) -> bool:
    base = local.lower().split("+", 1)[0]
    return base in SERVICE_LOCAL_PARTS or base.startswith(_SERVICE_PREFIXES)


def is_free_provider(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    providers = free_email_providers()
    if domain in providers:
        return True
    registrable = registrable_domain(domain)
    return registrable is not None and registrable in providers


def classify_email(email: str, site_domain: str) -> EmailType:
    """``service``, ``free``, ``corporate`` or ``unknown`` (see the module docstring)."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return "unknown"
    if is_service_local(local):
        return "service"
    if is_free_provider(domain):
        return "free"
    email_site = registrable_domain(domain)
    if email_site is not None and email_site == registrable_domain(site_domain):
        return "corporate"
    return "unknown"
