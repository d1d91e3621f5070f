"""One module per rule; importing this package registers every rule."""

from scrapersky.guard.audit.rules import (
    sky101_commit_in_managed_transaction,
    sky102_unmanaged_session,
    sky103_query_in_loop,
    sky201_io_while_transaction_open,
    sky202_blocking_call_in_async,
    sky301_invalid_set_statement,
    sky302_pooler_prepared_statements,
    sky303_startup_settings_through_pooler,
    sky401_unknown_enum_member,
)

__all__ = [
    "sky101_commit_in_managed_transaction",
    "sky102_unmanaged_session",
    "sky103_query_in_loop",
    "sky201_io_while_transaction_open",
    "sky202_blocking_call_in_async",
    "sky301_invalid_set_statement",
    "sky302_pooler_prepared_statements",
    "sky303_startup_settings_through_pooler",
    "sky401_unknown_enum_member",
]
