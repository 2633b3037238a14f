"""The entries of a term's draw (a fair start's held attempts, or ranked choices)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class DrawEntry(Base):
    """One family's entry for one child: the courses it wants, most wanted first, and once the
    draw is done its place, whether it came after the drawn moment, and the courses it was
    given. Written before the family is told it is in the draw."""

    __tablename__ = "draw_entry"
    __table_args__ = (
        UniqueConstraint("term_id", "student_id"),
        CheckConstraint("cardinality(choices) BETWEEN 1 AND 10", name="choices_listed"),
        CheckConstraint(
            "(place IS NULL) = (late IS NULL) AND (place IS NULL) = (given IS NULL)",
            name="drawn_whole",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    # The guardian who last added to the entry: the draw passes it over once they are unbound.
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    choices: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[int | None] = mapped_column(Integer)  # 1-based, drawn first then late
    late: Mapped[bool | None] = mapped_column(Boolean)
    given: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    created_at: Mapped[datetime] = created_at_column()
