"""The append-only audit log: every override and decision, with who, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class AuditEvent(Base):
    """What an administrator did outside the rules (enrol above capacity or outside the window,
    move or remove a student, reopen a course), with a reason. Append-only: a trigger refuses
    UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (CheckConstraint("length(btrim(reason)) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(40))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at_column()
