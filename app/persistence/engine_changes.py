"""What the seat engine must learn of a transaction.

Redis holds a copy of what the grab needs (app/grab/arming.py). A service that changes any of it
in Postgres records the change here, on the session it writes with; once the transaction has
committed, and before the answer is sent, app/grab/sync.py applies what was recorded with the
engine's atomic scripts. Nothing is recorded for a transaction that rolls back, because the log
leaves with the session. The log sits below the services, beside the session it rides on, so that
services import nothing of the engine and the engine nothing of the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

_LOG = "engine_changes"


@dataclass(frozen=True)
class StudentChanged:
    """Readiness (binding, agreement, insurance), grade, class or guardians of a student."""

    student_id: int


@dataclass(frozen=True)
class ClassChanged:
    """A class's grade: what the engine knows of every student in it."""

    class_id: int


@dataclass(frozen=True)
class CourseChanged:
    """A course's capacity, grades, weekdays, times or status, or a course new to the term."""

    term_id: int
    course_id: int


@dataclass(frozen=True)
class TermChanged:
    """A term's window, rate limits or per-student maximum."""

    term_id: int


@dataclass(frozen=True)
class TimetableChanged:
    """A grade schedule of the term: the slot and eligible grades of every course follow it."""

    term_id: int


@dataclass(frozen=True)
class SeatTaken:
    """A confirmed seat given outside the grab (an override, a move, a waitlist admission)."""

    term_id: int
    student_id: int
    course_id: int


@dataclass(frozen=True)
class SeatReleased:
    """A confirmed seat that ended (given up, dismissed, removed, moved away from)."""

    term_id: int
    student_id: int
    course_id: int


EngineChange = (
    StudentChanged
    | ClassChanged
    | CourseChanged
    | TermChanged
    | TimetableChanged
    | SeatTaken
    | SeatReleased
)


def record(session: AsyncSession, *changes: EngineChange) -> None:
    """Note `changes` for the engine, to be applied once this session's transaction commits."""
    session.info.setdefault(_LOG, []).extend(changes)


def take(session: AsyncSession) -> list[EngineChange]:
    """The changes recorded on `session`, in order, and the log emptied."""
    changes: list[EngineChange] = session.info.pop(_LOG, [])
    return changes
