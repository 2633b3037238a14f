"""A term's calendar from the public holidays (chinese-calendar), the district's overrides and the
school's suspension days."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound
from app.domain.schedule import (
    DateRange,
    GradeRule,
    MiddayWindow,
    TermCalendar,
    Timetable,
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


def midday_window(term: Term) -> MiddayWindow | None:
    if term.midday_start_time is None or term.midday_end_time is None:
        return None
    return MiddayWindow(
        term.midday_start_time,
        term.midday_end_time,
        term.midday_summer_end_time or term.midday_end_time,
    )


async def term_timetable(session: AsyncSession, term: Term) -> Timetable:
    """The term's whole timetable: its grades' after-school care and its midday window."""
    return Timetable(await grade_rules(session, term.id), midday_window(term))


async def lock_timetable(session: AsyncSession, term_id: int, *, exclusive: bool) -> Term:
    """The term, its row locked and read afresh: exclusively to change its timetable (the midday
    window, a grade's hours), shared to add what must fit it (a course, a midday application).
    A change and an addition made at once are then one after the other, each seeing the other."""
    term = await session.scalar(
        select(Term)
        .where(Term.id == term_id)
        .with_for_update(read=not exclusive)
        .execution_options(populate_existing=True)
    )
    if term is None:
        raise NotFound(f"no term {term_id}")
    return term
