"""Basic-care groups (编班) of a term and their members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    SmallInteger,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.schedule import Period
from app.models.base import PERIOD_KNOWN, Base, created_at_column, period_column


class CareGroup(Base):
    """A basic-care group (编班) of a term."""

    __tablename__ = "care_group"
    __table_args__ = (
        UniqueConstraint("term_id", "period", "number"),
        CheckConstraint(PERIOD_KNOWN, name="period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    period: Mapped[Period] = period_column()
    number: Mapped[int] = mapped_column(SmallInteger)
    grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    created_at: Mapped[datetime] = created_at_column()


class CareGroupMember(Base):
    __tablename__ = "care_group_member"
    # A child is in one group of each period: the period is the group's, kept here for the key.
    __table_args__ = (
        UniqueConstraint("term_id", "student_id", "period"),
        CheckConstraint(PERIOD_KNOWN, name="period_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("care_group.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    period: Mapped[Period] = period_column()
