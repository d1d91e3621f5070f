"""Tokens, signed UI cookies, CSRF tokens and the loopback-only rule (no database)."""

from __future__ import annotations

import time

import pytest

from scrapersky.api.auth import SessionCodec, UiSession, configured_token, tokens_match
from scrapersky.api.serve import check_bind, is_loopback_host
from scrapersky.api.ui.middleware import without_empty_values
from scrapersky.exceptions import ConfigurationError
from tests.support.database import make_test_settings


def test_login_cookie_is_signed_and_bound_to_the_token() -> None:
    codec = SessionCodec("token-one", ttl_s=3600)
    cookie = codec.issue_login()
    assert "token-one" not in cookie
    assert codec.login_valid(cookie)
    assert not SessionCodec("token-two", ttl_s=3600).login_valid(cookie)  # new token: logged out
    payload, _, signature = cookie.rpartition(".")
    assert not codec.login_valid(payload + "." + signature[::-1])
    sid, _, expiry = payload.partition(".")
    assert not codec.login_valid(f"{sid}.{int(expiry) + 9999}.{signature}")  # cannot extend
    assert not codec.login_valid(None)
    assert not codec.login_valid("x" * 1000)


def test_login_cookie_expires() -> None:
    codec = SessionCodec("t", ttl_s=3600)
    codec.ttl_s = -1
    assert not codec.login_valid(codec.issue_login())


def test_csrf_token_belongs_to_one_browser() -> None:
    codec = SessionCodec(None, ttl_s=60)
    first = codec.csrf_id(codec.issue_csrf_id())
    second = codec.csrf_id(codec.issue_csrf_id())
    assert first
    assert second
    assert first != second
    mine, theirs = UiSession(first, False), UiSession(second, False)
    assert codec.csrf_ok(mine, codec.csrf_token(mine))
    assert not codec.csrf_ok(theirs, codec.csrf_token(mine))
    assert not codec.csrf_ok(mine, None)
    assert not codec.csrf_ok(mine, "")
    assert codec.csrf_id("forged.signature") is None
    # a login cookie is not a CSRF id and vice versa (different signing purposes)
    locked = SessionCodec("t", ttl_s=60)
    assert locked.csrf_id(locked.issue_login()) is None
    assert not locked.login_valid(locked.issue_csrf_id())


def test_without_a_token_the_ui_is_open_but_with_one_it_needs_a_login() -> None:
    assert SessionCodec(None, 60).allowed(UiSession("c", authenticated=False))
    assert not SessionCodec("t", 60).allowed(UiSession("c", authenticated=False))
    assert SessionCodec("t", 60).allowed(UiSession("c", authenticated=True))


def test_token_compare_and_blank_token_means_none() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abd", "abc")
    assert not tokens_match("ключ", "abc")  # non-ASCII input compares, never raises
    assert configured_token(make_test_settings(api_token="")) is None
    assert configured_token(make_test_settings(api_token="s")) == "s"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_public_bind_needs_a_token() -> None:
    with pytest.raises(ConfigurationError, match="SCRAPERSKY_API_TOKEN"):
        check_bind(make_test_settings(), "0.0.0.0")
    check_bind(make_test_settings(api_token="secret"), "0.0.0.0")
    check_bind(make_test_settings(), "127.0.0.1")


def test_empty_filter_fields_are_dropped_from_ui_queries() -> None:
    query = b"q=&curation_status=&metadata_status=error&limit=50&url_pattern=%2A%2Fcontact%2A"
    assert without_empty_values(query) == (
        b"metadata_status=error&limit=50&url_pattern=%2A%2Fcontact%2A"
    )


def test_issued_cookies_are_short() -> None:
    codec = SessionCodec("t", ttl_s=60)
    started = time.perf_counter()
    cookies = [codec.issue_login() for _ in range(1000)]
    assert all(len(c) < 120 for c in cookies)
    assert len(set(cookies)) == 1000
    assert time.perf_counter() - started < 5
