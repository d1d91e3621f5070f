"""W3C datetime (sitemap ``<lastmod>``) and RFC 822 (RSS ``<pubDate>``) parsing.

    parse_lastmod("2024-05-01T10:00:00+02:00")  # (datetime(2024, 5, 1, 10, 0, tzinfo=+02:00), "ok")
    parse_lastmod("2024-05-01T10:00:00")        # (None, "missing_tz")

Every W3C form is accepted: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, then ``Thh:mm``, ``:ss`` and
a fraction, each with ``Z`` or ``+hh:mm``/``-hh:mm``. A date without a time has no timezone in
W3C, so it means midnight UTC of that day. A time without a timezone is ambiguous and yields
``(None, "missing_tz")``; anything else unparseable yields ``(None, "invalid")``. Lenient extras
that real sitemaps use: a space instead of ``T``, lower-case ``t``/``z``, ``+hhmm``/``+hh``
offsets and a comma before the fraction. A datetime is never returned naive.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

LastmodStatus = Literal["ok", "missing_tz", "invalid"]

MAX_LASTMOD_CHARS = 64  # anything longer is not a date

_W3C = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?",
    re.ASCII,
)
_OFFSETS: dict[str, timezone] = {}


def parse_lastmod(value: str) -> tuple[datetime | None, LastmodStatus]:
    """Parse a W3C datetime into a timezone-aware datetime, or say why not."""
    if len(value) > 10 and value[4:5] == "-":
        try:  # the C fast path: an unpadded datetime with its timezone, nearly every real value
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed, "ok"
    text = value.strip()
    if not text or len(text) > MAX_LASTMOD_CHARS:
        return None, "invalid"
    if len(text) > 10 and text[4:5] == "-" and text[10:11] in ("T", " "):
        try:  # the C fast path covers nearly every real value
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return None, "missing_tz"
            return parsed, "ok"
    return _parse_w3c(text)


def parse_feed_date(value: str) -> tuple[datetime | None, LastmodStatus]:
    """Parse an RSS ``pubDate`` (RFC 822, e.g. ``Wed, 22 May 2025 10:00:00 +0000``).

    Feeds that put a W3C datetime there instead are understood too. ``-0000`` (RFC 2822's
    "timezone unknown") and unknown zone names count as a missing timezone.
    """
    text = value.strip()
    if not text or len(text) > MAX_LASTMOD_CHARS:
        return None, "invalid"
    if text[:1].isdigit() and text[4:5] == "-":
        return parse_lastmod(text)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return parse_lastmod(text)
    if parsed.tzinfo is None:
        return None, "missing_tz"
    return parsed, "ok"


def _parse_w3c(text: str) -> tuple[datetime | None, LastmodStatus]:
    match = _W3C.fullmatch(text)
    if match is None:
        return None, "invalid"
    year, month, day, hour = match["y"], match["mo"], match["d"], match["h"]
    if hour is not None and match["tz"] is None:
        return None, "missing_tz"
    try:
        if hour is None:
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC), "ok"
        fraction = match["f"] or ""
        return (
            datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(match["mi"]),
                int(match["s"] or 0),
                int(fraction[:6].ljust(6, "0")),
                tzinfo=_offset(match["tz"]),
            ),
            "ok",
        )
    except ValueError:  # month 13, day 32, hour 24, offset beyond 24 h ...
        return None, "invalid"


def _offset(designator: str) -> timezone:
    if designator in ("Z", "z"):
        return UTC
    zone = _OFFSETS.get(designator)
    if zone is None:
        digits = designator[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        delta = timedelta(minutes=-minutes if designator[0] == "-" else minutes)
        zone = UTC if not minutes else timezone(delta)  # raises ValueError beyond 24 h
        if len(_OFFSETS) < 256:
            _OFFSETS[designator] = zone
    return zone
