"""Read domain names out of a CSV or TXT file: which column holds them, and the values.

values = list(read_domain_column(text, column=None))   # auto-detects the column
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from scrapersky.exceptions import InputError
from scrapersky.web.domains import try_normalize

# Header names that say "this column holds the domain", best first.
DOMAIN_HEADERS = (
    "domain",
    "domains",
    "domain_name",
    "website",
    "website_url",
    "url",
    "site",
    "host",
    "hostname",
    "homepage",
    "company_domain",
    "company_website",
    "web",
)
_SAMPLE_ROWS = 200


def _sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[: 64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _normalised_header(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def choose_column(rows: list[list[str]], column: str | None) -> tuple[int, bool]:
    """(column index, whether the first row is a header)."""
    if not rows:
        return 0, False
    header = [_normalised_header(cell) for cell in rows[0]]
    if column is not None:
        wanted = _normalised_header(column)
        if wanted in header:
            return header.index(wanted), True
        if column.isdigit() and int(column) >= 1:
            return int(column) - 1, False
        raise InputError(f"no column named {column!r}; the header is {rows[0]!r}")
    for name in DOMAIN_HEADERS:
        if name in header:
            return header.index(name), True
    # No telling header: take the column whose values most often look like domains.
    width = max(len(row) for row in rows[:_SAMPLE_ROWS])
    best, best_score = 0, -1
    for index in range(width):
        score = sum(
            1
            for row in rows[:_SAMPLE_ROWS]
            if index < len(row) and try_normalize(row[index])[0] is not None
        )
        if score > best_score:
            best, best_score = index, score
    first_is_header = try_normalize(rows[0][best] if best < len(rows[0]) else "")[0] is None
    return best, first_is_header


def read_domain_column(text: str, column: str | None = None) -> Iterator[str]:
    """Every value of the domain column (a TXT file is a one-column CSV)."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), _sniff_dialect(text))
    head: list[list[str]] = []
    for row in reader:
        if row and any(cell.strip() for cell in row):
            head.append(row)
        if len(head) >= _SAMPLE_ROWS:
            break
    index, has_header = choose_column(head, column)
    for position, row in enumerate(head):
        if position == 0 and has_header:
            continue
        yield row[index] if index < len(row) else ""
    for row in reader:
        if row and any(cell.strip() for cell in row):
            yield row[index] if index < len(row) else ""
