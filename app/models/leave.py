"""Parents' leave requests (请假) and the steps the attendance policies take."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.attendance import PolicyAction
from app.domain.statuses import LeaveState
from app.models.base import Base, created_at_column, enum_column


class LeaveRequest(Base):
    """A parent's written request for leave (请假), asked in advance, decided by the class
    teacher."""

    __tablename__ = "leave_request"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="days_in_order"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[LeaveState] = mapped_column(
        enum_column(LeaveState, "leave_state"), server_default=LeaveState.PENDING.value
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()


class PolicyStep(Base):
    """A step an attendance policy took for a student, once each: a warning, a place treated as
    given up (视作自动放弃), a dismissal (劝退) proposed to the school, and its decision."""

    __tablename__ = "policy_step"
    __table_args__ = (UniqueConstraint("term_id", "student_id", "action", "place"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    action: Mapped[PolicyAction] = mapped_column(enum_column(PolicyAction, "policy_action"))
    # "course:<id>", "care" (the basic-care place) or "" (the student as a whole).
    place: Mapped[str] = mapped_column(String(30))
    count: Mapped[int] = mapped_column(SmallInteger)
    # Only for a dismissal proposal: the school's decision.
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()
