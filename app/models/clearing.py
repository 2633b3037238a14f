"""The duty leader's end-of-day clearing check (清校)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class ClearingCheck(Base):
    __tablename__ = "clearing_check"
    __table_args__ = (UniqueConstraint("school_id", "on_date"),)  # one a day

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    all_groups_dismissed: Mapped[bool] = mapped_column(Boolean)
    rooms_checked: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()
