"""Teacher workload per month or term: sessions supervised (the roll calls a teacher took),
student-hours, activities and patrols, with the subsidy and points at the term's rates; and the
duty records (patrols with incident notes, activities) they come from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import RuleViolation
from app.domain.schedule import Period
from app.domain.workload import Rates, SupervisedSession, WorkloadLine, workload
from app.models import DutyKind, DutyRecord, Term, User
from app.services.common import (
    Reach,
    paginate,
    require,
    require_admin_of,
    require_staff_of,
    school_scope,
    term_in_reach,
)

_SUPERVISED = text(
    """
    SELECT s.roll_call_by_id, s.period,
           (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int AS minutes,
           count(a.id) FILTER (WHERE a.status IN ('present', 'late')) AS attending
    FROM care_session s LEFT JOIN attendance a ON a.session_id = s.id
    WHERE s.term_id = :term AND s.status = 'scheduled' AND s.roll_call_by_id IS NOT NULL
      AND s.on_date BETWEEN :first AND :last
    GROUP BY s.id
    """
)


@dataclass(frozen=True)
class TeacherWorkload:
    user_id: int
    name: str
    line: WorkloadLine


def rates_of(term: Term) -> Rates:
    return Rates(
        fen_per_student_hour=term.subsidy_fen_per_student_hour,
        points_per_supervision=term.points_per_supervision,
        points_per_activity=term.points_per_activity,
        points_per_patrol=term.points_per_patrol,
    )


def period(term: Term, month: str | None) -> tuple[date, date]:
    """The whole term, or one month of it ("2026-03")."""
    if month is None:
        return term.starts_on, term.ends_on
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError as error:
        raise RuleViolation("month is written YYYY-MM") from error
    following = date(year + number // 12, number % 12 + 1, 1)
    last = date.fromordinal(following.toordinal() - 1)
    if last < term.starts_on or first > term.ends_on:
        raise RuleViolation("the month is outside the term")
    return max(first, term.starts_on), min(last, term.ends_on)


async def compute(session: AsyncSession, term: Term, month: str | None) -> list[TeacherWorkload]:
    first, last = period(term, month)
    supervised: dict[int, list[SupervisedSession]] = {}
    for user_id, period_of, minutes, attending in await session.execute(
        _SUPERVISED, {"term": term.id, "first": first, "last": last}
    ):
        supervised.setdefault(user_id, []).append(
            SupervisedSession(minutes, attending, Period(period_of))
        )
    duties: dict[tuple[int, DutyKind], int] = {
        (user_id, kind): count
        for user_id, kind, count in await session.execute(
            select(DutyRecord.user_id, DutyRecord.kind, func.count())
            .where(DutyRecord.school_id == term.school_id, DutyRecord.on_date.between(first, last))
            .group_by(DutyRecord.user_id, DutyRecord.kind)
        )
    }
    people = supervised.keys() | {user_id for user_id, _ in duties}
    names = {
        user_id: name
        for user_id, name in await session.execute(
            select(User.id, User.name).where(User.id.in_(people))
        )
    }
    rates = rates_of(term)
    return [
        TeacherWorkload(
            user_id,
            names.get(user_id, ""),
            workload(
                supervised.get(user_id, []),
                duties.get((user_id, DutyKind.ACTIVITY), 0),
                duties.get((user_id, DutyKind.PATROL), 0),
                rates,
            ),
        )
        for user_id in sorted(people)
    ]


async def of_term(
    session: AsyncSession, principal: Principal, term_id: int, month: str | None
) -> list[TeacherWorkload]:
    """Administrators see every teacher; a teacher sees their own line."""
    term, scope = await term_in_reach(session, principal, term_id, Reach.STAFF)
    lines = await compute(session, term, month)
    if principal.administers_school(scope):
        return lines
    return [line for line in lines if line.user_id == principal.user_id]


async def subsidies(session: AsyncSession, term: Term) -> int:
    return sum(line.line.subsidy_fen for line in await compute(session, term, None))


async def add_duty_record(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    kind: DutyKind,
    on_date: date,
    note: str,
    incidents: str,
) -> DutyRecord:
    if kind is DutyKind.PATROL:
        scope = await school_scope(session, school_id)
        require(principal.may_patrol(scope), "safety patrols are recorded by duty leaders")
    else:
        await require_staff_of(session, principal, school_id)
    record = DutyRecord(
        school_id=school_id,
        user_id=principal.user_id,
        kind=kind,
        on_date=on_date,
        note=note,
        incidents=incidents,
    )
    session.add(record)
    await session.flush()
    return record


async def duty_records(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    first: date | None,
    last: date | None,
    page: int,
    size: int,
) -> tuple[Sequence[DutyRecord], int]:
    await require_admin_of(session, principal, school_id)
    query = select(DutyRecord).where(DutyRecord.school_id == school_id)
    if first is not None:
        query = query.where(DutyRecord.on_date >= first)
    if last is not None:
        query = query.where(DutyRecord.on_date <= last)
    return await paginate(session, query.order_by(DutyRecord.on_date, DutyRecord.id), page, size)
