"""The fee ledger, duty records (patrols and activities) and parents' feedback."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.domain.fees import LedgerKind
from app.models.base import created_at_column
from app.models.people import enum_column


class LedgerEntry(Base):
    """One movement of a student's fees in a term; append-only (a trigger refuses UPDATE and
    DELETE), so a statement is always the sum of its entries. `dedupe_key` makes every writer
    idempotent: billing twice, refunding one session twice or recording one payment twice
    writes one entry."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'charge' AND amount_fen > 0)"
            " OR (kind IN ('refund', 'payment') AND amount_fen < 0)"
            " OR (kind = 'settlement' AND amount_fen <> 0)",
            name="amount_sign_by_kind",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, "ledger_kind"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("care_session.id"))
    sessions: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, server_default="")
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = created_at_column()


class DutyKind(enum.StrEnum):
    PATROL = "patrol"  # 安全巡查 by the duty leader
    ACTIVITY = "activity"  # an activity a teacher organised


class DutyRecord(Base):
    """A duty leader's daily patrol record (with incident notes) or a teacher's activity."""

    __tablename__ = "duty_record"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[DutyKind] = mapped_column(enum_column(DutyKind, "duty_kind"))
    on_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    incidents: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()


class Feedback(Base):
    """A parent's message to the school (家长留言) and the staff's answer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
