"""The demo's term in progress: for the screens of the running term (roll call, leave, fees,
workload, exports) there is a term of the first school that started six weeks ago, with opened
extension courses, basic-care groups, its sessions, roll calls up to yesterday and its billing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Role
from app.domain.grouping import Applicant, group_students
from app.domain.schedule import default_grade_rules
from app.domain.statuses import CourseStatus
from app.models import (
    CareGroup,
    CareGroupMember,
    Course,
    CourseKind,
    Enrollment,
    GradeSchedule,
    RoleGrant,
    SchoolClass,
    Student,
    Term,
    User,
)
from app.services.common import school_today
from app.services.fees import bill_term
from app.services.sessions import generate_sessions

COURSES = (
    ("书法", (3, 4), (2, 4), time(16, 0), time(16, 40)),
    ("少儿编程", (5, 6), (1, 3), time(16, 10), time(16, 50)),
    ("绘本阅读", (1, 2), (1, 5), time(15, 20), time(16, 0)),
    ("篮球", (3, 4), (1, 3), time(16, 50), time(17, 30)),
    ("合唱", (5, 6), (2, 4), time(16, 50), time(17, 30)),
    ("剪纸", (1, 2), (3,), time(16, 10), time(16, 50)),
)

CAPACITY = 120

SAMPLE_ROLL_CALLS = text(
    """
    WITH marked AS (
        INSERT INTO attendance (session_id, student_id, status, recorded_by_id, recorded_at)
        SELECT s.id, r.student_id,
               (CASE WHEN h < 90 THEN 'present' WHEN h < 94 THEN 'late'
                     WHEN h < 97 THEN 'leave' ELSE 'absent' END)::attendance_status,
               :teacher, s.ends_at
        FROM care_session s
        JOIN session_roster r ON r.session_id = s.id
        CROSS JOIN LATERAL (
            SELECT abs(hashtext(s.id::text || ':' || r.student_id::text)) % 100 AS h
        ) x
        WHERE s.term_id = :term AND s.status = 'scheduled' AND s.on_date <= :until
        ON CONFLICT (session_id, student_id) DO NOTHING
        RETURNING session_id
    )
    UPDATE care_session SET roll_call_by_id = :teacher, roll_call_at = ends_at
    WHERE id IN (SELECT session_id FROM marked)
    """
)


async def sample_roll_calls(
    session: AsyncSession, term_id: int, teacher_id: int, until: date
) -> None:
    """A roll call for every session of the term up to `until`: about 9 in 10 present, some
    late, on leave or absent (fixed by a hash, so a rebuild gives the same marks)."""
    await session.execute(
        SAMPLE_ROLL_CALLS, {"term": term_id, "teacher": teacher_id, "until": until}
    )


async def add_running_term(
    session: AsyncSession, school_id: int, login: str, rng: random.Random
) -> dict[str, Any]:
    """The school's term in progress; its manifest entry."""
    today = school_today()
    long_ago = datetime.now(UTC) - timedelta(days=60)
    term = Term(
        school_id=school_id, name=f"{today.year}学期(进行中·演示)",
        starts_on=today - timedelta(weeks=6), ends_on=today + timedelta(weeks=10),
        opens_at=long_ago, grab_opens_at=long_ago, closes_at=long_ago + timedelta(days=1),
        round2_opens_at=long_ago + timedelta(days=1), round2_closes_at=long_ago + timedelta(days=2),
    )  # fmt: skip
    teacher = User(name="托管老师(演示)", dev_login=login)
    session.add_all([term, teacher])
    await session.flush()
    session.add(RoleGrant(user_id=teacher.id, role=Role.CARE_TEACHER, school_id=school_id))
    for grade, rule in default_grade_rules().items():
        session.add(
            GradeSchedule(
                term_id=term.id, grade=grade, start_time=rule.start, end_time=rule.end,
                summer_end_time=rule.summer_end, weekdays=sorted(rule.weekdays),
            )
        )  # fmt: skip
    students: list[tuple[int, int, int]] = [
        (student_id, grade, class_id)
        for student_id, grade, class_id in await session.execute(
            select(Student.id, SchoolClass.grade, SchoolClass.id)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Student.school_id == school_id)
            .order_by(Student.id)
        )
    ]
    await _courses(session, term, students, long_ago, rng)
    await _care_groups(session, term, students, rng)
    await session.flush()
    await generate_sessions(session, term, teacher.id)
    await sample_roll_calls(session, term.id, teacher.id, today - timedelta(days=1))
    await bill_term(session, term.id, teacher.id)
    return {
        "id": term.id, "starts_on": term.starts_on.isoformat(),
        "ends_on": term.ends_on.isoformat(), "care_teacher": f"dev:{login}",
    }  # fmt: skip


async def _courses(
    session: AsyncSession,
    term: Term,
    students: list[tuple[int, int, int]],
    taken_at: datetime,
    rng: random.Random,
) -> None:
    courses = []
    for name, grades, weekdays, start, end in COURSES:
        course = Course(
            term_id=term.id, kind=CourseKind.EXTENSION, name=name, grades=list(grades),
            weekdays=list(weekdays), start_time=start, end_time=end, capacity=CAPACITY, min_size=15,
            fee_per_session_fen=2000, status=CourseStatus.CONFIRMED,
        )  # fmt: skip
        session.add(course)
        courses.append(course)
    await session.flush()
    seats = []
    for student_id, grade, _ in students:
        fitting = [c for c in courses if grade in c.grades and c.seats_taken < c.capacity]
        if fitting and rng.random() < 0.5:
            course = rng.choice(fitting)
            course.seats_taken += 1
            seats.append(
                {"term_id": term.id, "student_id": student_id, "course_id": course.id,
                 "round": 1, "grabbed_at": taken_at, "created_at": taken_at}
            )  # fmt: skip
    if seats:
        await session.execute(insert(Enrollment), seats)


async def _care_groups(
    session: AsyncSession, term: Term, students: list[tuple[int, int, int]], rng: random.Random
) -> None:
    applicants = [
        Applicant(student_id, grade, class_id)
        for student_id, grade, class_id in students
        if rng.random() < 0.6
    ]
    members = []
    for number, group in enumerate(group_students(applicants), start=1):
        row = CareGroup(term_id=term.id, number=number, grades=list(group.grades))
        session.add(row)
        await session.flush()
        members += [
            {"group_id": row.id, "term_id": term.id, "student_id": student_id}
            for student_id in group.student_ids
        ]
    if members:
        await session.execute(insert(CareGroupMember), members)
