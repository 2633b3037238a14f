"""The waiting list of a full course: who waits, in order, and who was admitted when a seat freed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import WaitlistState
from app.models.base import Base, created_at_column, enum_column


class WaitlistEntry(Base):
    """A student waiting for a seat in a full course (候补), first come first served."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        UniqueConstraint("course_id", "student_id"),
        Index(
            "ix_waitlist_entry_waiting",
            "course_id",
            "id",
            postgresql_where=text("state = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    state: Mapped[WaitlistState] = mapped_column(
        enum_column(WaitlistState, "waitlist_state"), server_default=WaitlistState.WAITING.value
    )
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
