"""Export encoding and text matching, pure functions (no database)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from scrapersky.db.enums import ContactKind
from scrapersky.db.queries.text_match import contains_pattern, escape_like, glob_to_like
from scrapersky.exceptions import InputError
from scrapersky.services.exports import csv_header, encode_rows, export_spec

COLUMNS = ("id", "value", "kind", "emails", "social", "created_at")


def test_csv_rows_round_trip_and_defuse_formulas() -> None:
    rows = [
        {
            "id": 1,
            "value": '=HYPERLINK("http://evil")',
            "kind": ContactKind.EMAIL,
            "emails": ["a@x.com", "b@x.com"],
            "social": {"x": "https://x.com/acme"},
            "created_at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
        {"id": 2, "value": "+1 (555) 010-0101", "kind": "phone", "emails": None},
        {"id": 3, "value": "-2+3", "kind": "phone"},
        {"id": 4, "value": "@SUM(A1)", "kind": "email"},
        {"id": 5, "value": 'quote " and, comma\nnewline', "kind": "email"},
    ]
    text = (csv_header(COLUMNS) + encode_rows(rows, COLUMNS, "csv")).decode()
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["value"] == '\'=HYPERLINK("http://evil")'
    assert parsed[0]["kind"] == "email"
    assert parsed[0]["emails"] == "a@x.com; b@x.com"
    assert json.loads(parsed[0]["social"]) == {"x": "https://x.com/acme"}
    assert parsed[0]["created_at"] == "2024-01-02T03:04:05+00:00"
    assert parsed[1]["value"] == "+1 (555) 010-0101"  # a phone number stays a phone number
    assert parsed[1]["emails"] == ""
    assert parsed[2]["value"] == "'-2+3"
    assert parsed[3]["value"] == "'@SUM(A1)"
    assert parsed[4]["value"] == 'quote " and, comma\nnewline'


def test_jsonl_rows_are_one_object_per_line_with_iso_dates() -> None:
    rows = [
        {"id": 7, "value": "ünïcode@x.de", "kind": ContactKind.EMAIL, "emails": ["a"],
         "created_at": datetime(2024, 5, 6, tzinfo=UTC)},
    ]  # fmt: skip
    lines = encode_rows(rows, COLUMNS, "jsonl").decode().splitlines()
    record = json.loads(lines[0])
    assert record == {
        "id": 7,
        "value": "ünïcode@x.de",
        "kind": "email",
        "emails": ["a"],
        "social": None,
        "created_at": "2024-05-06T00:00:00+00:00",
    }


def test_unknown_resource_or_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot export"):
        export_spec("users", "csv")
    with pytest.raises(InputError, match="csv or jsonl"):
        export_spec("contacts", "xlsx")


@pytest.mark.parametrize(
    ("glob", "like"),
    [
        ("*/contact*", "%/contact%"),
        ("https://a.com/?", "https://a.com/_"),
        ("*100%_off*", "%100\\%\\_off%"),
        ("C:\\path*", "C:\\\\path%"),
        ("  */about  ", "%/about"),
    ],
)
def test_glob_to_like(glob: str, like: str) -> None:
    assert glob_to_like(glob) == like


def test_contains_pattern_escapes_wildcards() -> None:
    assert contains_pattern(" 50%_off ") == "%50\\%\\_off%"
    assert escape_like("a\\b") == "a\\\\b"
