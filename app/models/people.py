from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.domain.access import Role
from app.models.base import Versioned, created_at_column


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_type, name=name, values_callable=lambda members: [m.value for m in members])


class User(Base):
    """Anyone who signs in: guardians and staff. `phone` and `id_number` are sensitive."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(30))
    dingtalk_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    dev_login: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "role", "school_id", "district_id", postgresql_nulls_not_distinct=True
        ),
        # What a class's teacher refers to (school_class.class_teacher_id).
        UniqueConstraint("user_id", "role", "school_id"),
        CheckConstraint(
            "(role = 'district_admin' AND district_id IS NOT NULL AND school_id IS NULL)"
            " OR (role <> 'district_admin' AND school_id IS NOT NULL AND district_id IS NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    created_at: Mapped[datetime] = created_at_column()


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


class BindingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"


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


class RefreshToken(Base):
    """A refresh token, by its hash. Each sign-in starts a family; every rotation adds the next
    token to it, so that a token used twice (stolen, or replayed) ends the whole family."""

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, server_default=text("gen_random_uuid()"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
