"""Accounts and what they may do: users, their role grants, their refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.access import Role
from app.models.base import Base, created_at_column, enum_column


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
