"""The ORM base with its constraint naming convention, and the column helpers every model uses:
timestamps as timestamptz, optimistic versions, enums stored by value."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Enum,
    Integer,
    MetaData,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.domain.schedule import Period

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Versioned:
    """Optimistic concurrency: every UPDATE checks and bumps `version`; a stale one fails."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_type, name=name, values_callable=lambda members: [m.value for m in members])


def string_enum(enum_type: type[enum.Enum]) -> Enum:
    """An enum stored by value in a string column, checked by a CHECK of the table's own (a
    later value is a new CHECK, not an ALTER TYPE)."""
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=12,
        values_callable=lambda members: [m.value for m in members],
    )


def period_column() -> Mapped[Period]:
    """When in the day an offering meets."""
    return mapped_column(string_enum(Period), server_default=Period.AFTER_SCHOOL.value)


PERIOD_KNOWN = "period IN ('after_school', 'midday')"
