"""The policies' absence count against the domain's `unexcused_absences`, on random roll calls:
marks of every kind in two courses and a basic-care group of the term, and in a basic-care
group of another term. Each student's count at a place is the domain's count of their marks there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.attendance import unexcused_absences
from app.domain.statuses import AttendanceStatus, CourseStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import Attendance, CareGroup, CareSession, Student
from app.services import policies
from tests.services.conftest import Example, class_a301_students, grade_3_course
from tests.support.world import World

FIRST_DAY = date(2026, 10, 12)  # a Monday of the world's terms
DAYS = 8
STUDENTS = 4
# Places: courses 0 and 1 of term A, basic care (the world's group 1 of term A), and basic care
# of term B, whose marks no count of term A may take.
COURSES_A, CARE, CARE_B = (0, 1), 2, 3
PLACES = (*COURSES_A, CARE, CARE_B)


@dataclass(frozen=True)
class Marked:
    student: int
    place: int
    day: int
    status: AttendanceStatus


@st.composite
def roll_calls(draw: st.DrawFn) -> tuple[list[Marked], set[int]]:
    """Marks (one per student and session at most) and the students a count is asked for."""
    keys = draw(
        st.sets(
            st.tuples(
                st.integers(0, STUDENTS - 1), st.sampled_from(PLACES), st.integers(0, DAYS - 1)
            )
        )
    )
    absent = st.just(AttendanceStatus.ABSENT)
    marks = [
        Marked(student, place, day, draw(absent | st.sampled_from(AttendanceStatus)))
        for student, place, day in sorted(keys)
    ]
    asked = draw(st.sets(st.integers(0, STUDENTS - 1), min_size=1))
    return marks, asked


async def build(
    session: AsyncSession, world: World, marks: list[Marked]
) -> tuple[list[Student], list[int | None]]:
    """The students, and the course id of each place (None for basic care)."""
    students = class_a301_students(world, STUDENTS)
    courses = [
        grade_3_course(world.term_a, f"课程{place}", CourseStatus.CONFIRMED) for place in COURSES_A
    ]
    care_b = CareGroup(term_id=world.term_b, number=1, grades=[3])
    session.add_all([*students, *courses, care_b])
    await session.flush()
    course_of = dict(zip(COURSES_A, courses, strict=True))
    group_of = {CARE: (world.term_a, world.care_group), CARE_B: (world.term_b, care_b.id)}
    sessions: dict[tuple[int, int], CareSession] = {}
    for mark in marks:
        key = (mark.place, mark.day)
        if key in sessions:
            continue
        day = FIRST_DAY + timedelta(days=mark.day)
        course = course_of.get(mark.place)
        term_id, group_id = (course.term_id, None) if course else group_of[mark.place]
        sessions[key] = CareSession(
            term_id=term_id,
            course_id=course.id if course else None,
            care_group_id=group_id,
            grades=None if course else [3],
            on_date=day,
            starts_at=datetime.combine(day, time(16), SCHOOL_ZONE),
            ends_at=datetime.combine(day, time(17, 30), SCHOOL_ZONE),
        )
    session.add_all(sessions.values())
    await session.flush()
    session.add_all(
        Attendance(
            session_id=sessions[mark.place, mark.day].id,
            student_id=students[mark.student].id,
            status=mark.status,
            recorded_by_id=world.users["care-a"],
            recorded_at=datetime.now(UTC),
        )
        for mark in marks
    )
    await session.flush()
    return students, [*(course_of[place].id for place in COURSES_A), None]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=roll_calls())
async def test_the_absences_counted_are_the_domains_unexcused_absences(
    rule_world: World, example: Example, case: tuple[list[Marked], set[int]]
) -> None:
    marks, asked = case
    async with example() as session:
        students, place_courses = await build(session, rule_world, marks)
        ids = [students[n].id for n in sorted(asked)]
        counted = {
            place: await policies.unexcused_counts(session, rule_world.term_a, ids, course_id)
            for place, course_id in zip((*COURSES_A, CARE), place_courses, strict=True)
        }
    expected = {
        place: {
            students[n].id: unexcused_absences(
                m.status for m in marks if m.student == n and m.place == place
            )
            for n in sorted(asked)
        }
        for place in (*COURSES_A, CARE)
    }
    # A student with no unexcused absence is left out of the count.
    assert counted == {
        place: {student: n for student, n in counts.items() if n}
        for place, counts in expected.items()
    }
