"""Midday and after-school basic care are two places: absences count for each apart, and the
absence policy gives up only the place of the session's period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from app.domain.schedule import Period
from app.domain.statuses import AttendanceStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import Attendance, CareGroup, CareGroupMember, CareSession, Term
from app.services import policies
from tests.services.conftest import Example
from tests.support.world import World

DAY = date(2026, 11, 24)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), SCHOOL_ZONE)


async def test_a_midday_absence_counts_for_midday_care_and_gives_up_that_place_only(
    rule_world: World, example: Example
) -> None:
    world = rule_world
    async with example() as session:
        term = await session.get(Term, world.term_a)
        assert term is not None
        term.absence_limit = 2
        midday_group = CareGroup(term_id=term.id, period=Period.MIDDAY, number=1, grades=[3])
        session.add(midday_group)
        await session.flush()
        session.add(
            CareGroupMember(
                group_id=midday_group.id, term_id=term.id, student_id=world.student_1,
                period=Period.MIDDAY,
            )
        )  # fmt: skip
        rows = {
            period: CareSession(
                term_id=term.id, care_group_id=group, on_date=DAY, grades=[3], period=period,
                starts_at=_at(*start), ends_at=_at(*end),
            )
            for period, group, start, end in (
                (Period.MIDDAY, midday_group.id, (11, 0), (13, 30)),
                (Period.AFTER_SCHOOL, world.care_group, (15, 50), (17, 30)),
            )
        }  # fmt: skip
        session.add_all(rows.values())
        await session.flush()
        session.add_all(
            Attendance(
                session_id=row.id, student_id=world.student_1, status=AttendanceStatus.ABSENT,
                recorded_by_id=world.users["care-a"], recorded_at=datetime.now(UTC),
            )
            for row in rows.values()
        )  # fmt: skip
        await session.flush()
        students = [world.student_1]
        for period in Period:
            counted = await policies.unexcused_counts(session, term.id, students, None, period)
            # One absence a period, never the two added together (as before midday care).
            assert counted == {world.student_1: 1}
        assert {policies.place_of(row) for row in rows.values()} == {"care", "care:midday"}

        term.absence_limit = 1
        taken = await policies.after_roll_call(
            session, term, rows[Period.MIDDAY], world.users["care-a"], students
        )
        assert [(step.action.value, step.place) for step in taken][-1] == (
            "place_given_up", "care:midday"
        )  # fmt: skip
        kept = (
            await session.scalars(
                select(CareGroupMember.period).where(
                    CareGroupMember.term_id == term.id,
                    CareGroupMember.student_id == world.student_1,
                )
            )
        ).all()
        assert kept == [Period.AFTER_SCHOOL]
