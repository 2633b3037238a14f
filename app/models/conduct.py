"""Conduct incidents a teacher records on a session (篇十: 多次由于个人行为习惯未能适应群体性管理
而影响他人): counted against the term's limit like late pickups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class ConductIncident(Base):
    __tablename__ = "conduct_incident"
    __table_args__ = (UniqueConstraint("session_id", "student_id"),)  # one a session and child

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("care_session.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
