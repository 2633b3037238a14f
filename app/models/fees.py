"""The fee ledger: charges, payments and refunds of each student, in fen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.fees import LedgerKind
from app.domain.schedule import Period
from app.models.base import Base, created_at_column, enum_column, string_enum


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
        CheckConstraint(
            "care_period IS NULL OR (care_period IN ('after_school', 'midday')"
            " AND course_id IS NULL AND kind IN ('charge', 'refund'))",
            name="care_period_known",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, "ledger_kind"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("care_session.id"))
    # Set on an entry for basic care (a term charging it): the period of the place it is for.
    care_period: Mapped[Period | None] = mapped_column(string_enum(Period))
    sessions: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, server_default="")
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = created_at_column()
