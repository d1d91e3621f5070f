"""Python enums bound to SQLAlchemy ``Enum`` columns, compared with the database's ``pg_enum``.

    report = await check_enums(database)                     # ScraperSky's own schema
    report = await check_enums(database, load_models("app.models"))  # another codebase

What is compared is what SQLAlchemy will SEND: ``Enum.enums``. With ``values_callable``
(ScraperSky's ``pg_enum()``) those are the members' values; a plain ``Enum(PyEnum)`` sends
member NAMES - the usual source of ``COMPLETED`` vs ``completed`` bugs. Findings:

- critical: the type is missing, or a Python label is not in Postgres (inserts fail), or a
  label differs only by case (it is missing too; called out so the cause is obvious);
- warning: a Postgres label unknown to Python (reading such a row raises LookupError);
- info: the labels they share are in a different order (ORDER BY and < compare differently).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import registry as orm_registry
from sqlalchemy.types import ARRAY, TypeDecorator, TypeEngine

from scrapersky.db.engine import Database
from scrapersky.db.queries.health import EnumTypeRow, enum_types
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError, SchemaDriftError

log = logging.getLogger("scrapersky.guard.enums")


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class BoundEnum:
    """One Postgres enum type as the Python side declares it."""

    name: str
    schema: str | None
    labels: tuple[str, ...]  # what SQLAlchemy sends, in declaration order
    python_enum: str | None  # "module.Class", or None for Enum("a", "b", name=...)
    stores: str  # "values" | "names" | "strings" | "custom"
    member_values: tuple[str, ...] = ()  # the Python members' values, for the names hint
    columns: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Finding:
    severity: Severity
    kind: str  # missing_type | missing_values | case_mismatch | extra_values | order
    type_name: str
    message: str
    values: tuple[str, ...] = ()


@dataclass
class TypeComparison:
    bound: BoundEnum
    database_labels: tuple[str, ...] | None  # None: the type does not exist
    findings: list[Finding] = field(default_factory=list)


@dataclass
class EnumSyncReport:
    source: str
    types: list[TypeComparison]
    skipped: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [finding for compared in self.types for finding in compared.findings]

    @property
    def critical(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.CRITICAL]

    @property
    def drift(self) -> bool:
        """Critical or warning findings; an order difference alone is not drift."""
        return any(f.severity is not Severity.INFO for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "drift": self.drift,
            "counts": {s.value: sum(f.severity is s for f in self.findings) for s in Severity},
            "types": [
                {
                    **asdict(compared.bound),
                    "qualified_name": compared.bound.qualified_name,
                    "database_labels": compared.database_labels,
                    "findings": [asdict(f) for f in compared.findings],
                }
                for compared in self.types
            ],
            "skipped": self.skipped,
        }


# -- discovery --------------------------------------------------------------------------


def _enum_types_in(type_: TypeEngine[Any]) -> Iterator[SAEnum]:
    if isinstance(type_, SAEnum):
        yield type_
    elif isinstance(type_, TypeDecorator):
        yield from _enum_types_in(type_.impl_instance)
    elif isinstance(type_, ARRAY):
        yield from _enum_types_in(type_.item_type)


def _describe(enum_type: SAEnum) -> tuple[str | None, str, tuple[str, ...]]:
    labels = tuple(enum_type.enums)
    enum_class = enum_type.enum_class
    if enum_class is None:
        return None, "strings", ()
    members = list(enum_class)
    values = tuple(str(m.value) for m in members)
    if labels == tuple(m.name for m in members):
        stores = "names"
    elif labels == values:
        stores = "values"
    else:
        stores = "custom"
    return f"{enum_class.__module__}.{enum_class.__qualname__}", stores, values


def bound_enums(metadatas: Iterable[MetaData]) -> tuple[list[BoundEnum], list[str]]:
    """Every native enum type used by a column (also inside ARRAY or a TypeDecorator).

    Returns the types, merged per (schema, name, labels), and notes on what was skipped.
    """
    found: dict[tuple[str | None, str, tuple[str, ...]], BoundEnum] = {}
    skipped: list[str] = []
    for metadata in metadatas:
        for table in metadata.tables.values():
            for column in table.columns:
                where = f"{table.fullname}.{column.name}"
                for enum_type in _enum_types_in(column.type):
                    if not enum_type.native_enum:
                        skipped.append(f"{where}: non-native Enum (VARCHAR + CHECK), no pg type")
                        continue
                    if not enum_type.name:
                        skipped.append(f"{where}: Enum without a name")
                        continue
                    python_enum, stores, values = _describe(enum_type)
                    key = (enum_type.schema, enum_type.name, tuple(enum_type.enums))
                    previous = found.get(key)
                    columns = (*previous.columns, where) if previous else (where,)
                    found[key] = BoundEnum(
                        name=enum_type.name,
                        schema=enum_type.schema,
                        labels=key[2],
                        python_enum=python_enum,
                        stores=stores,
                        member_values=values,
                        columns=columns,
                    )
    return sorted(found.values(), key=lambda b: (b.schema or "", b.name)), skipped


def _metadata_of(obj: object) -> MetaData | None:
    if isinstance(obj, MetaData):
        return obj
    if isinstance(obj, orm_registry | Table):
        return obj.metadata
    if isinstance(obj, type):  # DeclarativeBase / declarative_base() / SQLModel classes
        candidate = getattr(obj, "metadata", None)
        if isinstance(candidate, MetaData):
            return candidate
    return None


def load_models(spec: str) -> list[MetaData]:
    """The MetaData objects of ``package.module`` or of one attribute (``package.module:Base``).

    Without an attribute, every module-level MetaData, ``registry``, ``Table`` or class with
    a ``metadata`` attribute (declarative bases and mapped classes) counts. Import the module
    that defines or imports all models - the one Alembic's env.py uses.
    """
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # their import-time code can raise anything
        raise InputError(
            f"--models {spec}: cannot import {module_name!r} ({type(exc).__name__}: {exc})"
        ) from exc
    if attribute:
        if not hasattr(module, attribute):
            raise InputError(f"--models {spec}: module {module_name!r} has no {attribute!r}")
        candidates: list[object] = [getattr(module, attribute)]
    else:
        candidates = list(vars(module).values())
    found: dict[int, MetaData] = {}
    for candidate in candidates:
        metadata = _metadata_of(candidate)
        if metadata is not None:
            found.setdefault(id(metadata), metadata)
    if not found:
        raise InputError(
            f"--models {spec}: no SQLAlchemy MetaData, declarative base or registry found; "
            "point it at the module that defines or imports your models"
        )
    return list(found.values())


# -- comparison -------------------------------------------------------------------------


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _locate(bound: BoundEnum, rows: list[EnumTypeRow]) -> EnumTypeRow | None:
    for row in rows:
        if row.name != bound.name:
            continue
        if (bound.schema is None and row.visible) or row.schema == bound.schema:
            return row
    return None


def _missing_type(bound: BoundEnum, rows: list[EnumTypeRow]) -> Finding:
    hints = []
    for row in rows:
        if row.name.lower() != bound.name.lower():
            continue
        if row.name != bound.name:
            hints.append(f"{row.schema}.{row.name} exists - the type name differs in case")
        elif bound.schema is None:
            hints.append(f"{row.schema}.{row.name} exists but is not on the search_path")
        else:
            hints.append(f"{row.schema}.{row.name} exists in another schema")
    hint = f" ({'; '.join(hints)})" if hints else ""
    return Finding(
        Severity.CRITICAL,
        "missing_type",
        bound.qualified_name,
        f"enum type {bound.qualified_name} (used by {', '.join(bound.columns)}) does not exist "
        f"in the database{hint}; run the pending migrations or create it in a new one",
    )


def compare(bound: BoundEnum, database_labels: tuple[str, ...]) -> list[Finding]:
    """Findings for one type that exists: missing, case-only, extra and order differences."""
    name = bound.qualified_name
    in_db = set(database_labels)
    in_python = set(bound.labels)
    missing = [label for label in bound.labels if label not in in_db]
    extra = [label for label in database_labels if label not in in_python]
    pairs: list[tuple[str, str]] = []
    for label in list(missing):
        twins = [other for other in extra if other.casefold() == label.casefold()]
        if len(twins) == 1:
            pairs.append((label, twins[0]))
            missing.remove(label)
            extra.remove(twins[0])
    findings: list[Finding] = []
    names_hint = ""
    if bound.stores == "names" and in_db & (set(bound.member_values) - in_python):
        names_hint = (
            f"; SQLAlchemy sends the member NAMES of {bound.python_enum} but Postgres "
            "holds their values - pass values_callable=lambda e: [m.value for m in e]"
        )
    if pairs:
        findings.append(
            Finding(
                Severity.CRITICAL,
                "case_mismatch",
                name,
                f"{name}: labels differ only in case (Python vs Postgres): "
                + ", ".join(f"{py!r} vs {db!r}" for py, db in pairs)
                + f"; writing the Python value fails{names_hint}",
                tuple(py for py, _ in pairs),
            )
        )
    if missing:
        findings.append(
            Finding(
                Severity.CRITICAL,
                "missing_values",
                name,
                f"{name}: Python value(s) {_quoted(missing)} missing in Postgres; writing them "
                f"fails (add with ALTER TYPE {name} ADD VALUE ...){names_hint}",
                tuple(missing),
            )
        )
    if extra:
        findings.append(
            Finding(
                Severity.WARNING,
                "extra_values",
                name,
                f"{name}: Postgres value(s) {_quoted(extra)} unknown to "
                f"{bound.python_enum or 'the Python Enum'}; reading such a row fails",
                tuple(extra),
            )
        )
    python_order = [label for label in bound.labels if label in in_db]
    database_order = [label for label in database_labels if label in in_python]
    if python_order != database_order:
        findings.append(
            Finding(
                Severity.INFO,
                "order",
                name,
                f"{name}: shared labels are ordered differently (Python {python_order} vs "
                f"Postgres {database_order}); ORDER BY and < follow the Postgres order",
            )
        )
    return findings


async def check_enums(
    database: Database, metadatas: Iterable[MetaData] | None = None, *, source: str | None = None
) -> EnumSyncReport:
    """Compare every enum-bound column type with pg_enum (one catalog query)."""
    if metadatas is None:
        from scrapersky.db.schema import metadata as own_metadata

        metadatas, source = [own_metadata], source or "scrapersky.db.schema"
    bound, skipped = bound_enums(metadatas)
    async with transaction(database) as session:
        rows = await enum_types(session, [b.name for b in bound])
    report = EnumSyncReport(source or "models", [], skipped)
    for declared in bound:
        row = _locate(declared, rows)
        if row is None:
            report.types.append(TypeComparison(declared, None, [_missing_type(declared, rows)]))
        else:
            report.types.append(TypeComparison(declared, row.labels, compare(declared, row.labels)))
    return report


async def verify_enums_on_start(database: Database) -> EnumSyncReport:
    """Start-up hook: raise SchemaDriftError (and dispose the engine) on critical drift.

    Warnings and info are logged; they do not stop start-up.
    """
    report = await check_enums(database)
    for finding in report.findings:
        if finding.severity is not Severity.CRITICAL:
            level = logging.WARNING if finding.severity is Severity.WARNING else logging.INFO
            log.log(level, finding.message, extra={"action": "enum_drift", "kind": finding.kind})
    if report.critical:
        await database.dispose()
        details = "; ".join(f.message for f in report.critical)
        raise SchemaDriftError(
            f"the database's enum types do not match the Python enums: {details}. "
            "Run the migrations (scrapersky db upgrade) or fix the enum; "
            "`scrapersky check enums` shows the full report "
            "(SCRAPERSKY_CHECK_ENUMS_ON_START=false starts anyway)."
        )
    return report
