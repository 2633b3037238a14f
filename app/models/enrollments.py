"""Seats taken in extension courses, by the grab or by an administrator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import EnrollmentStatus
from app.models.base import Base, created_at_column, enum_column


class Enrollment(Base):
    """A student's seat in a course. Written once the seat engine granted it; one confirmed seat
    per student and course, and the course's seats_taken ≤ capacity check, stand behind the
    engine."""

    __tablename__ = "enrollment"
    __table_args__ = (
        # One live seat per student and course; the history (a seat cancelled with its course,
        # then grabbed again when an admin reopened it) stays.
        Index(
            "ix_enrollment_one_confirmed_seat",
            "student_id",
            "course_id",
            unique=True,
            postgresql_where=text("status = 'confirmed'"),
        ),
        UniqueConstraint("term_id", "grab_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_column(EnrollmentStatus, "enrollment_status"),
        server_default=EnrollmentStatus.CONFIRMED.value,
    )
    round: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # The seat engine's stream entry id: the same grab is written once, by whoever comes first.
    grab_id: Mapped[str | None] = mapped_column(String(40))
    grabbed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
