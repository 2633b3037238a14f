"""Arming: load a term from Postgres into the seat engine. Postgres is the source of truth;
everything in Redis can be rebuilt from it at any moment, and arming twice changes nothing."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Select, String, and_, cast, exists, func, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.eligibility import slot_of
from app.domain.errors import NotFound
from app.domain.statuses import BindingStatus, CourseStatus, EnrollmentStatus
from app.grab.engine import ArmedCourse, ArmedStudent, ArmedWindow, SeatEngine
from app.grab.persister import persist_stream
from app.models import (
    GRABBABLE,
    Agreement,
    Course,
    Enrollment,
    Guardianship,
    Insurance,
    SchoolClass,
    Student,
    Term,
)
from app.persistence.calendar import term_timetable

log = structlog.get_logger("app.grab.arming")


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


_IDENTITY = text("SELECT id FROM database_identity")
_NEW_IDENTITY = text(
    "INSERT INTO database_identity DEFAULT VALUES ON CONFLICT DO NOTHING RETURNING id"
)


async def database_identity(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """The name of the database the engine mirrors (made if its row is missing); '' before the
    migrations have run, when nothing can be armed anyway."""
    try:
        async with sessionmaker() as session, session.begin():
            identity = await session.scalar(_IDENTITY)
            if identity is None:
                identity = await session.scalar(_NEW_IDENTITY) or await session.scalar(_IDENTITY)
    except ProgrammingError:
        log.warning("database_identity_missing", hint="run `kehou migrate`")
        return ""
    return str(identity)


# The term as one moment of Postgres: read at several moments, a seat an administrator gives in
# between would be armed as held by its student but still free in its course, and its sync (which
# takes a seat only from a student not holding it) would leave it free: handed out twice.
_ONE_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
_ENGINE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('kehou.engine'), :term_id)")


async def lock_engine_term(session: AsyncSession, term_id: int) -> None:
    """Take the term's engine lock for the rest of `session`'s transaction. Whoever writes
    Postgres's state of a term into the engine (arming, the post-commit sync) reads it and
    writes it under this lock, so two such writers never cross: the later one reads after the
    earlier one wrote, and an older read can never overwrite a newer one."""
    await session.execute(_ENGINE_LOCK, {"term_id": term_id})


def armed_window(term: Term) -> ArmedWindow:
    draw_at = term.draw_at
    return ArmedWindow(
        grab_opens_ms=_ms(term.grab_opens_at),
        closes_ms=_ms(term.closes_at),
        round2_opens_ms=_ms(term.round2_opens_at),
        round2_closes_ms=_ms(term.round2_closes_at),
        max_courses=term.max_extension_courses,
        limit_per_parent=term.grab_limit_per_parent or "",
        limit_per_ip=term.grab_limit_per_ip or "",
        draw_at_ms=_ms(draw_at) if draw_at is not None and term.drawn_at is None else 0,
    )


async def armed_courses(
    session: AsyncSession, term: Term, only: Collection[int] | None = None
) -> list[ArmedCourse]:
    """The term's grabbable courses as the engine holds them (those named in `only`, if given)."""
    timetable = await term_timetable(session, term)
    rows = await session.scalars(
        select(Course).where(
            Course.term_id == term.id,
            Course.kind.in_(GRABBABLE),
            *([Course.id.in_(only)] if only is not None else []),
        )
    )
    armed = []
    for course in rows:
        weekdays = frozenset(course.weekdays)
        slot = slot_of(course, timetable)
        rules = timetable.rules(course.period)
        eligible = frozenset(g for g in course.grades if weekdays <= rules[g].weekdays)
        armed.append(
            ArmedCourse(
                course_id=course.id,
                eligible_grades=eligible,
                weekdays=weekdays,
                start_minute=_minutes(slot.start),
                end_minute=_minutes(slot.end),
                cancelled=course.status is CourseStatus.CANCELLED,
                capacity=course.capacity,
                seats_taken=course.seats_taken,
            )
        )
    return armed


async def armed_students(
    session: AsyncSession, term: Term, only: Collection[int] | Select[int] | None = None
) -> list[ArmedStudent]:
    """The term's school's students as the engine holds them (those named in `only`, if given)."""
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
        .where(
            Student.school_id == term.school_id,
            *([Student.id.in_(only)] if only is not None else []),
        )
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


async def arm_term(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, term_id: int
) -> ArmReport:
    """Take the term out of service, write every seat already granted to Postgres, then load the
    whole term from Postgres and swap it in at once. All of it under the term's engine lock: an
    arming that waited for another takes the term out of service only once the other is done,
    so the seats granted on the other's state in between are in the stream it writes first."""
    report = await _arm(sessionmaker, engine, term_id, unless_armed=False)
    assert report is not None
    return report


async def arm_if_unarmed(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, term_id: int
) -> ArmReport | None:
    """Arm the term unless, once the engine lock is ours, it is armed from this database (another
    arming got there first): a term found unarmed by many workers at once is armed once, and
    never taken out of service again while families grab on it. None when it was left alone."""
    return await _arm(sessionmaker, engine, term_id, unless_armed=True)


async def _arm(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: SeatEngine,
    term_id: int,
    unless_armed: bool,
) -> ArmReport | None:
    started = time.perf_counter()
    async with sessionmaker() as session:
        term = await session.get(Term, term_id)
        if term is None:
            raise NotFound(f"no term {term_id}")
    async with sessionmaker() as session, session.begin():
        await lock_engine_term(session, term_id)
        if unless_armed and await engine.is_armed(term_id):
            return None
        await engine.disarm(term_id)
        persisted = await persist_stream(sessionmaker, engine, term_id)
        async with sessionmaker() as snapshot, snapshot.begin():
            await snapshot.execute(_ONE_SNAPSHOT)
            term = await snapshot.get(Term, term_id)
            assert term is not None
            window = armed_window(term)
            courses = await armed_courses(snapshot, term)
            students = await armed_students(snapshot, term)
        await engine.arm(term_id, window, courses, students)
    report = ArmReport(
        term_id, len(courses), len(students), persisted, time.perf_counter() - started
    )
    log.info("term_armed", **report.__dict__)
    return report
