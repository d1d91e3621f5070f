"""The embedded PostgreSQL: a real server from the ``pgserver`` wheel, used when no
DATABASE_URL is set. Its data directory persists across runs; the server stops when the
last process that started it exits.

    url = start_embedded(settings.embedded_db_path)   # postgresql://postgres@/postgres?host=...
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from scrapersky.exceptions import DatabaseUnavailable

log = logging.getLogger("scrapersky.db")

_servers: dict[Path, Any] = {}
_lock = threading.Lock()


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the embedded server in ``pgdata``; return a libpq URL for it."""
    pgdata = pgdata.expanduser().resolve()
    with _lock:
        server = _servers.get(pgdata)
        if server is None:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
                warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
                import pgserver  # imported lazily: only the embedded mode needs it
            pgdata.mkdir(parents=True, exist_ok=True)
            log.info(
                "starting embedded PostgreSQL",
                extra={"action": "embedded_start", "pgdata": str(pgdata)},
            )
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
                    server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
            except Exception as exc:
                raise DatabaseUnavailable(
                    f"could not start the embedded PostgreSQL in {pgdata}: {exc} "
                    f"(see {pgdata / 'log'})"
                ) from exc
            _servers[pgdata] = server
        return str(server.get_uri())


def embedded_socket_dir(pgdata: Path) -> str | None:
    """The Unix socket directory of a running embedded server, if any."""
    server = _servers.get(pgdata.expanduser().resolve())
    if server is None:
        return None
    info = server.get_postmaster_info()
    return str(info.socket_dir) if getattr(info, "socket_dir", None) else None


def embedded_system_user() -> str | None:
    """pgserver runs postgres as a dedicated 'pgserver' user when started as root."""
    return "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
