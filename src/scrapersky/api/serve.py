"""Serving the app with uvicorn, refusing a public bind without a token.

check_bind(settings, "0.0.0.0")   # raises ConfigurationError when no token is set
serve(settings, "127.0.0.1", 8000)
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterator

import uvicorn

from scrapersky.api.auth import configured_token
from scrapersky.exceptions import ConfigurationError
from scrapersky.settings import Settings


def is_loopback_host(host: str) -> bool:
    """True only for loopback addresses and the name ``localhost``; any other name is public."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    if is_loopback_host(host) or configured_token(settings) is not None:
        return
    raise ConfigurationError(
        f"refusing to listen on {host!r} without SCRAPERSKY_API_TOKEN: anyone who can reach "
        "that address could read and change your data. Set SCRAPERSKY_API_TOKEN (and serve "
        "over https with SCRAPERSKY_API_COOKIE_SECURE=true), or listen on 127.0.0.1."
    )


def make_server(
    settings: Settings,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    own_signals: bool = True,
) -> uvicorn.Server:
    """A uvicorn server for an app whose database the caller has opened.

    ``own_signals=False`` leaves SIGINT/SIGTERM to the caller (``scrapersky run`` drains its
    workers first; uvicorn would otherwise re-raise the signal after shutting down).
    """
    from scrapersky.api.app import create_app

    check_bind(settings, host)
    config = uvicorn.Config(
        create_app(settings, manage_database=False),
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config) if own_signals else _CallerOwnsSignals(config)


class _CallerOwnsSignals(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def serve(settings: Settings, host: str, port: int, *, log_level: str = "info") -> None:
    """Run the API and UI until interrupted (the app opens and closes the database)."""
    from scrapersky.api.app import create_app

    check_bind(settings, host)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
    )
