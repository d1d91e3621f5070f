"""A real PgBouncer in transaction mode on 127.0.0.1, in front of the test server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _backend(url: URL) -> str:
    host = url.query.get("host") or url.host or "127.0.0.1"
    host = host if isinstance(host, str) else host[0]
    return f"host={host} port={url.port or 5432}"


@contextmanager
def run_pgbouncer(server: URL, *, pool_size: int = 10) -> Iterator[URL]:
    """Start PgBouncer (transaction pooling) for ``server``; yield the URL through it."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError("pgbouncer is not installed (make system-deps installs it)")
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="sky-pgbouncer-"))
    user = server.username or "postgres"
    (workdir / "userlist.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = {_backend(server)}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {workdir / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        "max_client_conn = 1000\n"
        "ignore_startup_parameters = extra_float_digits\n"
        "server_reset_query =\n"
    )
    workdir.chmod(0o755)
    for path in workdir.iterdir():
        path.chmod(0o644)
    command = [binary, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root; the embedded server's user
        command[1:1] = ["-u", "pgserver"]
    log = (workdir / "stderr.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"pgbouncer exited: {(workdir / 'stderr.log').read_text(errors='replace')}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield URL.create(
            "postgresql+asyncpg",
            username=user,
            password=server.password,
            host="127.0.0.1",
            port=port,
            database=server.database,
        )
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
