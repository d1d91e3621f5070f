"""SKY401 eval: references to enum members that do not exist.

Expected findings are trailing comments; every other line must stay clean.
"""

import enum
from enum import Enum, StrEnum


class Status(str, Enum):
    pending = "pending"
    processing = "processing"
    complete = "complete"
    error = "error"

    @property
    def finished(self) -> bool:
        return self in (Status.complete, Status.error)

    @classmethod
    def parse(cls, raw: str) -> "Status":
        return cls(raw)


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Curation(StrEnum):
    NEW = "new"
    SELECTED = "selected"


Kind = Enum("Kind", "EMAIL PHONE")


def finished(row) -> bool:
    return row.status in (Status.Completed, Status.Error)  # SKY401: 27, SKY401: 45


def colours():
    return Color.BLUE  # SKY401


def subscript():
    return Status["Completed"]  # SKY401


def functional():
    return Kind.ADDRESS  # SKY401


def curated(row):
    return row.curation == Curation.selected  # SKY401


# --- traps: none of these may be flagged ---------------------------------------------------
def valid(row):
    return (
        Status.complete,
        Status.error.value,
        Status.pending.name,
        Status.parse("error"),
        Status.__members__,
        Status._value2member_map_,
        Color.RED,
        Kind.EMAIL,
        Curation.SELECTED,
        Status["pending"],
    )


def shadowed(Status):
    return Status.Completed


class NotAnEnum:
    pending = 1


def not_enum():
    return NotAnEnum.missing


def in_strings():
    """Status.Completed"""
    # Status.Completed
    return "Status.Completed"
