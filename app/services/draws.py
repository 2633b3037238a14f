"""How a term's round one opens, and the entries of its draw: the setting and its commitment, a
family's ranked choices, an attempt held for the draw, and what is published of the draw.

The draw itself (serving its entries seats) is the seat engine's: app/grab/draws.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.draw import commitment, new_seed
from app.domain.eligibility import missing_prerequisites
from app.domain.errors import Conflict, NotFound, NotYourChild, RuleViolation
from app.domain.grab_errors import (
    CourseCancelled,
    NotEligible,
    PrerequisitesMissing,
    WindowClosed,
    WindowNotOpen,
)
from app.domain.opening import (
    CHOICES_MAX_RANGE,
    FAIR_START_S_RANGE,
    OPENING_FIXED_BEFORE,
    Opening,
    draw_scope,
)
from app.domain.schedule import DateRange
from app.domain.statuses import CourseStatus
from app.models import GRABBABLE, Course, DrawEntry, SchoolClass, Student, Term
from app.persistence.draws import has_entries, locked_term
from app.persistence.engine_changes import TermChanged, record
from app.services.access import followed_student
from app.services.common import Reach, term_in_reach
from app.services.students import readiness_facts


async def set_opening(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    opening: Opening,
    fair_start_s: int,
    choices_max: int,
    now: datetime,
) -> Term:
    """Choose how round one opens, until shortly before the grab opens and while nobody has
    entered. A mode with a draw gets a fresh secret seed and publishes its commitment at once;
    a change makes a new one (a seed is never used for two announced draws), and the same
    setting sent again changes nothing."""
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    term = await locked_term(session, term_id, exclusive=True)
    if now >= term.grab_opens_at - OPENING_FIXED_BEFORE:
        minutes = int(OPENING_FIXED_BEFORE.total_seconds() // 60)
        raise Conflict(f"how round one opens is fixed {minutes} minutes before the grab opens")
    if term.drawn_at is not None or await has_entries(session, term_id):
        raise Conflict("families have entered the draw: how round one opens is fixed")
    low, high = FAIR_START_S_RANGE
    if not low <= fair_start_s <= high:
        raise RuleViolation(f"fair_start_s is between {low} and {high} seconds")
    low, high = CHOICES_MAX_RANGE
    if not low <= choices_max <= high:
        raise RuleViolation(f"choices_max is between {low} and {high}")
    if (opening, fair_start_s, choices_max) == (term.opening, term.fair_start_s, term.choices_max):
        return term
    term.opening = opening
    term.fair_start_s = fair_start_s
    term.choices_max = choices_max
    if opening is Opening.FCFS:
        term.draw_seed = term.draw_commitment = None
    else:
        term.draw_seed = new_seed()
        term.draw_commitment = commitment(term.draw_seed, draw_scope(term.id, opening))
    await session.flush()
    record(session, TermChanged(term.id))
    return term


async def _student_of_school(session: AsyncSession, student_id: int, term: Term) -> Student:
    student = await session.get(Student, student_id)
    if student is None:
        raise NotFound(f"no student {student_id}")
    if student.school_id != term.school_id:
        raise RuleViolation(f"term {term.id} is not a term of the student's school")
    return student


async def _check_choices(
    session: AsyncSession, term: Term, student: Student, course_ids: Sequence[int]
) -> None:
    """Each choice is a course of the term the child could grab: not basic care, not cancelled,
    open to the child's grade. Whether it has a seat, or clashes, is the draw's to find."""
    if len(set(course_ids)) != len(course_ids):
        raise RuleViolation("a course is listed once")
    if len(course_ids) > term.choices_max:
        raise RuleViolation(f"the term takes up to {term.choices_max} choices")
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == student.class_id)
    )
    courses = {
        c.id: c for c in await session.scalars(select(Course).where(Course.id.in_(course_ids)))
    }
    for course_id in course_ids:
        course = courses.get(course_id)
        if course is None:
            raise NotFound(f"no course {course_id}")
        if course.term_id != term.id or course.kind not in GRABBABLE:
            raise RuleViolation(f"course {course_id} is not an extension course of term {term.id}")
        if course.status is CourseStatus.CANCELLED:
            raise CourseCancelled()
        if grade not in course.grades:
            raise NotEligible()


def _entering_open(term: Term, now: datetime) -> None:
    """Entries are taken from the grab's opening until the draw is served (a ranked term's until
    round one closes)."""
    if term.opening is Opening.FCFS:
        raise Conflict("this term's round one is first come first served: grab the seats")
    if now < term.grab_opens_at:
        raise WindowNotOpen()
    if term.drawn_at is not None or now >= term.closes_at:
        raise WindowClosed()


async def enter_choices(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    student_id: int,
    course_ids: Sequence[int],
    now: datetime,
) -> DrawEntry:
    """A family's list of choices for its child, most wanted first: the whole list, replacing
    the one sent before. A family entering first this way arrives now."""
    if not principal.acts_for(student_id):
        raise NotYourChild()
    term = await locked_term(session, term_id, exclusive=False)
    student = await _student_of_school(session, student_id, term)
    _entering_open(term, now)
    missing = missing_prerequisites(
        await readiness_facts(session, student_id, term), DateRange(term.starts_on, term.ends_on)
    )
    if missing:
        raise PrerequisitesMissing()
    await _check_choices(session, term, student, course_ids)
    entry = await session.scalar(
        select(DrawEntry)
        .where(DrawEntry.term_id == term_id, DrawEntry.student_id == student_id)
        .with_for_update()
    )
    if entry is None:
        entry = DrawEntry(
            term_id=term_id, student_id=student_id, user_id=principal.user_id,
            choices=list(course_ids), first_at=now,
        )  # fmt: skip
        session.add(entry)
    else:
        entry.choices = list(course_ids)
        entry.user_id = principal.user_id
    await session.flush()
    return entry


@dataclass(frozen=True)
class DrawView:
    term: Term
    scope: str | None
    entrants: int
    drawn: list[int]  # the drawn entrants in the draw's order (once served)
    late: list[int]  # then those who came after the drawn moment, as they came


async def draw_of(session: AsyncSession, principal: Principal, term_id: int) -> DrawView:
    """What anyone of the school may see of the term's draw: its mode, due time and commitment
    before; its seed and order once served."""
    term = (await term_in_reach(session, principal, term_id, Reach.READER)).term
    if term.opening is Opening.FCFS:
        return DrawView(term, None, 0, [], [])
    scope = draw_scope(term.id, term.opening)
    if term.drawn_at is None:
        entrants = await session.scalar(
            select(func.count()).select_from(DrawEntry).where(DrawEntry.term_id == term_id)
        )
        return DrawView(term, scope, entrants or 0, [], [])
    rows = (
        await session.execute(
            select(DrawEntry.student_id, DrawEntry.late)
            .where(DrawEntry.term_id == term_id)
            .order_by(DrawEntry.place)
        )
    ).all()
    drawn = [student for student, late in rows if not late]
    late = [student for student, late in rows if late]
    return DrawView(term, scope, len(rows), drawn, late)


async def entry_of(
    session: AsyncSession, principal: Principal, term_id: int, student_id: int
) -> tuple[DrawEntry, Term]:
    """A child's entry in the term's draw, for the child's guardians and staff who follow it."""
    await followed_student(session, principal, student_id)
    term = await session.get(Term, term_id)
    entry = await session.scalar(
        select(DrawEntry).where(DrawEntry.term_id == term_id, DrawEntry.student_id == student_id)
    )
    if term is None or entry is None:
        raise NotFound(f"student {student_id} has no entry in term {term_id}'s draw")
    return entry, term
