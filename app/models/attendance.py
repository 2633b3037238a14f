"""Roll calls (点名) of each session and the handovers of children at its end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import AttendanceStatus
from app.models.base import Base, created_at_column, enum_column


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
