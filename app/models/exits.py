"""Written requests to leave a place (退出申请): a basic-care place or a course seat."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.schedule import Period
from app.domain.statuses import ExitState
from app.models.base import Base, created_at_column, enum_column, string_enum


class ExitRequest(Base):
    __tablename__ = "exit_request"
    __table_args__ = (
        # One request waiting per place: asking twice is one request.
        Index(
            "uq_exit_request_pending",
            "term_id",
            "student_id",
            sql("coalesce(course_id, 0)"),
            sql("coalesce(care_period, '')"),
            unique=True,
            postgresql_where=sql("state = 'pending'"),
        ),
        CheckConstraint(
            "care_period IS NULL OR (course_id IS NULL"
            " AND care_period IN ('after_school', 'midday'))",
            name="care_period_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))  # None: basic care
    # Basic care of one period (midday, after school); None: basic care at both.
    care_period: Mapped[Period | None] = mapped_column(string_enum(Period))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[ExitState] = mapped_column(
        enum_column(ExitState, "exit_state"), server_default=ExitState.PENDING.value
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str] = mapped_column(Text, server_default="")
    refunded_sessions: Mapped[int] = mapped_column(Integer, server_default="0")
    ends_on: Mapped[date | None] = mapped_column(Date)  # once approved: the place's last day
    created_at: Mapped[datetime] = created_at_column()
