"""The sessions of each course and care group, and the view of who each session is for."""

from __future__ import annotations

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
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.schedule import Period
from app.domain.sessions import CancelCause
from app.domain.statuses import SessionStatus
from app.models.base import PERIOD_KNOWN, Base, created_at_column, enum_column, period_column


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
        CheckConstraint(PERIOD_KNOWN, name="period_known"),
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
    # The period it was planned in (its offering's when generated): midday (午托) or after school.
    period: Mapped[Period] = period_column()
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
