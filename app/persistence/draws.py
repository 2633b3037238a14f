"""A term's draw as stored: its due time, the term row locked for it, and an attempt held for it
(below the services and the seat engine, which both write entries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import NotFound, NotYourChild, RuleViolation
from app.domain.opening import Opening
from app.domain.statuses import BindingStatus
from app.models import DrawEntry, Guardianship, Term


async def locked_term(session: AsyncSession, term_id: int, *, exclusive: bool) -> Term:
    """The term row, locked: a draw being served (exclusive) waits for the entries being written
    (shared), and an entry written after it sees it served."""
    statement = select(Term).where(Term.id == term_id).execution_options(populate_existing=True)
    locked = (
        statement.with_for_update()
        if exclusive
        else statement.with_for_update(read=True, key_share=True)
    )
    term = await session.scalar(locked)
    if term is None:
        raise NotFound(f"no term {term_id}")
    return term


async def has_entries(session: AsyncSession, term_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(DrawEntry.term_id == term_id))))


_HOLD = text(
    """
    INSERT INTO draw_entry (term_id, student_id, user_id, choices, first_at)
    SELECT :term_id, :student_id, :user_id, ARRAY[:course_id], :at
    WHERE EXISTS (
        SELECT 1 FROM guardianship
        WHERE student_id = :student_id AND user_id = :user_id AND status = 'confirmed'
    )
    ON CONFLICT (term_id, student_id) DO UPDATE
    SET choices = CASE
            WHEN :course_id = ANY(draw_entry.choices) THEN draw_entry.choices
            ELSE draw_entry.choices || :course_id
        END,
        first_at = least(draw_entry.first_at, excluded.first_at),
        user_id = excluded.user_id
    WHERE :course_id = ANY(draw_entry.choices) OR cardinality(draw_entry.choices) < :choices_max
    RETURNING choices
    """
)


@dataclass(frozen=True)
class HeldAttempt:
    student_id: int
    course_id: int
    opening: Opening
    draw_at: datetime
    arrived_at: datetime
    choices: list[int]


async def hold_attempt(
    session: AsyncSession,
    term_id: int,
    student_id: int,
    course_id: int,
    user_id: int,
    arrived_at: datetime,
) -> HeldAttempt | None:
    """Record a grab attempt the engine held for the draw as the family's next choice; None
    when the draw was served meanwhile (the engine has not learnt it yet). The engine checked
    the attempt against its rules; the binding is checked again here, as it is written."""
    term = await locked_term(session, term_id, exclusive=False)
    draw_at = term.draw_at
    if draw_at is None or term.drawn_at is not None:
        return None
    choices = await session.scalar(
        _HOLD,
        {
            "term_id": term_id, "student_id": student_id, "user_id": user_id,
            "course_id": course_id, "at": arrived_at, "choices_max": term.choices_max,
        },
    )  # fmt: skip
    if choices is None:
        bound = await session.scalar(
            select(
                exists().where(
                    Guardianship.student_id == student_id,
                    Guardianship.user_id == user_id,
                    Guardianship.status == BindingStatus.CONFIRMED,
                )
            )
        )
        if not bound:
            raise NotYourChild()
        raise RuleViolation(f"the term takes up to {term.choices_max} choices")
    return HeldAttempt(student_id, course_id, term.opening, draw_at, arrived_at, list(choices))
