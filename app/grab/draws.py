"""Serving a term's draw: once it is due, its entrants are ordered by the committed seed and
given seats by the engine's rules (app/domain/opening.py), in one Postgres transaction under the
term's row lock; the seats, the places and the notices are committed before anyone is told, and
the engine learns the seats, then the end of holding, through the post-commit sync.

While round one waits for its draw the engine gives no seat in it (grab.lua holds every
attempt), so nothing else takes the seats the draw counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, RuleViolation
from app.domain.opening import (
    Arrival,
    Entrant,
    Offer,
    Opening,
    draw_scope,
    serve_draw,
    serving_order,
)
from app.grab.arming import armed_courses, armed_students
from app.models import GRABBABLE, Course, DrawEntry, Enrollment
from app.notify import messages
from app.notify.outbox import enqueue, guardians_of
from app.persistence.draws import locked_term
from app.persistence.engine_changes import SeatTaken, TermChanged, record

log = structlog.get_logger("app.grab.draws")


@dataclass
class DrawReport:
    term_id: int
    opening: str
    drawn_at: datetime
    entrants: int = 0
    seats_given: int = 0
    families_given: int = 0
    notices: int = 0
    already_served: bool = False
    courses: dict[int, int] = field(default_factory=dict)  # course → seats given


async def serve_due_draw(session: AsyncSession, term_id: int, now: datetime) -> DrawReport:
    """Serve the term's draw if it is due; a draw served already is reported as it was."""
    term = await locked_term(session, term_id, exclusive=True)
    if term.opening is Opening.FCFS or term.draw_seed is None:
        raise RuleViolation("this term's round one is first come first served: it has no draw")
    if term.drawn_at is not None:
        return DrawReport(term_id, term.opening.value, term.drawn_at, already_served=True)
    draw_at = term.draw_at
    assert draw_at is not None
    if now < draw_at:
        raise Conflict(f"the draw is due at {draw_at.isoformat()}")
    entries = {
        e.student_id: e
        for e in await session.scalars(select(DrawEntry).where(DrawEntry.term_id == term_id))
    }
    drawn, late = serving_order(
        term.draw_seed,
        draw_scope(term.id, term.opening),
        [Arrival(e.student_id, e.first_at) for e in entries.values()],
        draw_at,
    )
    # The courses' rows, locked in id order as every writer takes them: the seats counted here
    # are the seats given.
    await session.execute(
        select(Course.id)
        .where(Course.term_id == term_id, Course.kind.in_(GRABBABLE))
        .order_by(Course.id)
        .with_for_update()
    )
    offers = {
        c.course_id: Offer(
            c.course_id,
            c.eligible_grades,
            c.weekdays,
            c.start_minute,
            c.end_minute,
            c.seats_left,
            c.cancelled,
        )
        for c in await armed_courses(session, term)
    }
    entrants = {
        s.student_id: Entrant(
            s.student_id, s.grade, s.ready, s.held, tuple(entries[s.student_id].choices)
        )
        for s in await armed_students(session, term, list(entries))
    }
    given = serve_draw(drawn + late, entrants, offers, term.max_extension_courses)
    report = DrawReport(term_id, term.opening.value, now, entrants=len(entries))
    courses = {
        c.id: c for c in await session.scalars(select(Course).where(Course.term_id == term_id))
    }
    for place, student_id in enumerate(drawn + late, start=1):
        entry = entries[student_id]
        entry.place = place
        entry.late = place > len(drawn)
        entry.given = given.get(student_id, [])
        for course_id in entry.given:
            courses[course_id].seats_taken += 1
            session.add(
                Enrollment(
                    term_id=term_id,
                    student_id=student_id,
                    course_id=course_id,
                    round=1,
                    user_id=entry.user_id,
                    grabbed_at=now,
                    grab_id=f"draw:{student_id}:{course_id}",
                )
            )
            record(session, SeatTaken(term_id, student_id, course_id))
            report.courses[course_id] = report.courses.get(course_id, 0) + 1
    report.seats_given = sum(report.courses.values())
    report.families_given = len(given)
    term.drawn_at = now
    await session.flush()
    record(session, TermChanged(term_id))
    report.notices = await enqueue(
        session,
        [
            messages.draw_served(term, entries[student_id], student_name, courses, user_id)
            for user_id, student_id, student_name in await guardians_of(session, list(entries))
        ],
    )
    log.info("draw_served", term_id=term_id, entrants=len(entries), seats=report.seats_given)
    return report
