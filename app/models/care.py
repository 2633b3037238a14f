"""Basic-care applications (基础托管申请) and every step of their approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.schedule import Period
from app.domain.statuses import ApplicationState
from app.models.base import PERIOD_KNOWN, Base, created_at_column, enum_column, period_column


class CareApplication(Base):
    """A parent's application for free basic care (基础托管) in a term."""

    __tablename__ = "care_application"
    __table_args__ = (
        UniqueConstraint("term_id", "student_id", "period"),
        CheckConstraint(PERIOD_KNOWN, name="period_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # Midday care (午托) and after-school care are applied for, approved and grouped apart.
    period: Mapped[Period] = period_column()
    state: Mapped[ApplicationState] = mapped_column(
        enum_column(ApplicationState, "application_state")
    )
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class CareApplicationEvent(Base):
    """Every step of an application, with who took it, when and why: append-only."""

    __tablename__ = "care_application_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("care_application.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()
