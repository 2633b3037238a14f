"""The term as it runs: the sessions of each course and care group, roll calls, handovers, leave,
and the steps the attendance policies take."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.domain.attendance import AttendanceStatus, PolicyAction
from app.domain.sessions import CancelCause
from app.models.base import created_at_column
from app.models.people import enum_column


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class CareSession(Base):
    """One meeting of an extension course or a basic-care group on one date."""

    __tablename__ = "care_session"
    __table_args__ = (
        CheckConstraint(
            "(course_id IS NULL) <> (care_group_id IS NULL)", name="course_or_care_group"
        ),
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
        CheckConstraint(
            "(care_group_id IS NULL) = (grades IS NULL)", name="grades_for_care_groups"
        ),
        CheckConstraint(
            "(status = 'cancelled') = (cancel_cause IS NOT NULL)", name="cancel_has_cause"
        ),
        UniqueConstraint("course_id", "on_date"),
        UniqueConstraint("care_group_id", "on_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    care_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_group.id", ondelete="CASCADE")
    )
    on_date: Mapped[date] = mapped_column(Date)
    # A basic-care group's session is for its members of these grades (those due that weekday,
    # or on a 调休 day the weekday it follows); NULL for a course's session (its confirmed seats).
    grades: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), server_default=SessionStatus.SCHEDULED.value
    )
    cancel_cause: Mapped[CancelCause | None] = mapped_column(
        enum_column(CancelCause, "session_cancel_cause")
    )
    cancel_reason: Mapped[str] = mapped_column(Text, server_default="")
    # Whoever took the roll call supervised the session (workload counts it for them).
    roll_call_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    roll_call_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class Attendance(Base):
    """A student's mark in one session's roll call (点名), and when they were picked up."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "student_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("care_session.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status")
    )
    note: Mapped[str] = mapped_column(Text, server_default="")
    picked_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    picked_up_late: Mapped[bool] = mapped_column(server_default="false")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Handover(Base):
    """The last lesson's teacher handing the children over to the care teacher (交接)."""

    __tablename__ = "handover"
    __table_args__ = (CheckConstraint("children >= 0", name="children_not_negative"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("care_session.id", ondelete="CASCADE"), index=True
    )
    from_teacher: Mapped[str] = mapped_column(String(50))
    children: Mapped[int] = mapped_column(SmallInteger)
    handed_over_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = created_at_column()


class LeaveState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


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


# Views live outside the ORM's metadata: migrations create them, and schema comparisons must not
# take them for tables.
VIEWS = MetaData()

session_roster = Table(
    "session_roster",
    VIEWS,
    Column("session_id", BigInteger),
    Column("student_id", Integer),
)
"""Who each session is for: a course's confirmed seats, or a care group's members of the grades
due that day (migrations 0011, 0013). Roll calls, cancellations, exports and the demo all read it."""
