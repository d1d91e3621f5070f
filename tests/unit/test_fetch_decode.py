"""Capped Content-Encoding decoding: correct output, any chunking, bounded pieces."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from scrapersky.web.decode import STEP, ContentDecoder, DecodeError, decode_capped

TEXT = b"<url><loc>https://example.com/page</loc></url>\n" * 20_000 + bytes(range(256)) * 64


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


ENCODED = {
    "gzip": gzip.compress(TEXT),
    "x-gzip": gzip.compress(TEXT),
    "deflate": zlib.compress(TEXT),
    "br": brotli.compress(TEXT),
    "gzip, br": brotli.compress(gzip.compress(TEXT)),
    "identity": TEXT,
    None: TEXT,
}


@pytest.mark.parametrize("encoding", list(ENCODED))
@pytest.mark.parametrize("chunk", [1, 7, 1000, 65_536, 10_000_000])
def test_decodes_whatever_the_chunking(encoding: str | None, chunk: int) -> None:
    data = ENCODED[encoding]
    if chunk == 1 and len(data) > 50_000:
        data_chunks = [data[i : i + 1] for i in range(0, 50_000)] + [data[50_000:]]
    else:
        data_chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    decoder = ContentDecoder(encoding)
    pieces = [piece for part in data_chunks for piece in decoder.feed(part)]
    assert b"".join(pieces) == TEXT
    assert max(len(p) for p in pieces) <= 2 * STEP  # bounded pieces, whatever the ratio


def test_raw_deflate_as_some_servers_send_it() -> None:
    assert decode_capped(raw_deflate(TEXT), "deflate", len(TEXT)) == (TEXT, False)


def test_several_gzip_members() -> None:
    assert decode_capped(gzip.compress(b"a") + gzip.compress(b"b"), "gzip", 10) == (b"ab", False)


def test_cap_is_exact() -> None:
    body, truncated = decode_capped(ENCODED["br"], "br", 12_345)
    assert (len(body), truncated) == (12_345, True)
    assert body == TEXT[:12_345]


def test_unknown_encoding_is_left_as_sent() -> None:
    decoder = ContentDecoder("zstd")
    assert not decoder.known
    assert b"".join(decoder.feed(b"opaque")) == b"opaque"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_garbage_is_a_decode_error(encoding: str) -> None:
    with pytest.raises(DecodeError, match="invalid"):
        decode_capped(b"\x1f\x8b this is not compressed at all" * 10, encoding, 1000)
