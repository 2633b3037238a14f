"""The course catalogue of a term: basic care groups, extension and hybrid courses."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, SchoolScope
from app.domain.eligibility import Ineligibility, clashes, course_slot, ineligibility, slot_of
from app.domain.errors import Conflict, NotYourChild, PermissionDenied, RuleViolation
from app.domain.schedule import Period, TermCalendar, TimeSlot, Timetable
from app.domain.statuses import EnrollmentStatus
from app.models import GRABBABLE, Course, CourseKind, Enrollment, SchoolClass, Student, Term
from app.persistence.calendar import lock_timetable, term_calendar, term_timetable
from app.persistence.engine_changes import CourseChanged, record
from app.services.common import (
    NOT_A_READER,
    Reach,
    flush_or_conflict,
    get_or_404,
    paginate,
    require,
    term_in_reach,
    update_versioned,
)
from app.services.read_cache import STUDENTS, ReadCache, term_tag

SCHEDULE_FIELDS = ("grades", "weekdays", "period", "start_time", "end_time")
# Who reaches a term's catalogue (its school) and a student's grade change rarely: kept this long.
ACCESS_TTL_S = 30.0
# What the students of a term hold (for the course list's clashes): kept as long as a catalogue
# answer is.
HELD_TTL_S = 1.0


@dataclass(frozen=True)
class CourseView:
    course: Course
    slot: TimeSlot
    sessions: int
    ineligible: Ineligibility | None = None
    checked_for_student: bool = False
    seats_left: int = 0
    held: bool = False  # by the student asked about
    clashes_with: tuple[int, ...] = ()  # courses that student holds at the same time


def _slot(course_values: dict[str, object] | Course, timetable: Timetable) -> TimeSlot:
    get = (
        course_values.get
        if isinstance(course_values, dict)
        else lambda name: getattr(course_values, name)
    )
    grades = [int(g) for g in get("grades")]  # type: ignore[union-attr]
    weekdays = frozenset(int(d) for d in get("weekdays"))  # type: ignore[union-attr]
    start, end = get("start_time"), get("end_time")
    try:
        rules = timetable.rules(Period(str(get("period") or Period.AFTER_SCHOOL)))
    except ValueError as error:
        raise RuleViolation(str(error)) from error
    for grade in grades:
        closed = sorted(weekdays - rules[grade].weekdays)
        if closed:
            raise RuleViolation(
                f"grade {grade} is not in care on weekday(s) {closed}: the course contradicts "
                "the term's timetable"
            )
    try:
        return course_slot(
            grades,
            weekdays,
            rules,
            start if isinstance(start, time) else None,
            end if isinstance(end, time) else None,
        )
    except ValueError as error:
        raise RuleViolation(f"the course contradicts the term's timetable: {error}") from error


def _view(
    course: Course,
    timetable: Timetable,
    calendar: TermCalendar,
    live_seats: dict[int, int] | None = None,
) -> CourseView:
    slot = _slot(course, timetable)
    seats = (live_seats or {}).get(course.id, course.capacity - course.seats_taken)
    return CourseView(course, slot, len(calendar.session_dates(slot.weekdays)), seats_left=seats)


async def create_course(
    session: AsyncSession, principal: Principal, term_id: int, values: dict[str, object]
) -> CourseView:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    if values.get("period") == Period.MIDDAY:  # while the term cannot stop offering it
        term = await lock_timetable(session, term_id, exclusive=False)
    timetable = await term_timetable(session, term)
    _slot(values, timetable)
    course = Course(term_id=term_id, **values)
    if course.kind is CourseKind.BASIC and course.fee_per_session_fen:
        raise RuleViolation("basic care is free: its fee must be 0")
    if course.min_size > course.capacity:
        raise RuleViolation("the minimum size cannot exceed the capacity")
    session.add(course)
    await flush_or_conflict(session, "the course is inconsistent")
    record(session, CourseChanged(term_id, course.id))
    return _view(course, timetable, await term_calendar(session, term))


async def update_course(
    session: AsyncSession,
    principal: Principal,
    course_id: int,
    changes: dict[str, object],
    version: int,
) -> CourseView:
    course = await get_or_404(session, Course, course_id, "course")
    term = (await term_in_reach(session, principal, course.term_id, Reach.ADMIN)).term
    if changes.get("period", course.period) == Period.MIDDAY:
        term = await lock_timetable(session, course.term_id, exclusive=False)
    timetable = await term_timetable(session, term)
    merged = {name: getattr(course, name) for name in SCHEDULE_FIELDS} | {
        k: v for k, v in changes.items() if k in SCHEDULE_FIELDS
    }
    slot = _slot(merged, timetable)
    if changes.keys() & set(SCHEDULE_FIELDS):
        clashing = await _students_it_would_clash_for(session, course, slot, timetable)
        if clashing:
            raise Conflict(
                "the new schedule clashes with another course some of its students hold",
                students=clashing,
            )
    capacity = int(str(changes.get("capacity", course.capacity)))
    if int(str(changes.get("min_size", course.min_size))) > capacity:
        raise RuleViolation("the minimum size cannot exceed the capacity")
    await update_versioned(session, course, changes, version, "the course is inconsistent")
    record(session, CourseChanged(term.id, course.id))
    return _view(course, timetable, await term_calendar(session, term))


async def _students_it_would_clash_for(
    session: AsyncSession, course: Course, slot: TimeSlot, timetable: Timetable
) -> list[int]:
    """The students holding `course` who also hold a course of the term meeting at `slot`."""
    mine = select(Enrollment.student_id).where(
        Enrollment.course_id == course.id, Enrollment.status == EnrollmentStatus.CONFIRMED
    )
    held = await session.execute(
        select(Enrollment.student_id, Course)
        .join(Course, Course.id == Enrollment.course_id)
        .where(
            Enrollment.term_id == course.term_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
            Enrollment.course_id != course.id,
            Enrollment.student_id.in_(mine),
        )
    )
    return sorted(
        {student for student, other in held if slot_of(other, timetable).conflicts_with(slot)}
    )


async def get_course(session: AsyncSession, principal: Principal, course_id: int) -> CourseView:
    course = await get_or_404(session, Course, course_id, "course")
    term = (await term_in_reach(session, principal, course.term_id, Reach.READER)).term
    return _view(course, await term_timetable(session, term), await term_calendar(session, term))


@dataclass(frozen=True)
class CatalogueAccess:
    """What decides who may read a term's catalogue, and as which student: the term's school, and
    the grade of the student asked about (None when no student was named)."""

    term_id: int
    scope: SchoolScope
    grade: int | None
    held: tuple[int, ...] = ()  # the courses that student holds, in id order


def require_catalogue_reader(
    principal: Principal, access: CatalogueAccess, student_id: int | None
) -> None:
    """The catalogue is its school's staff's and families'; a student's view of it is their own
    family's, or any staff's."""
    require(principal.may_read_school(access.scope), NOT_A_READER)
    if student_id is not None and not (
        principal.acts_for(student_id) or principal.is_staff_of(access.scope)
    ):
        raise NotYourChild()


async def catalogue_access(
    reads: ReadCache,
    engine: HeldSeats,
    principal: Principal,
    term_id: int,
    student_id: int | None,
) -> CatalogueAccess:
    """Whether the caller reaches the term's catalogue (as `student_id`, when named). The term's
    school and the school's grades come from the process's read cache when they were looked up in
    the last `ACCESS_TTL_S`; the caller is checked against them every time."""

    async def school(session: AsyncSession) -> SchoolScope:
        return (await term_in_reach(session, principal, term_id, Reach.READER)).scope

    scope: SchoolScope = await reads.get_or_query(
        term_school_key(term_id), ACCESS_TTL_S, school, (term_tag(term_id),)
    )
    access = CatalogueAccess(term_id, scope, None)
    require_catalogue_reader(principal, access, student_id)
    if student_id is None:
        return access

    async def grades(session: AsyncSession) -> dict[int, int]:
        rows = await session.execute(
            select(Student.id, SchoolClass.grade)
            .join(SchoolClass, Student.class_id == SchoolClass.id)
            .where(Student.school_id == scope.school_id)
        )
        return {student: grade for student, grade in rows}

    by_student: dict[int, int] = await reads.get_or_query(
        school_grades_key(scope.school_id), ACCESS_TTL_S, grades, (STUDENTS,)
    )
    grade = by_student.get(student_id)
    if grade is None:
        raise RuleViolation(f"student {student_id} is not at this term's school")
    holdings = await term_holdings(engine, reads, term_id)
    return CatalogueAccess(term_id, scope, grade, holdings.get(student_id, ()))


def term_school_key(term_id: int) -> tuple[str, int]:
    return ("term-school", term_id)


def school_grades_key(school_id: int) -> tuple[str, int]:
    return ("school-grades", school_id)


def cached_catalogue_access(
    reads: ReadCache, principal: Principal, term_id: int, student_id: int | None
) -> CatalogueAccess | None:
    """`catalogue_access` from the read cache alone: None when a part of it is not there, or the
    caller is refused (the full path then gives the refusal its answer)."""
    scope: SchoolScope | None = reads.get(term_school_key(term_id))
    if scope is None:
        return None
    access = CatalogueAccess(term_id, scope, None)
    try:
        require_catalogue_reader(principal, access, student_id)
    except PermissionDenied:
        return None
    if student_id is None:
        return access
    grades: dict[int, int] | None = reads.get(school_grades_key(scope.school_id))
    grade = grades.get(student_id) if grades is not None else None
    holdings: Holdings | None = reads.get(holdings_key(term_id))
    if grade is None or holdings is None:
        return None
    return CatalogueAccess(term_id, scope, grade, holdings.get(student_id, ()))


async def list_courses(
    session: AsyncSession,
    access: CatalogueAccess,
    kind: CourseKind | None,
    page: int,
    size: int,
    live_seats: dict[int, int] | None = None,
) -> CataloguePage:
    """The catalogue, for a caller found to reach it (`access`, from `catalogue_access`); with a
    student named there, each course says whether that student may take it. `live_seats` (from
    the seat engine while the term is armed) override the database's count."""
    term_id = access.term_id
    term = await get_or_404(session, Term, term_id, "term")
    grade = access.grade
    statement = select(Course).where(Course.term_id == term_id)
    if kind is not None:
        statement = statement.where(Course.kind == kind)
    courses, total = await paginate(session, statement.order_by(Course.id), page, size)
    timetable = await term_timetable(session, term)
    calendar = await term_calendar(session, term)
    views = []
    for course in courses:
        view = _view(course, timetable, calendar, live_seats)
        if grade is not None:
            rule = timetable.rules(course.period)[grade]
            reason = ineligibility(
                grade, frozenset(course.grades), frozenset(course.weekdays), rule
            )
            view = replace(view, ineligible=reason, checked_for_student=True)
        views.append(view)
    slots = {} if grade is None else await _term_slots(session, term_id, timetable)
    return CataloguePage(views, total, slots)


@dataclass(frozen=True)
class CataloguePage:
    """A page of the catalogue as every student of a grade sees it, with the weekly slot of every
    course of the term (when a student is named): what a student holds, on this page or not, is
    laid over it by `for_student`, with no database."""

    views: list[CourseView]
    total: int
    slots: dict[int, TimeSlot]

    def for_student(self, held: tuple[int, ...]) -> list[CourseView]:
        taken = {course_id: self.slots[course_id] for course_id in held if course_id in self.slots}
        return [
            replace(
                view,
                held=view.course.id in taken,
                clashes_with=clashes(view.course.id, view.slot, taken),
            )
            for view in self.views
        ]


async def _term_slots(
    session: AsyncSession, term_id: int, timetable: Timetable
) -> dict[int, TimeSlot]:
    rows = await session.scalars(select(Course).where(Course.term_id == term_id))
    return {course.id: _slot(course, timetable) for course in rows}


class HeldSeats(Protocol):
    async def held_if_armed(self, term_id: int) -> dict[int, list[int]] | None: ...


Holdings = dict[int, tuple[int, ...]]
"""Student id → the courses of the term they hold, in id order (students holding none left out)."""


async def term_holdings(engine: HeldSeats, reads: ReadCache, term_id: int) -> Holdings:
    """What every student of the term holds: the seat engine's word while it holds the term
    (seats taken but not yet written included), else Postgres's. Read for the whole term at once
    and kept as long as a catalogue answer is, so that a child's course list costs no round trip
    of its own: a clash shows at most that long after the grab that made it, as the seats do."""

    async def written(session: AsyncSession) -> dict[int, list[int]]:
        rows = await session.execute(
            select(Enrollment.student_id, Enrollment.course_id).where(
                Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.CONFIRMED
            )
        )
        held: dict[int, list[int]] = {}
        for student_id, course_id in rows:
            held.setdefault(student_id, []).append(course_id)
        return held

    async def load() -> Holdings:
        held = await engine.held_if_armed(term_id)
        if held is None:
            held = await reads.query(written)
        return {
            student: tuple(sorted(set(courses))) for student, courses in held.items() if courses
        }

    holdings: Holdings = await reads.get_or_load(
        holdings_key(term_id), HELD_TTL_S, load, (term_tag(term_id),)
    )
    return holdings


def holdings_key(term_id: int) -> tuple[str, int]:
    return ("holdings", term_id)


async def seats_left(
    session: AsyncSession, term_id: int, live_seats: dict[int, int] | None
) -> dict[int, int]:
    """Seats left per grabbable course: the engine's counts while it holds the term, else
    Postgres's."""
    if live_seats is not None:
        return live_seats
    rows = await session.execute(
        select(Course.id, Course.capacity - Course.seats_taken).where(
            Course.term_id == term_id, Course.kind.in_(GRABBABLE)
        )
    )
    return {course_id: int(left) for course_id, left in rows}
