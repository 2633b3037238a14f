"""Teachers' duty records (值班, 巡查) beside their sessions: what a term's workload counts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Identity,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column, enum_column


class DutyKind(enum.StrEnum):
    PATROL = "patrol"  # 安全巡查 by the duty leader
    ACTIVITY = "activity"  # an activity a teacher organised


class DutyRecord(Base):
    """A duty leader's daily patrol record (with incident notes) or a teacher's activity."""

    __tablename__ = "duty_record"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[DutyKind] = mapped_column(enum_column(DutyKind, "duty_kind"))
    on_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    incidents: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at_column()
