"""Domain normalisation: what users type, what we store, and why a row is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scrapersky.exceptions import InputError
from scrapersky.web.domains import (
    normalize_domain,
    normalize_many,
    registrable_domain,
    try_normalize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.com", "example.com"),
        ("  Example.COM  ", "example.com"),
        ("HTTPS://User:pw@WWW.Example.COM:8080/path?q#f", "example.com"),
        ("http://www.example.com/", "example.com"),
        ("//www.example.com/a", "example.com"),
        ("example.com.", "example.com"),
        ("example.com:443", "example.com"),
        ("https://example.com\\evil", "example.com"),
        ("straße.de", "xn--strae-oqa.de"),
        ("https://www.Straße.de/kontakt", "xn--strae-oqa.de"),
        ("saint-gilles-vieux-marché.net", "xn--saint-gilles-vieux-march-yfc.net"),
        ("www.xn--saint-gilles-vieux-march-yfc.net", "xn--saint-gilles-vieux-march-yfc.net"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        (
            "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25\uff0e\uff43\uff4f\uff4d",
            "example.com",
        ),  # full-width
        ("münchen.de", "xn--mnchen-3ya.de"),
        # subdomains other than www are distinct sites and stay
        ("ozarks.cgnnews.net", "ozarks.cgnnews.net"),
        ("https://flink.apache.org/", "flink.apache.org"),
        ("shop.example.co.uk", "shop.example.co.uk"),
        # PSL private section: a github.io user site is a site of its own
        ("1000kit.github.io", "1000kit.github.io"),
        ("https://afiiif.github.io/kode-wilayah-dan-pos/", "afiiif.github.io"),
        # "www." is kept when what remains would not be a site
        ("www.com", "www.com"),
        ("bdmamonotharhoma.co.il", "bdmamonotharhoma.co.il"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected
    assert try_normalize(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "reason_contains"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https:///path", "empty host"),
        ("127.0.0.1", "IP address"),
        ("http://10.0.0.1:8080/admin", "IP address"),
        ("[::1]", "IP address"),
        ("http://[2001:db8::1]:80/", "IP address"),
        ("::1", "IP address"),
        ("2130706433", "IP address"),
        ("0x7f.1", "IP address"),
        ("localhost", "special-use"),
        ("http://localhost:8000", "special-use"),
        ("app.localhost", "special-use"),
        ("printer.local", "special-use"),
        ("site.example", "special-use"),
        ("github.io", "public suffix"),
        ("co.uk", "public suffix"),
        ("com", "public suffix"),
        ("blogspot.com", "public suffix"),
        ("foo.notarealtld", "not under a known public suffix"),
        ("exa_mple.com", "invalid label"),
        ("-bad.com", "invalid label"),
        ("bad-.com", "invalid label"),
        ("a..b.com", "empty label"),
        ("a b.com", "whitespace"),
        ("x" * 64 + ".com", "longer than 63"),
        (".".join(["abcdefghi"] * 26) + ".com", "longer than 253"),
        ("xn--zz.com", "punycode"),
        ("exam\u200dple.com", "internationalised"),
        ("x" * 5000, "too long"),
    ],
)
def test_rejects_with_a_reason(raw: str, reason_contains: str) -> None:
    domain, reason = try_normalize(raw)
    assert domain is None
    assert reason is not None
    assert reason_contains in reason
    with pytest.raises(InputError, match=reason_contains):
        normalize_domain(raw)


def test_bulk_reports_duplicates_not_errors() -> None:
    rows = normalize_many(
        ["Example.com", "https://www.example.com/x", "localhost", "b.org", "b.org"]
    )
    assert [(row.domain, row.status) for row in rows] == [
        ("example.com", "ok"),
        ("example.com", "duplicate"),
        (None, "rejected"),
        ("b.org", "ok"),
        ("b.org", "duplicate"),
    ]
    assert rows[1].reason == "duplicate of example.com"
    assert rows[2].reason is not None
    assert "special-use" in rows[2].reason


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mail.example.co.uk", "example.co.uk"),
        ("www.example.com", "example.com"),
        ("EXAMPLE.com.", "example.com"),
        ("ozarks.cgnnews.net", "cgnnews.net"),
        ("1000kit.github.io", "1000kit.github.io"),
        ("straße.de", "xn--strae-oqa.de"),
        ("github.io", None),
        ("co.uk", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_registrable_domain(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


NO_NETWORK_SCRIPT = """
import sys

NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
           "socket.sendmsg", "urllib.Request"}

def refuse(event, args):
    if event in NETWORK:
        raise SystemExit(f"network access attempted: {event} {args}")

sys.addaudithook(refuse)
from scrapersky.web.domains import normalize_domain, registrable_domain
assert normalize_domain("https://forums.bbc.co.uk/") == "forums.bbc.co.uk"
assert registrable_domain("1000kit.github.io") == "1000kit.github.io"
print("ok")
"""


def test_public_suffix_list_is_never_fetched(tmp_path: Path) -> None:
    """A fresh interpreter that aborts on any socket use loads the PSL and normalises."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("TLDEXTRACT_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "ok"
    assert not any(tmp_path.iterdir()), "nothing may be cached to disk"


def test_corpus_hosts_normalise(corpus_dir: Path) -> None:
    """Every host in the corpus is a site; a www. host loses its www."""
    hosts = sorted(path.name for path in (corpus_dir / "sites").iterdir() if path.is_dir())
    assert len(hosts) == 40
    for host in hosts:
        assert normalize_domain(host) == host.removeprefix("www.")
