"""Clearing the school at the end of the day (清校) and the duty report: which days the school
held care, their patrols and their clearing check, a day without one shown as missing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.duty import Clearing, DutyDay, duty_days
from app.domain.errors import RuleViolation
from app.domain.statuses import SessionStatus
from app.models import CareSession, ClearingCheck, DutyKind, DutyRecord, Term, User
from app.services.common import (
    flush_or_conflict,
    require,
    require_admin_of,
    school_scope,
    school_today,
)

# A report covers at most this many days (a school year and a little).
MAX_REPORT_DAYS = 400


async def record_clearing(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    on_date: date,
    all_groups_dismissed: bool,
    rooms_checked: bool,
    note: str,
) -> ClearingCheck:
    """The day's clearing check, by a duty leader (or an administrator); one a day, not ahead
    of the day. A check that found something (a child not yet collected) says what in `note`."""
    scope = await school_scope(session, school_id)
    require(principal.may_patrol(scope), "the school is cleared by its duty leaders")
    today = school_today()
    if on_date > today:
        raise RuleViolation("a day is cleared at its end, not ahead of it")
    if on_date < today - timedelta(days=1) and not principal.administers_school(scope):
        # A duty leader records the day, or the evening after; a day missed longer ago shows
        # as missing, and only an administrator fills it in, knowingly.
        raise RuleViolation("a duty leader records today's or yesterday's clearing check")
    if not (all_groups_dismissed and rooms_checked) and not note.strip():
        raise RuleViolation("say what was found: a group not dismissed or a room not checked")
    check = ClearingCheck(
        school_id=school_id,
        on_date=on_date,
        checked_by_id=principal.user_id,
        all_groups_dismissed=all_groups_dismissed,
        rooms_checked=rooms_checked,
        note=note.strip(),
    )
    session.add(check)
    await flush_or_conflict(session, f"the school's clearing check of {on_date} is recorded")
    return check


async def duty_report(
    session: AsyncSession, principal: Principal, school_id: int, first: date, last: date
) -> list[DutyDay]:
    """Each day from `first` to `last` that the school held care (a session not cancelled),
    with its patrols and its clearing check; administrators."""
    await require_admin_of(session, principal, school_id)
    if last < first or (last - first).days > MAX_REPORT_DAYS:
        raise RuleViolation(f"a report covers 1 to {MAX_REPORT_DAYS} days, `from` before `to`")
    care_days = await session.scalars(
        select(CareSession.on_date)
        .join(Term, Term.id == CareSession.term_id)
        .where(
            Term.school_id == school_id,
            CareSession.status == SessionStatus.SCHEDULED,
            CareSession.on_date.between(first, last),
        )
        .distinct()
    )
    patrols = {
        day: int(count)
        for day, count in await session.execute(
            select(DutyRecord.on_date, func.count())
            .where(
                DutyRecord.school_id == school_id,
                DutyRecord.kind == DutyKind.PATROL,
                DutyRecord.on_date.between(first, last),
            )
            .group_by(DutyRecord.on_date)
        )
    }
    clearings = {
        check.on_date: Clearing(name, check.all_groups_dismissed, check.rooms_checked, check.note)
        for check, name in await session.execute(
            select(ClearingCheck, User.name)
            .join(User, User.id == ClearingCheck.checked_by_id)
            .where(ClearingCheck.school_id == school_id, ClearingCheck.on_date.between(first, last))
        )
    }
    return duty_days(care_days, patrols, clearings, school_today())
