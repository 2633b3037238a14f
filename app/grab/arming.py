"""Arming: load a term from Postgres into the seat engine. Postgres is the source of truth;
everything in Redis can be rebuilt from it at any moment, and arming twice changes nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import String, and_, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.eligibility import course_slot
from app.domain.errors import NotFound
from app.grab.engine import ArmedCourse, ArmedStudent, ArmedWindow, SeatEngine
from app.grab.persister import persist_stream
from app.models import (
    Agreement,
    BindingStatus,
    Course,
    CourseKind,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Guardianship,
    Insurance,
    SchoolClass,
    Student,
    Term,
)
from app.services.calendar import grade_rules

log = structlog.get_logger("app.grab.arming")
GRABBABLE = (CourseKind.EXTENSION, CourseKind.HYBRID)


@dataclass(frozen=True)
class ArmReport:
    term_id: int
    courses: int
    students: int
    persisted_first: int
    seconds: float


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _minutes(moment: object) -> int:
    return int(moment.hour) * 60 + int(moment.minute)  # type: ignore[attr-defined]


async def _courses(session: AsyncSession, term: Term) -> list[ArmedCourse]:
    rules = await grade_rules(session, term.id)
    rows = await session.scalars(
        select(Course).where(Course.term_id == term.id, Course.kind.in_(GRABBABLE))
    )
    armed = []
    for course in rows:
        weekdays = frozenset(course.weekdays)
        slot = course_slot(course.grades, weekdays, rules, course.start_time, course.end_time)
        eligible = frozenset(g for g in course.grades if weekdays <= rules[g].weekdays)
        armed.append(
            ArmedCourse(
                course_id=course.id,
                eligible_grades=eligible,
                weekdays=weekdays,
                start_minute=_minutes(slot.start),
                end_minute=_minutes(slot.end),
                cancelled=course.status is CourseStatus.CANCELLED,
                seats_left=course.capacity - course.seats_taken,
            )
        )
    return armed


async def _students(
    session: AsyncSession, term: Term, only: int | None = None
) -> list[ArmedStudent]:
    bound = exists().where(
        Guardianship.student_id == Student.id, Guardianship.status == BindingStatus.CONFIRMED
    )
    signed = exists().where(Agreement.student_id == Student.id, Agreement.term_id == term.id)
    insured = exists().where(
        Insurance.student_id == Student.id,
        Insurance.valid_from <= term.starts_on,
        Insurance.valid_to >= term.ends_on,
    )
    in_round_two = exists().where(
        Enrollment.student_id == Student.id,
        Enrollment.term_id == term.id,
        Enrollment.status == EnrollmentStatus.CANCELLED_BY_SCHOOL,
    )
    held = (
        select(func.string_agg(cast(Enrollment.course_id, String), ","))
        .where(
            Enrollment.student_id == Student.id,
            Enrollment.term_id == term.id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
        .scalar_subquery()
    )
    guardians = (
        select(func.string_agg(cast(Guardianship.user_id, String), ","))
        .where(
            Guardianship.student_id == Student.id, Guardianship.status == BindingStatus.CONFIRMED
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Student.id,
            SchoolClass.grade,
            and_(bound, signed, insured),
            in_round_two,
            held,
            guardians,
        )
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == term.school_id, *([Student.id == only] if only else []))
    )
    return [
        ArmedStudent(
            student_id=student_id,
            grade=grade,
            ready=bool(ready),
            in_round_two=bool(round_two),
            held=tuple(int(c) for c in (held_csv or "").split(",") if c),
            guardians=tuple(int(u) for u in (guardians_csv or "").split(",") if u),
        )
        for student_id, grade, ready, round_two, held_csv, guardians_csv in rows
    ]


async def refresh_student(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: SeatEngine,
    student_id: int,
    now: datetime | None = None,
) -> list[int]:
    """Update one student in every armed term of their school whose grab has not closed (after a
    binding, an agreement or insurance was recorded); the terms updated."""
    moment = now or datetime.now(UTC)
    updated = []
    async with sessionmaker() as session:
        terms = await session.scalars(
            select(Term)
            .join(Student, Student.school_id == Term.school_id)
            .where(Student.id == student_id, Term.round2_closes_at > moment)
        )
        for term in terms.all():
            students = await _students(session, term, only=student_id)
            if students and await engine.refresh_student(term.id, students[0]):
                updated.append(term.id)
    return updated


async def arm_term(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, term_id: int
) -> ArmReport:
    """Take the term out of service, write every seat already granted to Postgres, then load the
    whole term from Postgres and swap it in at once."""
    started = time.perf_counter()
    async with sessionmaker() as session:
        term = await session.get(Term, term_id)
        if term is None:
            raise NotFound(f"no term {term_id}")
    await engine.disarm(term_id)
    persisted = await persist_stream(sessionmaker, engine, term_id)
    async with sessionmaker() as session, session.begin():
        term = await session.get(Term, term_id)
        assert term is not None
        window = ArmedWindow(
            grab_opens_ms=_ms(term.grab_opens_at),
            closes_ms=_ms(term.closes_at),
            round2_opens_ms=_ms(term.round2_opens_at),
            round2_closes_ms=_ms(term.round2_closes_at),
            max_courses=term.max_extension_courses,
            limit_per_parent=term.grab_limit_per_parent or "",
            limit_per_ip=term.grab_limit_per_ip or "",
        )
        courses = await _courses(session, term)
        students = await _students(session, term)
    await engine.arm(term_id, window, courses, students)
    report = ArmReport(
        term_id, len(courses), len(students), persisted, time.perf_counter() - started
    )
    log.info("term_armed", **report.__dict__)
    return report
