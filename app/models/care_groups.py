"""Basic-care groups (编班) of a term and their members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    SmallInteger,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class CareGroup(Base):
    """A basic-care group (编班) of a term."""

    __tablename__ = "care_group"
    __table_args__ = (UniqueConstraint("term_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    created_at: Mapped[datetime] = created_at_column()


class CareGroupMember(Base):
    __tablename__ = "care_group_member"
    __table_args__ = (UniqueConstraint("term_id", "student_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("care_group.id", ondelete="CASCADE"), index=True
    )
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
