"""Publications (公示) of a term's lists and the objections families raise to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column, enum_column


class PublicationKind(enum.StrEnum):
    COURSES = "courses"  # opened extension courses with their rosters
    CARE_GROUPS = "care_groups"  # approved basic-care groups


class Publication(Base):
    """A list published (公示) for a period, frozen as it was when published."""

    __tablename__ = "publication"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="period_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    kind: Mapped[PublicationKind] = mapped_column(enum_column(PublicationKind, "publication_kind"))
    title: Mapped[str] = mapped_column(String(100))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()


class Objection(Base):
    """An objection to a publication (异议), answered by the school."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
