"""Planted contacts and decoys of a generated site, and the forms they are written in.

plan = plan_contacts(random.Random("1:42:contacts"), ident, pageset, homepage_ok=True)
[(c.value, c.email_type, c.placements[0].form) for c in plan.contacts]
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass, field

import phonenumbers

from .gen_identity import Identity, free_email, make_phone, unknown_email
from .gen_pages import PagePlan, PageSet
from .gen_truth import SERVICE_LOCAL_PARTS, classify_email

EN_DASH = "\u2013"
EMAIL_FORMS = ("mailto", "text", "entities", "at_dot_brackets", "at_dot_parens", "cloudflare")
PHONE_FORMS = ("tel_link", "text_national", "text_international")
_REGISTRATION = {
    "GB": "Company No. {d8}", "FR": "SIRET {d3} {d3} {d3} {d5}", "BE": "BTW BE 0{d3}.{d3}.{d3}",
    "DE": "USt-IdNr.: DE{d9}", "AT": "UID: ATU{d8}", "CH": "UID: CHE-{d3}.{d3}.{d3}",
    "ES": "CIF: B{d8}", "MX": "RFC: {up}{d6}{up}", "NL": "KvK {d8}", "US": "EIN {d2}-{d7}",
    "CA": "BN {d9}", "AU": "ABN {d2} {d3} {d3} {d3}", "IE": "CRO {d6}", "NZ": "NZBN 94{d11}",
}  # fmt: skip


@dataclass
class PlannedContact:
    value: str
    kind: str  # email, phone
    email_type: str | None
    label: str
    placements: list[tuple[str, str, str]] = field(default_factory=list)  # (path, form, html)


@dataclass
class ContactPlan:
    contacts: list[PlannedContact]
    items: dict[str, list[tuple[str, str]]]  # page path -> (label, html) lines of its contact block
    notes: dict[str, list[str]]  # page path -> extra HTML paragraphs (service note, agency credit)
    jsonld: dict[str, str]  # "email"/"telephone" -> value written into the homepage JSON-LD
    decoys: list[tuple[str, str, str, str]]  # (text, kind, path, reason)
    copyright: str  # "2004-2024", with an en dash or a hyphen (a phone-like decoy)
    build_version: str  # "4.12.3" (a phone-like decoy)
    sentry_dsn: str | None
    cloudflare: bool = False


def cf_encode(email: str, key: int) -> str:
    """Cloudflare's email obfuscation: key byte, then each character XOR key, all as hex."""
    return f"{key:02x}" + "".join(f"{ord(ch) ^ key:02x}" for ch in email)


def render_email(form: str, email: str, rng: random.Random) -> str:
    local, _, domain = email.partition("@")
    if form == "mailto":
        return f'<a href="mailto:{email}">{email}</a>'
    if form == "text":
        return email
    if form == "entities":
        if rng.random() < 0.5:
            return f"{local}&#64;{domain}"
        return "".join(f"&#{ord(ch)};" for ch in email)
    if form == "at_dot_brackets":
        return f"{local} [at] {domain.replace('.', ' [dot] ')}"
    if form == "at_dot_parens":
        return f"{local}(at){domain.replace('.', '(dot)')}"
    if form == "cloudflare":
        code = cf_encode(email, rng.randrange(1, 256))
        if rng.random() < 0.5:
            return (
                f'<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
                f'data-cfemail="{code}">[email&#160;protected]</a>'
            )
        return (
            f'<a href="/cdn-cgi/l/email-protection#{code}"><span class="__cf_email__" '
            f'data-cfemail="{code}">[email&#160;protected]</span></a>'
        )
    raise ValueError(f"unknown email form {form!r}")


def _phone_display(e164: str, region: str, rng: random.Random, international: bool) -> str:
    number = phonenumbers.parse(e164)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if international:
        candidates = [intl]
        if region in ("DE", "AT", "CH") and national.startswith("0"):
            candidates.append(f"+{number.country_code} (0){national[1:]}")
    else:
        candidates = [national]
        if region in ("FR", "BE"):
            candidates.append(national.replace(" ", "."))
        if region in ("DE", "AT"):
            candidates.append(national.replace(" ", "/", 1))
        if region in ("US", "CA"):
            candidates.append(national.replace("(", "").replace(") ", "-"))
    display = rng.choice(candidates)
    if display in (intl, national):  # phonenumbers' own formats always parse back
        return display
    found = [m.number for m in phonenumbers.PhoneNumberMatcher(display, region)]
    if [phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in found] != [
        e164
    ]:
        return intl
    return display


def render_phone(form: str, e164: str, region: str, rng: random.Random) -> str:
    if form == "tel_link":
        number = phonenumbers.parse(e164)
        href = rng.choice(
            (e164, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)[4:])
        )
        display = _phone_display(e164, region, rng, international=rng.random() < 0.3)
        return f'<a href="tel:{href}">{display}</a>'
    return _phone_display(e164, region, rng, international=form == "text_international")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


@functools.lru_cache(maxsize=8192)
def not_a_phone(text: str, region: str) -> bool:
    """Neither PhoneNumberMatcher nor a digits-only parse sees a valid number in ``text``."""
    if any(True for _ in phonenumbers.PhoneNumberMatcher(text, region)):
        return False
    digits = "".join(ch for ch in text if ch.isdigit())
    for candidate in (digits, "+" + digits):
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                return False
        except phonenumbers.NumberParseException:
            continue
    return True


def _phone_like_decoy(rng: random.Random, region: str, make: str) -> str:
    for _ in range(100):
        if make == "registration":
            text = _REGISTRATION[region].format_map(_Digits(rng))
        elif make == "copyright":
            text = f"{rng.randrange(1985, 2015)}{rng.choice((EN_DASH, '-'))}2024"
        else:
            text = f"{rng.randrange(2, 9)}.{rng.randrange(0, 20)}.{rng.randrange(0, 40)}"
        if not_a_phone(text, region):
            return text
    raise RuntimeError("could not draw a decoy that is not a phone number")  # pragma: no cover


class _Digits(dict[str, str]):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "up":
            return "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return _digits(self.rng, int(key[1:]))


def plan_contacts(
    rng: random.Random, ident: Identity, pageset: PageSet, homepage_ok: bool
) -> ContactPlan:
    """Plant emails and phones on the contact pages (and the homepage when it is served)."""
    lang, domain, region = ident.lang, ident.domain, ident.country.region
    roles = pageset.by_role
    contact_path = roles["contact"].path
    home = "/" if homepage_ok else None
    contacts: list[PlannedContact] = []
    items: dict[str, list[tuple[str, str]]] = {}
    notes: dict[str, list[str]] = {}
    jsonld: dict[str, str] = {}
    taken: set[str] = set()

    def place(contact: PlannedContact, path: str, form: str) -> None:
        if contact.kind == "email":
            html = render_email(form, contact.value, rng)
        else:
            html = render_phone(form, contact.value, region, rng)
        contact.placements.append((path, form, html))
        items.setdefault(path, []).append((contact.label, html))

    def email(value: str, label: str) -> PlannedContact:
        contact = PlannedContact(value, "email", classify_email(value, domain), label)
        contacts.append(contact)
        return contact

    def phone(mobile: bool, label: str) -> PlannedContact:
        contact = PlannedContact(make_phone(rng, region, mobile, taken), "phone", None, label)
        contacts.append(contact)
        return contact

    main = email(f"{rng.choice(lang.corporate_locals)}@{domain}", lang.ui["email"])
    place(main, contact_path, rng.choice(EMAIL_FORMS))
    main_phone = phone(False, lang.ui["phone"])
    place(main_phone, contact_path, rng.choice(PHONE_FORMS))
    if home:
        place(main, home, rng.choice(("mailto", "text", "cloudflare", "entities")))
        place(main_phone, home, "tel_link")
        if rng.random() < 0.6:
            jsonld["email"] = main.value
            main.placements.append((home, "jsonld", json.dumps(main.value)))
        if rng.random() < 0.6:
            shown = _phone_display(main_phone.value, region, rng, international=True)
            jsonld["telephone"] = shown
            main_phone.placements.append((home, "jsonld", json.dumps(shown, ensure_ascii=False)))
    if "legal" in roles:
        legal = roles["legal"].path
        place(main, legal, rng.choice(("at_dot_parens", "at_dot_brackets", "entities", "text")))
        place(main_phone, legal, rng.choice(("text_national", "text_international")))
    if rng.random() < 0.5:
        place(phone(True, lang.ui["phone"]), contact_path, rng.choice(PHONE_FORMS))
    if "team" in roles:
        for _ in range(rng.randrange(1, 4)):
            first, last = rng.choice(lang.first_names), rng.choice(lang.last_names)
            value = f"{first}.{last}@{domain}" if rng.random() < 0.6 else f"{first}@{domain}"
            if value not in {c.value for c in contacts}:
                person = email(value, f"{first.title()} {last.replace('-', ' ').title()}")
                place(person, roles["team"].path, rng.choice(EMAIL_FORMS))
    if rng.random() < 0.08:
        place(email(f"bookings@mail.{domain}", "Bookings"), contact_path, rng.choice(EMAIL_FORMS))
    if rng.random() < 0.4:
        owner = email(free_email(rng, ident), lang.ui["email"])
        place(owner, rng.choice((contact_path, roles["about"].path)), rng.choice(EMAIL_FORMS))
    if rng.random() < 0.45:
        local = rng.choice(sorted(SERVICE_LOCAL_PARTS))
        service_domain = domain if rng.random() < 0.75 else unknown_email(rng)[1].split("@")[1]
        service = email(f"{local}@{service_domain}", "")
        html = render_email(rng.choice(("text", "mailto", "entities")), service.value, rng)
        service.placements.append((contact_path, "note", html))
        notes.setdefault(contact_path, []).append(lang.ui["noreply_note"].format(email=html))
    if rng.random() < 0.4:
        agency, value = unknown_email(rng)
        if value not in {c.value for c in contacts}:
            credit = email(value, agency)
            path = home or roles["about"].path
            html = render_email(rng.choice(("mailto", "text")), value, rng)
            credit.placements.append((path, "note", html))
            text = lang.ui["agency_credit"].format(agency=agency)
            notes.setdefault(path, []).append(f"{text} \u2013 {html}")
    for contact in contacts:  # the note placements render as their inner form
        contact.placements = [
            (path, _note_form(html) if form == "note" else form, html)
            for path, form, html in contact.placements
        ]

    decoys, copyright_years, build_version, sentry = _decoys(rng, ident, roles, home, contacts)
    return ContactPlan(
        contacts=contacts,
        items=items,
        notes=notes,
        jsonld=jsonld,
        decoys=decoys,
        copyright=copyright_years,
        build_version=build_version,
        sentry_dsn=sentry,
        cloudflare=any(f == "cloudflare" for c in contacts for _, f, _ in c.placements),
    )


def _decoys(
    rng: random.Random,
    ident: Identity,
    roles: dict[str, PagePlan],
    home: str | None,
    contacts: list[PlannedContact],
) -> tuple[list[tuple[str, str, str, str]], str, str, str | None]:
    """Contact look-alikes: (decoys, copyright years, version string, Sentry DSN)."""
    region = ident.country.region
    contact_path = roles["contact"].path
    registration_path = roles.get("legal", roles["contact"]).path
    decoys = [
        (_phone_like_decoy(rng, region, "registration"), "phone", registration_path,
         "company registration number"),
    ]  # fmt: skip
    copyright_years = _phone_like_decoy(rng, region, "copyright")
    build_version = _phone_like_decoy(rng, region, "version")
    sentry = None
    if home:
        decoys.append((copyright_years, "phone", home, "copyright year range"))
        decoys.append((build_version, "phone", home, "version string"))
        if rng.random() < 0.4:
            key = "".join(rng.choice("0123456789abcdef") for _ in range(32))
            if ident.platform.key == "wix":
                host = "sentry.wixpress.com"
                sentry = f"https://{key}@{host}/{rng.randrange(10, 99)}"
            else:
                host = f"o{rng.randrange(100000, 999999)}.ingest.sentry.io"
                sentry = f"https://{key}@{host}/{rng.randrange(1000000, 9999999)}"
            decoys.append((f"{key}@{host}", "email", home, "error-tracker DSN"))
    code_page = roles.get("faq", roles["contact"]).path
    decoys.append(("user@example.com", "email", code_page, "example address in a code sample"))
    if rng.random() < 0.6:
        decoys.append(("you@example.com", "email", contact_path, "form placeholder"))
    # The header logo's srcset is on every page; list it wherever the truth lists anything.
    listed = [home] if home else []
    listed += [path for c in contacts for path, _, _ in c.placements] + [d[2] for d in decoys]
    for path in dict.fromkeys(listed):
        decoys.append(("logo@2x.png", "email", path, "retina image file name"))
    return decoys, copyright_years, build_version, sentry


def _note_form(html: str) -> str:
    if html.startswith("<a"):
        return "mailto"
    return "entities" if "&#" in html else "text"
