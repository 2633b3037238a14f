"""A term's calendar from the public holidays (chinese-calendar), the district's overrides and the
school's suspension days."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.schedule import (
    DateRange,
    GradeRule,
    TermCalendar,
    build_calendar,
    default_grade_rules,
)
from app.models import CalendarOverride, GradeSchedule, School, Suspension, Term


def public_holiday(day: date) -> bool | None:
    """True on a public holiday, False on a working day, None for a year the package lacks."""
    try:
        return bool(chinese_calendar.is_holiday(day))
    except NotImplementedError:
        return None


async def term_calendar(session: AsyncSession, term: Term) -> TermCalendar:
    district_id = await session.scalar(
        select(School.district_id).where(School.id == term.school_id)
    )
    overrides = await session.execute(
        select(
            CalendarOverride.on_date, CalendarOverride.is_workday, CalendarOverride.follows_weekday
        ).where(
            CalendarOverride.district_id == district_id,
            CalendarOverride.on_date.between(term.starts_on, term.ends_on),
        )
    )
    suspensions = await session.scalars(
        select(Suspension.on_date).where(Suspension.term_id == term.id)
    )
    return build_calendar(
        DateRange(term.starts_on, term.ends_on),
        suspensions.all(),
        public_holiday,
        {day: (is_workday, follows) for day, is_workday, follows in overrides},
    )


async def grade_rules(session: AsyncSession, term_id: int) -> dict[int, GradeRule]:
    """The term's timetable by grade; grades the school did not set keep the seed defaults."""
    rules = default_grade_rules()
    rows = await session.scalars(select(GradeSchedule).where(GradeSchedule.term_id == term_id))
    for row in rows:
        rules[row.grade] = GradeRule(
            grade=row.grade,
            start=row.start_time,
            end=row.end_time,
            summer_end=row.summer_end_time,
            weekdays=frozenset(row.weekdays),
        )
    return rules
