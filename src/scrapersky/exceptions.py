"""Every error a user can see, with a stable code and a plain-English default message.

    ScraperSkyError
    ├── ConfigurationError          bad settings; names the variable
    ├── DatabaseError
    │   ├── DatabaseUnavailable     cannot reach or start PostgreSQL
    │   ├── NestedTransactionError  transaction() opened inside another
    │   └── SchemaDriftError        Python enums and pg_enum disagree
    ├── GuardViolation              a runtime guard caught an anti-pattern (strict mode)
    │   ├── ConnectionHeldTooLong   a connection was held past the threshold
    │   └── NetworkInTransaction    network I/O attempted while a transaction is open
    ├── FetchRefused                the web layer refused a URL before sending anything
    └── InputError                  user input that cannot be accepted (bad domain, bad CSV)

A class's docstring is its default message.
"""

from __future__ import annotations


class ScraperSkyError(Exception):
    """ScraperSky failed."""

    code = "error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or self.code).strip())

    @property
    def message(self) -> str:
        return str(self.args[0])


class ConfigurationError(ScraperSkyError):
    """The configuration is invalid."""

    code = "configuration"


class DatabaseError(ScraperSkyError):
    """The database failed."""

    code = "database"


class DatabaseUnavailable(DatabaseError):
    """PostgreSQL cannot be reached or started."""

    code = "database_unavailable"


class NestedTransactionError(DatabaseError):
    """transaction() was opened while this task already has one open; use the outer session."""

    code = "nested_transaction"


class SchemaDriftError(DatabaseError):
    """The database's enum types do not match the Python enums."""

    code = "schema_drift"


class GuardViolation(ScraperSkyError):
    """A runtime guard caught a database-session anti-pattern."""

    code = "guard"


class ConnectionHeldTooLong(GuardViolation):
    """A database connection was held longer than the configured threshold."""

    code = "connection_held_too_long"


class NetworkInTransaction(GuardViolation):
    """Network I/O was attempted while this task holds an open database transaction."""

    code = "network_in_transaction"


class FetchRefused(ScraperSkyError):
    """The URL was refused before any request was sent."""

    code = "fetch_refused"


class InputError(ScraperSkyError):
    """The input cannot be accepted."""

    code = "input"
