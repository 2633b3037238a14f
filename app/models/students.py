"""Students, their guardians and binding codes, and the agreements and insurance a grab needs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import BindingStatus
from app.models.base import Base, Versioned, created_at_column, enum_column


class Student(Versioned, Base):
    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("school_id", "student_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    student_number: Mapped[str] = mapped_column(String(32))
    # Priority groups (优先保障), sensitive under PIPL art. 28.
    migrant_worker_child: Mapped[bool] = mapped_column(Boolean, server_default="false")
    single_parent: Mapped[bool] = mapped_column(Boolean, server_default="false")
    left_behind: Mapped[bool] = mapped_column(Boolean, server_default="false")
    low_income: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = created_at_column()


class Guardianship(Base):
    """A guardian bound to a student (绑定孩子), confirmed by a class teacher or a binding code."""

    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("student_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    status: Mapped[BindingStatus] = mapped_column(enum_column(BindingStatus, "binding_status"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class BindingCode(Base):
    """A one-use code the school issues to a family to bind a child without a teacher's review."""

    __tablename__ = "binding_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = created_at_column()


class Agreement(Base):
    """The signed service agreement (托管协议书) of a student for a term."""

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("student_id", "term_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    agreement_version: Mapped[str] = mapped_column(String(20))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Insurance(Base):
    """Student accident insurance (学平险); it must cover the whole term."""

    __tablename__ = "insurance"
    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="valid_range"),
        Index("ix_insurance_student_validity", "student_id", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    insurer: Mapped[str] = mapped_column(String(100))
    policy_number: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()


class CalendarFeed(Base):
    """A secret address of one child's sessions for a phone's calendar to subscribe to: only
    the digest of its token is kept; revoking it ends the subscription."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
