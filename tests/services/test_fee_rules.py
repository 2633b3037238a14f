"""The ledger's SQL against the domain's fee rules, on random terms: courses with random fees and
states, sessions held or cancelled, seats of every state taken at random moments (around the
school's midnight and UTC's). Billing charges each confirmed seat of an opened course
`course_charge(sessions it pays for, fee)`, and a cancelled session refunds exactly the seats
still confirmed that paid for it, where a seat pays for a session when `seat_pays_for(its school day, the
session's date)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.fees import LedgerKind, course_charge, seat_pays_for
from app.domain.sessions import CancelCause
from app.domain.statuses import CourseStatus, EnrollmentStatus, SessionStatus
from app.domain.zone import SCHOOL_ZONE, school_day
from app.models import CareSession, Course, Enrollment, LedgerEntry, Student
from app.services import fees
from tests.services.conftest import Example, class_a301_students, grade_3_course
from tests.support.world import World

FIRST_DAY = date(2026, 10, 12)  # a Monday of the world's term A
DAYS = 4
STUDENTS = 4
RULE_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass(frozen=True)
class CoursePlan:
    fee: int
    status: CourseStatus
    sessions: dict[int, SessionStatus]  # day (from FIRST_DAY) → the session's state


@dataclass(frozen=True)
class SeatPlan:
    student: int
    course: int
    status: EnrollmentStatus
    taken_at: datetime


@dataclass(frozen=True)
class TermPlan:
    courses: list[CoursePlan]
    seats: list[SeatPlan]
    cancelled_later: set[tuple[int, int]]  # (course, day): cancelled after billing
    ended_later: set[int]  # seats (by index) dismissed after billing, before the cancellation

    def day(self, offset: int) -> date:
        return FIRST_DAY + timedelta(days=offset)


# Minutes after the school's midnight: 479/480/481 straddle UTC's midnight (08:00 in Beijing).
MINUTES = st.sampled_from([0, 1, 479, 480, 481, 1439]) | st.integers(0, 1439)
MOMENTS = st.builds(
    lambda day, minute: (
        datetime.combine(FIRST_DAY + timedelta(days=day), time(), SCHOOL_ZONE)
        + timedelta(minutes=minute)
    ),
    st.integers(-1, DAYS),
    MINUTES,
)
# Mostly opened courses, confirmed seats and held sessions: the cases that charge and refund.
COURSES = st.builds(
    CoursePlan,
    fee=st.sampled_from([0, 1, 2000]) | st.integers(0, 10_000),
    status=st.just(CourseStatus.CONFIRMED) | st.sampled_from(CourseStatus),
    sessions=st.dictionaries(
        st.integers(0, DAYS - 1),
        st.just(SessionStatus.SCHEDULED) | st.sampled_from(SessionStatus),
        min_size=1,
    ),
)
SEAT_STATES = st.just(EnrollmentStatus.CONFIRMED) | st.sampled_from(EnrollmentStatus)


@st.composite
def term_plans(draw: st.DrawFn) -> TermPlan:
    courses = draw(st.lists(COURSES, min_size=1, max_size=3))
    pairs = st.tuples(st.integers(0, STUDENTS - 1), st.integers(0, len(courses) - 1))
    seats = [
        SeatPlan(student, course, draw(SEAT_STATES), draw(MOMENTS))
        for student, course in sorted(draw(st.sets(pairs, min_size=1)))
    ]
    scheduled = sorted(
        (index, day)
        for index, course in enumerate(courses)
        for day, status in course.sessions.items()
        if status is SessionStatus.SCHEDULED
    )
    later = draw(st.sets(st.sampled_from(scheduled), min_size=1)) if scheduled else set()
    ended = draw(st.sets(st.integers(0, len(seats) - 1), max_size=1))
    return TermPlan(courses, seats, later, ended)


@dataclass
class BuiltTerm:
    courses: list[Course]
    sessions: dict[tuple[int, int], CareSession]  # (course, day) → session
    seats: list[tuple[SeatPlan, Enrollment]]
    students: list[Student]


async def build(session: AsyncSession, world: World, plan: TermPlan) -> BuiltTerm:
    students = class_a301_students(world, STUDENTS)
    courses = [
        grade_3_course(world.term_a, f"课程{n}", course.status, course.fee)
        for n, course in enumerate(plan.courses)
    ]
    session.add_all([*students, *courses])
    await session.flush()
    sessions = {}
    for index, course in enumerate(plan.courses):
        for offset, status in course.sessions.items():
            day = plan.day(offset)
            sessions[index, offset] = CareSession(
                term_id=world.term_a, course_id=courses[index].id, on_date=day,
                starts_at=datetime.combine(day, time(16), SCHOOL_ZONE),
                ends_at=datetime.combine(day, time(16, 40), SCHOOL_ZONE), status=status,
                cancel_cause=CancelCause.SCHOOL if status is SessionStatus.CANCELLED else None,
            )  # fmt: skip
    seats = [
        (
            seat,
            Enrollment(
                term_id=world.term_a,
                student_id=students[seat.student].id,
                course_id=courses[seat.course].id,
                round=1,
                status=seat.status,
                grabbed_at=seat.taken_at,
                created_at=seat.taken_at,
            ),
        )
        for seat in plan.seats
    ]
    session.add_all([*sessions.values(), *(enrollment for _, enrollment in seats)])
    await session.flush()
    return BuiltTerm(courses, sessions, seats, students)


def charged_by_the_rules(plan: TermPlan, seat: SeatPlan) -> int:
    """What the domain charges a seat at billing (0: no charge)."""
    course = plan.courses[seat.course]
    if seat.status is not EnrollmentStatus.CONFIRMED or course.status is not CourseStatus.CONFIRMED:
        return 0
    paid_for = sum(
        1
        for offset, status in course.sessions.items()
        if status is SessionStatus.SCHEDULED
        and seat_pays_for(school_day(seat.taken_at), plan.day(offset))
    )
    return course_charge(paid_for, course.fee)


async def entries(session: AsyncSession, world: World, kind: LedgerKind) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.term_id == world.term_a, LedgerEntry.kind == kind)
    return list((await session.scalars(query)).all())


@RULE_SETTINGS
@given(plan=term_plans())
async def test_billing_charges_each_seat_what_the_domain_charges(
    rule_world: World, example: Example, plan: TermPlan
) -> None:
    async with example() as session:
        built = await build(session, rule_world, plan)
        await fees.bill_term(session, rule_world.term_a, rule_world.users["admin-a"])
        charged = {
            e.dedupe_key: e.amount_fen
            for e in await entries(session, rule_world, LedgerKind.CHARGE)
        }
    expected = {
        f"charge:{enrollment.id}": charged_by_the_rules(plan, seat)
        for seat, enrollment in built.seats
        if charged_by_the_rules(plan, seat)
    }
    assert charged == expected


@RULE_SETTINGS
@given(plan=term_plans())
async def test_a_cancelled_session_refunds_the_seats_that_paid_for_it(
    rule_world: World, example: Example, plan: TermPlan
) -> None:
    async with example() as session:
        built = await build(session, rule_world, plan)
        await fees.bill_term(session, rule_world.term_a, rule_world.users["admin-a"])
        ended = [built.seats[index][1].id for index in sorted(plan.ended_later)]
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(ended))
            .values(status=EnrollmentStatus.DISMISSED)
        )
        cancelled = [built.sessions[key].id for key in sorted(plan.cancelled_later)]
        if cancelled:
            await session.execute(
                update(CareSession)
                .where(CareSession.id.in_(cancelled))
                .values(status=SessionStatus.CANCELLED, cancel_cause=CancelCause.SCHOOL)
            )
        await fees.refund_sessions(
            session, rule_world.term_a, cancelled, rule_world.users["admin-a"]
        )
        refunded = {
            (e.session_id, e.student_id): e.amount_fen
            for e in await entries(session, rule_world, LedgerKind.REFUND)
        }
    expected = {
        (built.sessions[index, offset].id, built.students[seat.student].id): -course_charge(
            1, plan.courses[index].fee
        )
        for index, offset in plan.cancelled_later
        for number, (seat, _) in enumerate(built.seats)
        if seat.course == index
        and number not in plan.ended_later
        and charged_by_the_rules(plan, seat)
        and seat_pays_for(school_day(seat.taken_at), plan.day(offset))
    }
    assert refunded == expected
