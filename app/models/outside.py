"""People from outside taken on as teachers (外聘人员): their vetting and three-party agreement."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class OutsideStaff(Base):
    __tablename__ = "outside_staff"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('retired_teacher', 'skilled_parent', 'volunteer', 'provider_teacher')",
            name="kind_known",
        ),
        CheckConstraint(
            "state IN ('proposed', 'vetted', 'engaged', 'refused')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(100), server_default="")
    state: Mapped[str] = mapped_column(String(10), server_default="proposed")
    school_approved: Mapped[bool] = mapped_column(Boolean, server_default="false")
    committee_approved: Mapped[bool] = mapped_column(Boolean, server_default="false")
    refusal_reason: Mapped[str] = mapped_column(Text, server_default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    school_party: Mapped[str] = mapped_column(String(100), server_default="")
    parent_party: Mapped[str] = mapped_column(String(100), server_default="")
    person_party: Mapped[str] = mapped_column(String(100), server_default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    engaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
