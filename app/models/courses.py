"""Extension courses and basic-care offerings of a term."""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text, Time
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.schedule import Period
from app.domain.statuses import CourseStatus
from app.models.base import (
    PERIOD_KNOWN,
    Base,
    Versioned,
    created_at_column,
    enum_column,
    period_column,
)


class CourseKind(enum.StrEnum):
    BASIC = "basic"  # "1" 基础性托管: free, supervised homework and reading
    EXTENSION = "extension"  # "X" 拓展性托管: a paid interest course
    HYBRID = "hybrid"  # "1+X"


# The kinds whose seats are grabbed (and counted by the seat engine); basic care is applied for.
GRABBABLE = (CourseKind.EXTENSION, CourseKind.HYBRID)


class Course(Versioned, Base):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
        CheckConstraint("min_size >= 0 AND min_size <= capacity", name="min_size_range"),
        CheckConstraint("fee_per_session_fen >= 0", name="fee_not_negative"),
        CheckConstraint("kind <> 'basic' OR fee_per_session_fen = 0", name="basic_is_free"),
        CheckConstraint(
            "cardinality(grades) > 0 AND grades <@ ARRAY[1,2,3,4,5,6]::smallint[]",
            name="grades_range",
        ),
        CheckConstraint(
            "cardinality(weekdays) > 0 AND weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
            name="iso_weekdays",
        ),
        CheckConstraint(PERIOD_KNOWN, name="period_known"),
        CheckConstraint(
            "(start_time IS NULL) = (end_time IS NULL)"
            " AND (start_time IS NULL OR start_time < end_time)",
            name="times_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    kind: Mapped[CourseKind] = mapped_column(enum_column(CourseKind, "course_kind"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, server_default="")
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    room: Mapped[str] = mapped_column(String(50), server_default="")
    grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    # Midday care (午托) meets within the term's midday window, after-school within its grades'.
    period: Mapped[Period] = period_column()
    # Explicit times; when absent the course runs while all of its grades are in care.
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    # Confirmed enrollments; kept in the same transaction as each enrollment so that the
    # capacity check above stands behind the seat engine.
    seats_taken: Mapped[int] = mapped_column(Integer, server_default="0")
    min_size: Mapped[int] = mapped_column(Integer)
    fee_per_session_fen: Mapped[int] = mapped_column(Integer, server_default="0")
    materials_note: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus, "course_status"), server_default=CourseStatus.OPEN.value
    )
    created_at: Mapped[datetime] = created_at_column()
