"""A stand-in for another codebase's models: ``scrapersky check enums --models
tests.support.enum_models``. The tests create (or leave out) the Postgres types themselves.

- ``ticket_state``: plain ``Enum(TicketState)`` - SQLAlchemy sends member NAMES (OPEN).
- ``ticket_priority``: ``values_callable`` - SQLAlchemy sends the values (low).
- ``ticket_source``: never created by the tests - a missing type.
- ``legacy_kind``: ``native_enum=False`` - VARCHAR + CHECK, nothing to compare.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TicketState(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class TicketPriority(enum.Enum):
    LOW = "low"
    HIGH = "high"


class TicketSource(enum.Enum):
    EMAIL = "email"
    PHONE = "phone"


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[TicketState] = mapped_column(Enum(TicketState, name="ticket_state"))
    priority: Mapped[TicketPriority] = mapped_column(
        Enum(
            TicketPriority,
            name="ticket_priority",
            values_callable=lambda members: [m.value for m in members],
        )
    )
    source: Mapped[TicketSource] = mapped_column(Enum(TicketSource, name="ticket_source"))
    legacy_kind: Mapped[str] = mapped_column(
        Enum("a", "b", name="legacy_kind", native_enum=False, length=8)
    )


# The statements that create the types this module's models expect, minus the missing one.
CREATE_TYPES = (
    "CREATE TYPE ticket_state AS ENUM ('open', 'closed')",  # values, but SQLAlchemy sends NAMES
    "CREATE TYPE ticket_priority AS ENUM ('low', 'high')",
)
