"""W3C datetime and RFC 822 parsing: every W3C form, the lenient extras, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scrapersky.web.lastmod import parse_feed_date, parse_lastmod

PLUS_2 = timezone(timedelta(hours=2))
PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
MINUS_5 = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # the six W3C forms (a date alone means midnight UTC)
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-17", datetime(2024, 5, 17, tzinfo=UTC)),
        ("2024-05-17T10:20Z", datetime(2024, 5, 17, 10, 20, tzinfo=UTC)),
        ("2024-05-17T10:20:30+02:00", datetime(2024, 5, 17, 10, 20, 30, tzinfo=PLUS_2)),
        ("2024-05-17T10:20:30.45-05:00", datetime(2024, 5, 17, 10, 20, 30, 450000, MINUS_5)),
        # forms seen in the corpus
        ("2022-06-08T15:23:00Z", datetime(2022, 6, 8, 15, 23, tzinfo=UTC)),
        ("2025-05-15T21:42:10+05:30", datetime(2025, 5, 15, 21, 42, 10, tzinfo=PLUS_0530)),
        ("2024-04-30T12:00:00.000Z", datetime(2024, 4, 30, 12, tzinfo=UTC)),
        # fractions beyond microseconds are cut, not rounded
        ("2024-05-17T10:20:30.123456789Z", datetime(2024, 5, 17, 10, 20, 30, 123456, UTC)),
        # lenient: lower case, a space, +hhmm, +hh, a comma, whitespace around
        ("2024-05-17t10:20:30z", datetime(2024, 5, 17, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-17 10:20:30+00:00", datetime(2024, 5, 17, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-17T10:20:30+0530", datetime(2024, 5, 17, 10, 20, 30, tzinfo=PLUS_0530)),
        ("2024-05-17T10:20+02", datetime(2024, 5, 17, 10, 20, tzinfo=PLUS_2)),
        ("2024-05-17T10:20:30,5Z", datetime(2024, 5, 17, 10, 20, 30, 500000, UTC)),
        ("  2024-05-17T10:20:30Z\n", datetime(2024, 5, 17, 10, 20, 30, tzinfo=UTC)),
    ],
)
def test_w3c_forms(value: str, expected: datetime) -> None:
    parsed, status = parse_lastmod(value)
    assert status == "ok"
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "value",
    ["2024-05-17T10:20", "2024-05-17T10:20:30", "2024-05-17 10:20:30.5", "2024-05-17t10:20"],
)
def test_a_time_without_timezone_is_not_guessed(value: str) -> None:
    assert parse_lastmod(value) == (None, "missing_tz")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "yesterday",
        "2024-13-01",
        "2024-02-30",
        "2024-05-17T25:00Z",
        "2024-05-17T10:61Z",
        "2024-05-17T10:20:30+25:00",
        "0000-01-01",
        "17/05/2024",
        "2024-5-17",
        "2024-05-17T10:20:30Zjunk",
        "2" * 200,
    ],
)
def test_invalid_values(value: str) -> None:
    assert parse_lastmod(value) == (None, "invalid")


@pytest.mark.parametrize(
    ("value", "expected", "status"),
    [
        ("Wed, 22 May 2025 10:00:00 +0000", datetime(2025, 5, 22, 10, tzinfo=UTC), "ok"),
        ("Wed, 08 Jun 2022 15:23:13 GMT", datetime(2022, 6, 8, 15, 23, 13, tzinfo=UTC), "ok"),
        ("Tue, 10 Jun 2003 04:00:00 EST", datetime(2003, 6, 10, 9, tzinfo=UTC), "ok"),
        ("10 Jun 2003 04:00:00 +0200", datetime(2003, 6, 10, 2, tzinfo=UTC), "ok"),
        ("2024-05-17T10:20:30Z", datetime(2024, 5, 17, 10, 20, 30, tzinfo=UTC), "ok"),
        ("Wed, 22 May 2025 10:00:00 -0000", None, "missing_tz"),
        ("Wed, 22 May 2025 10:00:00", None, "missing_tz"),
        ("not a date", None, "invalid"),
        ("", None, "invalid"),
    ],
)
def test_rss_pubdate(value: str, expected: datetime | None, status: str) -> None:
    parsed, got_status = parse_feed_date(value)
    assert got_status == status
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None
