"""Extractor throughput: homepage metadata vs a bare selectolax parse, contacts on big pages.

    .venv/bin/python bench/bench_extractors.py            # about 30 s on 2 cores
    SCRAPERSKY_CORPUS_DIR=/path/to/corpus .venv/bin/python bench/bench_extractors.py --rounds 5

Measured side by side in one process, rounds interleaved (bare, extractor, bare, ...), median
round reported:
1. ``extract_metadata`` on every corpus homepage vs ``LexborHTMLParser(html).css_first("title")``
   on the same bytes (selectolax 1.0 removed the Modest ``HTMLParser``; Lexbor is its successor);
2. ``extract_contacts`` on generated 2 MB and 5 MB pages (MB of HTML per second; text beyond
   ``contacts.MAX_TEXT_CHARS`` is not scanned, which is the point of the cap);
3. ``normalize_many`` on 100,000 generated domain rows.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from scrapersky.web.contacts import extract_contacts
from scrapersky.web.domains import normalize_many
from scrapersky.web.html_meta import extract_metadata

ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    return Path(os.environ.get("SCRAPERSKY_CORPUS_DIR") or ROOT.parent / "shared" / "corpus")


def load_homepages(corpus: Path) -> list[tuple[str, bytes]]:
    pages = []
    for path in sorted((corpus / "sites").glob("**/index.html")):
        relative = path.relative_to(corpus / "sites")
        folder = "/".join(relative.parts[1:-1])
        base = f"https://{relative.parts[0]}/" + (folder + "/" if folder else "")
        pages.append((base, path.read_bytes()))
    return pages


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bare_parse(pages: list[tuple[str, bytes]]) -> None:
    for _, body in pages:
        LexborHTMLParser(body).css_first("title")


def full_extract(pages: list[tuple[str, bytes]]) -> None:
    for base, body in pages:
        extract_metadata(body, base)


WORDS = [
    "our", "team", "serves", "the", "county", "since", "1998", "prices", "from", "$49.99",
    "zip", "30022", "open", "daily", "call", "for", "a", "free", "estimate", "licensed",
]  # fmt: skip


def generated_page(size: int, seed: int) -> bytes:
    """A business page: prose with years, prices and zip codes; contacts at top, middle, foot."""
    rng = random.Random(seed)
    parts = [
        "<html lang=en-US><head><title>Generated</title></head><body>",
        '<header><a href="mailto:info@acme-widgets.com">Email</a> '
        '<a href="tel:+17703353900">(770) 335-3900</a></header>',
    ]
    total = 0
    index = 0
    while total < size:
        index += 1
        text = " ".join(rng.choice(WORDS) for _ in range(80))
        if index % 500 == 0:
            text += f" Write to office{index}@acme-widgets.com or call (404) 555-{index:04d}."
        chunk = f"<div class=card><h3>Section {index}</h3><p>{text}</p></div>\n"
        parts.append(chunk)
        total += len(chunk)
    parts.append(
        "<footer>sales [at] acme-widgets [dot] com, +1 678 555 0199</footer></body></html>"
    )
    return "".join(parts).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per side")
    args = parser.parse_args()

    corpus = corpus_dir()
    if not (corpus / "sites").is_dir():
        sys.exit(f"corpus not found at {corpus} (set SCRAPERSKY_CORPUS_DIR)")
    pages = load_homepages(corpus)
    corpus_mb = sum(len(body) for _, body in pages) / 1e6
    full_extract(pages)  # warm-up: PSL snapshot, phone metadata, regex compilation
    bare_parse(pages)

    bare_times, extract_times = [], []
    for _ in range(args.rounds):
        bare_times.append(timed(lambda: bare_parse(pages)))
        extract_times.append(timed(lambda: full_extract(pages)))
    bare_s = statistics.median(bare_times)
    extract_s = statistics.median(extract_times)
    bare_rate = len(pages) / bare_s
    extract_rate = len(pages) / extract_s
    print(f"corpus homepages: {len(pages)} pages, {corpus_mb:.2f} MB, {args.rounds} rounds each")
    print(f"  bare parse + <title>: {bare_rate:8.1f} pages/s {corpus_mb / bare_s:7.1f} MB/s")
    print(f"  extract_metadata    : {extract_rate:8.1f} pages/s {corpus_mb / extract_s:7.1f} MB/s")
    print(f"  extractor / bare    : {extract_rate / bare_rate:8.4f} (bare parse is "
          f"{bare_rate / extract_rate:.1f}x faster)")  # fmt: skip

    url = "https://www.acme-widgets.com/"
    contact_rates: dict[str, float] = {}
    for label, size in (("2mb", 2 * 1024 * 1024), ("5mb", 5 * 1024 * 1024)):
        body = generated_page(size, seed=size)
        found = extract_contacts(body, url)
        runs = [timed(lambda page=body: extract_contacts(page, url)) for _ in range(3)]
        seconds = statistics.median(runs)
        contact_rates[label] = len(body) / 1e6 / seconds
        print(f"extract_contacts, {len(body) / 1e6:.1f} MB page: {seconds * 1000:7.1f} ms "
              f"{contact_rates[label]:6.1f} MB/s ({len(found.emails)} emails, "
              f"{len(found.phones)} phones)")  # fmt: skip

    rng = random.Random(5)
    suffixes = ["com", "co.uk", "de", "fr", "github.io"]
    rows = [f"https://WWW.Shop{i}-{rng.randrange(10**6)}.{rng.choice(suffixes)}/path?q=1"
            for i in range(100_000)]  # fmt: skip
    rows[::10] = [f"straße-{i}.de" for i in range(0, 100_000, 10)]  # every tenth row is an IDN
    domains_s = timed(lambda: normalize_many(rows))
    domains_rate = len(rows) / domains_s
    print(f"normalize_many: {len(rows):,} rows (10% IDN) in {domains_s:.2f} s "
          f"= {domains_rate:,.0f} domains/s")  # fmt: skip

    print(json.dumps({
        "bench": "extractors",
        "pages": len(pages),
        "extract_pages_per_s": round(extract_rate, 1),
        "bare_parse_pages_per_s": round(bare_rate, 1),
        "extract_vs_bare_ratio": round(extract_rate / bare_rate, 4),
        "contacts_mb_per_s_2mb": round(contact_rates["2mb"], 2),
        "contacts_mb_per_s_5mb": round(contact_rates["5mb"], 2),
        "domains_per_s": round(domains_rate),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
