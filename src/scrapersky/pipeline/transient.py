"""Which database errors are worth retrying: the server went away, is restarting, or a
transaction lost a race. Anything else is a bug or bad data and must surface.

    if is_transient_db_error(exc): back off and retry
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from scrapersky.exceptions import DatabaseUnavailable

# 08xxx connection exceptions are matched by class prefix.
TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "53300",  # too_many_connections
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown: "terminating connection due to administrator command"
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: "the database system is starting up / shutting down"
    }
)
_CLOSED_WORDS = ("connection is closed", "connection was closed", "underlying connection")


def _sqlstate(error: BaseException) -> str | None:
    for attribute in ("sqlstate", "pgcode"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def is_transient_db_error(error: BaseException) -> bool:
    """True for connection loss, server restarts, pool exhaustion, deadlocks and timeouts."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OSError | TimeoutError | sa_exc.TimeoutError | DatabaseUnavailable):
            return True
        if type(current).__name__ in ("ConnectionDoesNotExistError", "ConnectionFailureError"):
            return True
        state = _sqlstate(current)
        if state and (state in TRANSIENT_SQLSTATES or state.startswith("08")):
            return True
        if "InterfaceError" in type(current).__name__ and any(
            word in str(current).lower() for word in _CLOSED_WORDS
        ):
            return True
        nested = getattr(current, "orig", None)
        current = current.__cause__ or (nested if isinstance(nested, BaseException) else None)
    return False


def describe_db_error(error: BaseException) -> str:
    """One line: the innermost driver error, which says what actually happened."""
    inner: BaseException = error
    seen: set[int] = set()
    while id(inner) not in seen:
        seen.add(id(inner))
        nested = inner.__cause__ or getattr(inner, "orig", None)
        if not isinstance(nested, BaseException):
            break
        inner = nested
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    return f"{type(inner).__name__}: {text}"[:300]
