"""A term's timetable by grade, its suspension days, and the district's corrections to the
public-holiday calendar (调休)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class GradeSchedule(Base):
    """When one grade is in care during a term, and on which weekdays."""

    __tablename__ = "grade_schedule"
    __table_args__ = (
        UniqueConstraint("term_id", "grade"),
        CheckConstraint("grade BETWEEN 1 AND 6", name="grade_range"),
        CheckConstraint(
            "start_time < end_time AND end_time <= summer_end_time", name="times_in_order"
        ),
        CheckConstraint("weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name="iso_weekdays"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    grade: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    summer_end_time: Mapped[time] = mapped_column(Time)
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))


class Suspension(Base):
    """A day the school suspends care (sports day, outing), announced ahead."""

    __tablename__ = "suspension"
    __table_args__ = (UniqueConstraint("term_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class CalendarOverride(Base):
    """A district's correction to the public holiday calendar, for years the calendar package
    does not know yet or for local arrangements: a holiday, or a worked day (调休) and whose
    timetable it follows."""

    __tablename__ = "calendar_override"
    __table_args__ = (
        UniqueConstraint("district_id", "on_date"),
        CheckConstraint("follows_weekday BETWEEN 1 AND 5", name="follows_school_weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    follows_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
