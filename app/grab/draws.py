"""Serving a term's draw: once it is due, its entrants are ordered by the committed seed and
given seats by the engine's rules (app/domain/opening.py), in one Postgres transaction under the
term's row lock; the seats, the places and the notices are committed before anyone is told, and
the engine learns the seats, then the end of holding, through the post-commit sync.

While round one waits for its draw the engine gives no seat in it (grab.lua holds every
attempt), so nothing else takes the seats the draw counts."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy import select, text
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
from app.models import GRABBABLE, Course, DrawEntry
from app.notify import messages
from app.notify.outbox import enqueue, guardians_of
from app.persistence.draws import locked_term
from app.persistence.engine_changes import TermChanged, record

log = structlog.get_logger("app.grab.draws")
DRAW_GRAB_ID = "draw:"  # what the grab id of a seat the draw gave starts with
_ENTRANTS = select(DrawEntry.student_id)
_ENTRIES = text(
    """
    SELECT coalesce(
        json_agg(json_build_array(
            e.student_id, e.user_id, e.choices, extract(epoch FROM e.first_at),
            EXISTS (
                SELECT 1 FROM guardianship g
                WHERE g.student_id = e.student_id AND g.user_id = e.user_id
                  AND g.status = 'confirmed'
            )
        )),
        '[]'
    )
    FROM draw_entry e WHERE e.term_id = :term_id
    """
)


@dataclass(frozen=True)
class _Entry:
    student_id: int
    user_id: int
    choices: list[int]
    first_at: datetime
    bound: bool  # who entered is still the child's guardian


# Each entry's place, whether it came late, and what it was given: one statement for them all.
_PLACES = text(
    """
    UPDATE draw_entry d
    SET place = v.place, late = v.late,
        given = ARRAY(
            SELECT g.course::int
            FROM jsonb_array_elements_text(v.given) WITH ORDINALITY AS g(course, n)
            ORDER BY g.n
        )
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS v(student_id int, place int, late boolean, given jsonb)
    WHERE d.term_id = :term_id AND d.student_id = v.student_id
    """
)
_SEATS = text(
    """
    INSERT INTO enrollment (term_id, student_id, course_id, round, user_id, grabbed_at, grab_id)
    SELECT :term_id, v.s, v.c, 1, v.u, :at, :prefix || v.s || ':' || v.c
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(s int, c int, u int)
    """
)
_TAKEN = text(
    """
    UPDATE course SET seats_taken = course.seats_taken + v.n
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(course_id int, n int)
    WHERE course.id = v.course_id
    """
)


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
    seconds_drawing: float = 0.0  # the order and the seats worked out, from what was read
    seconds_in_transaction: float = 0.0  # reading, drawing and writing, up to the commit


async def serve_due_draw(session: AsyncSession, term_id: int, now: datetime) -> DrawReport:
    """Serve the term's draw if it is due; a draw served already is reported as it was."""
    term = await locked_term(session, term_id, exclusive=True)
    if term.opening is Opening.FCFS or term.draw_seed is None:
        raise RuleViolation("this term's round one is first come first served: it has no draw")
    if term.drawn_at is not None:
        return DrawReport(term_id, term.opening.value, term.drawn_at, already_served=True)
    draw_at, served_from = term.draw_at, term.draw_served_from
    assert draw_at is not None
    assert served_from is not None
    if now < served_from:
        raise Conflict(f"the draw is served from {served_from.isoformat()}")
    started = time.perf_counter()
    # One JSON value for all the entries: thousands of rows of arrays parse far faster so.
    entries = {
        student_id: _Entry(student_id, user_id, choices, datetime.fromtimestamp(at, UTC), bound)
        for student_id, user_id, choices, at, bound in await session.scalar(
            _ENTRIES, {"term_id": term_id}
        )
    }
    ordering = time.perf_counter()
    drawn, late = serving_order(
        term.draw_seed,
        draw_scope(term.id, term.opening),
        [Arrival(e.student_id, e.first_at) for e in entries.values()],
        draw_at,
    )
    ordering = time.perf_counter() - ordering
    # The courses' rows, locked in id order as every writer takes them: the seats counted here
    # are the seats given.
    names = dict(
        (
            await session.execute(
                select(Course.id, Course.name)
                .where(Course.term_id == term_id, Course.kind.in_(GRABBABLE))
                .order_by(Course.id)
                .with_for_update()
            )
        ).all()
    )
    offers = {
        c.course_id: Offer(
            c.course_id, c.eligible_grades, c.weekdays, c.start_minute, c.end_minute,
            c.seats_left, c.cancelled,
        )
        for c in await armed_courses(session, term)
    }  # fmt: skip
    entrants = {
        s.student_id: Entrant(
            s.student_id,
            s.grade,
            s.ready and entries[s.student_id].bound,
            s.held,
            tuple(entries[s.student_id].choices),
        )
        for s in await armed_students(session, term, _ENTRANTS.where(DrawEntry.term_id == term_id))
    }
    drawing = time.perf_counter()
    order = drawn + late
    given = serve_draw(order, entrants, offers, term.max_extension_courses)
    report = DrawReport(term_id, term.opening.value, now, entrants=len(entries))
    report.seconds_drawing = ordering + time.perf_counter() - drawing
    places = [
        {"student_id": s, "place": p, "late": p > len(drawn), "given": given.get(s, [])}
        for p, s in enumerate(order, start=1)
    ]
    granted = [(student_id, course_id) for student_id, cs in given.items() for course_id in cs]
    report.courses = dict(Counter(course_id for _, course_id in granted))
    report.seats_given = len(granted)
    report.families_given = len(given)
    if places:
        await session.execute(_PLACES, {"term_id": term_id, "rows": json.dumps(places)})
    if granted:
        seats = [{"s": s, "c": c, "u": entries[s].user_id} for s, c in granted]
        await session.execute(
            _SEATS,
            {"term_id": term_id, "at": now, "prefix": DRAW_GRAB_ID, "rows": json.dumps(seats)},
        )
        taken = [{"course_id": c, "n": n} for c, n in report.courses.items()]
        await session.execute(_TAKEN, {"rows": json.dumps(taken)})
    term.drawn_at = now
    await session.flush()
    # The engine learns the seats with the end of holding (app/grab/sync.py), in one step.
    record(session, TermChanged(term_id))
    place_of = {student_id: place for place, student_id in enumerate(order, start=1)}
    report.notices = await enqueue(
        session,
        [
            messages.draw_served(
                term, student_id, student_name, place_of[student_id],
                [names[c] for c in given.get(student_id, [])], user_id,
            )
            for user_id, student_id, student_name in await guardians_of(session, list(entries))
        ],
    )  # fmt: skip
    report.seconds_in_transaction = time.perf_counter() - started
    log.info("draw_served", term_id=term_id, entrants=len(entries), seats=report.seats_given)
    return report
