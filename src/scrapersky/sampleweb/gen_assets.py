"""Tiny static assets for generated sites: a real 1x1 PNG, an ICO, CSS, JS and the cfemail decoder.

body, content_type = asset("png")
body[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
"""

from __future__ import annotations

import struct
import zlib


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixels = zlib.compress(b"\x00\x2a\x6f\x97\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _ico(png: bytes) -> bytes:
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 1, 1, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


PNG = _png_1x1()
ICO = _ico(PNG)

# Decodes Cloudflare-obfuscated addresses in a browser, like Cloudflare's own email-decode.min.js.
CF_DECODER = (
    b"!function(){function d(h){var k=parseInt(h.substr(0,2),16),s='';"
    b"for(var i=2;i<h.length;i+=2)s+=String.fromCharCode(parseInt(h.substr(i,2),16)^k);return s}"
    b"document.querySelectorAll('[data-cfemail]').forEach(function(e){"
    b"e.textContent=d(e.getAttribute('data-cfemail'))});"
    b"document.querySelectorAll('a[href^=\"/cdn-cgi/l/email-protection#\"]').forEach(function(a){"
    b"a.href='mailto:'+d(a.getAttribute('href').split('#')[1])})}();\n"
)

_ASSETS: dict[str, tuple[bytes, str]] = {
    "png": (PNG, "image/png"),
    "ico": (ICO, "image/x-icon"),
    "css": (b"body{font-family:system-ui,sans-serif}\n", "text/css; charset=utf-8"),
    "js": (b"document.documentElement.classList.add('js');\n", "application/javascript"),
    "cfjs": (CF_DECODER, "application/javascript"),
}


def asset(kind: str) -> tuple[bytes, str]:
    return _ASSETS[kind]
