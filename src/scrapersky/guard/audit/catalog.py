"""What the audit knows about third-party APIs, as qualified names.

kind_of_type("sqlalchemy.ext.asyncio.AsyncSession")  # "session"
"httpx.AsyncClient.get" in ASYNC_IO                  # True
"""

from __future__ import annotations

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

ASYNC_HTTP_CLIENTS = frozenset(
    {"httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession"}
)
SYNC_HTTP_CLIENTS = frozenset(
    {"httpx.Client", "requests.Session", "requests.sessions.Session", "urllib3.PoolManager"}
)

# Awaiting these waits on the network, a timer or a child process.
ASYNC_IO = frozenset(
    {f"{client}.{verb}" for client in ASYNC_HTTP_CLIENTS for verb in (*_HTTP_VERBS, "send")}
    | {"aiohttp.ClientSession.ws_connect", "aiohttp.request"}
    | {
        "asyncio.sleep",
        "anyio.sleep",
        "trio.sleep",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "asyncio.subprocess.create_subprocess_exec",
        "asyncio.subprocess.create_subprocess_shell",
        "asyncio.open_connection",
        "anyio.run_process",
        "anyio.open_process",
        "anyio.connect_tcp",
        "websockets.connect",
    }
)
# Entered with ``async with``: the block waits on the network.
ASYNC_IO_CONTEXTS = frozenset(
    {f"{client}.stream" for client in ASYNC_HTTP_CLIENTS} | {"aiohttp.ClientSession.get"}
)

SYNC_NETWORK = frozenset(
    {f"requests.{verb}" for verb in _HTTP_VERBS}
    | {f"httpx.{verb}" for verb in (*_HTTP_VERBS, "stream")}
    | {f"{client}.{verb}" for client in SYNC_HTTP_CLIENTS for verb in (*_HTTP_VERBS, "send")}
    | {
        "urllib.request.urlopen",
        "urllib3.request",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    }
)
SYNC_SLEEP = frozenset({"time.sleep"})
SYNC_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.waitpid",
    }
)
SYNC_FILE = frozenset(
    {
        "builtins.open",
        "io.open",
        "pathlib.Path.open",
        "pathlib.Path.read_text",
        "pathlib.Path.read_bytes",
        "pathlib.Path.write_text",
        "pathlib.Path.write_bytes",
        "shutil.copyfile",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copytree",
        "shutil.rmtree",
    }
)
# Slow I/O that must not happen while a transaction is open (SKY201), called without await.
SYNC_SLOW_IO = SYNC_NETWORK | SYNC_SLEEP | SYNC_SUBPROCESS
# Calls that block the event loop inside ``async def`` (SKY202).
BLOCKING = SYNC_SLOW_IO | SYNC_FILE

# Awaiting these awaits whatever coroutines are passed to them.
AWAIT_WRAPPERS = frozenset(
    {"asyncio.gather", "asyncio.wait_for", "asyncio.shield", "asyncio.wait", "asyncio.timeout"}
)
# These run a callable (first positional argument, or second for run_in_executor) in a thread.
THREAD_RUNNERS = frozenset({"asyncio.to_thread", "anyio.to_thread.run_sync"})

SESSION_TYPE_NAMES = frozenset({"AsyncSession", "Session"})
CONNECTION_TYPE_NAMES = frozenset({"AsyncConnection", "Connection", "PoolConnectionProxy"})
ENGINE_TYPE_NAMES = frozenset({"AsyncEngine", "Engine"})
FACTORY_TYPE_NAMES = frozenset({"async_sessionmaker", "sessionmaker"})
POOL_TYPE_NAMES = frozenset({"Pool"})
_DB_LIBRARIES = ("sqlalchemy", "sqlmodel", "asyncpg")

ENGINE_CONSTRUCTORS = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
        "sqlmodel.create_engine",
    }
)
ASYNCPG_CONNECT = frozenset({"asyncpg.connect", "asyncpg.connection.connect"})
ASYNCPG_POOL = frozenset({"asyncpg.create_pool", "asyncpg.pool.create_pool"})

# Methods of a session or connection that make a database round trip.
DB_ROUNDTRIP = frozenset(
    {
        "execute",
        "exec",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "stream",
        "stream_scalars",
        "merge",
        "refresh",
        "fetch",
        "fetchrow",
        "fetchval",
        "exec_driver_sql",
    }
)
# Round trips that also start a transaction on an autobegin session.
DB_OPENING = DB_ROUNDTRIP | frozenset({"flush", "connection", "run_sync", "executemany"})
DB_ENDING = frozenset({"commit", "rollback", "close"})
CONTEXT_MANAGER_DECORATORS = frozenset({"asynccontextmanager", "contextmanager"})


def kind_of_type(qualified: str | None) -> str | None:
    """Classify a qualified type name: session, connection, engine, factory, pool,
    http_async, http_sync, path, or None."""
    if not qualified:
        return None
    if qualified in ASYNC_HTTP_CLIENTS:
        return "http_async"
    if qualified in SYNC_HTTP_CLIENTS:
        return "http_sync"
    if qualified in ("pathlib.Path", "pathlib.PosixPath"):
        return "path"
    head, _, last = qualified.rpartition(".")
    if not head.startswith(_DB_LIBRARIES):
        return None
    if last in SESSION_TYPE_NAMES:
        return "session"
    if last in CONNECTION_TYPE_NAMES:
        return "connection"
    if last in ENGINE_TYPE_NAMES:
        return "engine"
    if last in FACTORY_TYPE_NAMES:
        return "factory"
    if last in POOL_TYPE_NAMES:
        return "pool"
    return None


def is_async_db_type(qualified: str) -> bool:
    return "asyncio" in qualified or qualified.startswith("asyncpg") or "Async" in qualified


# Constructors whose result has a known type (calls not listed return the class itself).
CONSTRUCTOR_RESULTS = {
    "requests.session": "requests.Session",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.engine.Engine",
    "sqlmodel.create_engine": "sqlalchemy.engine.Engine",
    "asyncpg.connect": "asyncpg.Connection",
    "asyncpg.create_pool": "asyncpg.Pool",
}
