"""Which column of a CSV/TXT holds the domains, and what comes out of it."""

from __future__ import annotations

import pytest

from scrapersky.exceptions import InputError
from scrapersky.services.domain_file import read_domain_column


def test_plain_text_one_per_line() -> None:
    assert list(read_domain_column("example.com\n\nacme.org\n")) == ["example.com", "acme.org"]


def test_header_named_website_is_chosen() -> None:
    text = "Company,Website,Employees\nAcme,https://acme.com,10\nBeta,beta.io,5\n"
    assert list(read_domain_column(text)) == ["https://acme.com", "beta.io"]


def test_unlabelled_columns_pick_the_one_that_looks_like_domains() -> None:
    text = "Acme;acme.com;10\nBeta;beta.io;5\nGamma;gamma.de;7\n"
    assert list(read_domain_column(text)) == ["acme.com", "beta.io", "gamma.de"]


def test_explicit_column_by_name_and_number() -> None:
    text = "name,primary,secondary\nAcme,acme.com,acme.net\n"
    assert list(read_domain_column(text, "secondary")) == ["acme.net"]
    assert list(read_domain_column("a.com,b.com\nc.com,d.com\n", "2")) == ["b.com", "d.com"]


def test_unknown_column_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no column named 'nope'"):
        list(read_domain_column("domain\nacme.com\n", "nope"))


def test_bom_and_short_rows() -> None:
    text = "\ufeffdomain,note\nacme.com\nbeta.io,x\n"
    assert list(read_domain_column(text)) == ["acme.com", "beta.io"]
