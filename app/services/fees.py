"""The fee ledger: billing a term's paid courses, refunds of sessions the school cancelled,
payments, and statements. Every writer is idempotent through the entry's `dedupe_key`; the
ledger is append-only, so a statement is always the sum of its entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, NotFound, RuleViolation
from app.domain.fees import Entry, LedgerKind, Statement, course_charge, statement
from app.domain.statuses import SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import CareSession, Course, Enrollment, LedgerEntry, Student, Term
from app.services.access import followed_student
from app.services.care_fees import CareLine, care_lines, charge_care
from app.services.common import Reach, get_or_404, paginate, term_in_reach
from app.services.ledger import append_entries, lock_books, mark_term

# A seat pays for the sessions from the (school's) day it was taken: an override mid-term
# does not pay for what came before (the domain's `seat_pays_for`). The count stays in SQL, one
# set-based statement for a whole term's seats; tests/services/test_fee_rules.py holds it, and
# the refunds' below, to the domain's rules on random data.
_BILLABLE = text(
    """
    SELECT e.id, e.student_id, e.course_id, c.fee_per_session_fen, count(s.id) AS sessions
    FROM enrollment e
    JOIN course c ON c.id = e.course_id
    JOIN care_session s ON s.course_id = e.course_id AND s.status = 'scheduled'
                       AND s.on_date >= (e.created_at AT TIME ZONE :zone)::date
    WHERE e.term_id = :term AND e.status = 'confirmed' AND c.status = 'confirmed'
      AND c.fee_per_session_fen > 0
    GROUP BY e.id, c.fee_per_session_fen
    ORDER BY e.id
    """
)


@dataclass(frozen=True)
class BillingReport:
    term_id: int
    enrollments: int
    new_charges: int
    charged_fen: int


async def bill(session: AsyncSession, principal: Principal, term_id: int) -> BillingReport:
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    return await bill_term(session, term_id, principal.user_id)


async def bill_term(session: AsyncSession, term_id: int, actor_id: int) -> BillingReport:
    """Charge every confirmed seat of an opened paid course: its scheduled sessions × the fee;
    and, where the term charges basic care, each child in care by the term's model. Billing
    again charges only seats, and children in care, that were not billed yet."""
    books = await lock_books(session, term_id)
    books.require_open()
    has_sessions = await session.scalar(
        select(CareSession.id).where(CareSession.term_id == term_id).limit(1)
    )
    if has_sessions is None:
        raise Conflict("generate the term's sessions before billing it")
    rows = []
    for enrollment_id, student_id, course_id, fee, sessions in await session.execute(
        _BILLABLE, {"term": term_id, "zone": SCHOOL_ZONE.key}
    ):
        rows.append(
            {
                "term_id": term_id, "student_id": student_id, "kind": LedgerKind.CHARGE,
                "amount_fen": course_charge(sessions, fee), "course_id": course_id, "sessions": sessions,
                "note": f"{sessions} × {fee}", "dedupe_key": f"charge:{enrollment_id}",
                "recorded_by_id": actor_id,
            }
        )  # fmt: skip
    written = await append_entries(session, rows)
    # The term as it is under the lock: its care fee cannot change meanwhile.
    term = await session.scalar(
        select(Term).where(Term.id == term_id).execution_options(populate_existing=True)
    )
    assert term is not None  # its row is locked
    await charge_care(session, term, actor_id)
    if books.billed_at is None:
        await mark_term(session, term_id, billed_at=datetime.now(UTC))
    return BillingReport(term_id, len(rows), written, sum(int(r["amount_fen"]) for r in rows))


# One refund per cancelled paid session and student charged for it; a seat pays (and is refunded)
# only for the sessions from the day it was taken. Without :student, the seats still confirmed
# (the session's roster); with it, that student's seats whatever their state (a dismissal has
# just ended them).
_REFUNDS = text(
    """
    INSERT INTO ledger_entry (term_id, student_id, kind, amount_fen, course_id, session_id,
                              sessions, note, dedupe_key, recorded_by_id)
    SELECT DISTINCT ON (s.id, e.student_id)
           s.term_id, e.student_id, 'refund', -c.fee_per_session_fen, s.course_id, s.id, 1,
           coalesce(nullif(s.cancel_reason, ''), :note), 'refund:' || s.id || ':' || e.student_id,
           :actor
    FROM care_session s
    JOIN course c ON c.id = s.course_id AND c.fee_per_session_fen > 0
    JOIN enrollment e ON e.course_id = s.course_id
    JOIN ledger_entry charge ON charge.dedupe_key = 'charge:' || e.id
    WHERE s.id = ANY(:sessions)
      AND s.on_date >= (e.created_at AT TIME ZONE :zone)::date
      AND (CAST(:student AS integer) IS NULL AND e.status = 'confirmed'
           OR e.student_id = CAST(:student AS integer))
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING student_id
    """
)


async def refund_sessions(
    session: AsyncSession,
    term_id: int,
    care_session_ids: Sequence[int],
    actor_id: int,
    student_id: int | None = None,
    note: str = "school",
) -> set[int]:
    """Refund paid sessions the school did not hold to the students charged for them; the
    students refunded now."""
    return set(await _refund_rows(session, term_id, care_session_ids, actor_id, student_id, note))


async def _refund_rows(
    session: AsyncSession,
    term_id: int,
    care_session_ids: Sequence[int],
    actor_id: int,
    student_id: int | None,
    note: str,
) -> list[int]:
    """The student of each refund written (one per session and student)."""
    books = await lock_books(session, term_id)
    if books.billed_at is None or not care_session_ids:
        return []  # nothing was charged: a session cancelled now is never billed
    books.require_open()
    params = {
        "sessions": list(care_session_ids), "student": student_id, "actor": actor_id,
        "note": note, "zone": SCHOOL_ZONE.key,
    }  # fmt: skip
    return [student for (student,) in await session.execute(_REFUNDS, params)]


async def refund_from(
    session: AsyncSession,
    term: Term,
    student_id: int,
    first_day: date,
    actor_id: int,
    course_ids: Sequence[int] | None = None,
    note: str = "劝退",
) -> int:
    """A student whose places the school ended early (劝退; or a place left by request, only
    `course_ids`): refund their paid sessions not yet held. The number refunded."""
    courses = select(Enrollment.course_id).where(
        Enrollment.student_id == student_id, Enrollment.term_id == term.id
    )
    if course_ids is not None:
        courses = courses.where(Enrollment.course_id.in_(course_ids))
    ids = (
        await session.scalars(
            select(CareSession.id).where(
                CareSession.course_id.in_(courses),
                CareSession.status == SessionStatus.SCHEDULED,
                CareSession.on_date >= first_day,
            )
        )
    ).all()
    return len(await _refund_rows(session, term.id, ids, actor_id, student_id, note))


async def record_payment(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    student_id: int,
    amount_fen: int,
    reference: str,
) -> LedgerEntry:
    """A payment the school received (缴费), once per reference (a receipt or transfer number)."""
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    (await lock_books(session, term_id)).require_open()
    student = await get_or_404(session, Student, student_id, "student")
    if student.school_id != term.school_id:
        raise RuleViolation("the student is not at this term's school")
    key = f"payment:{term_id}:{reference}"
    await append_entries(
        session,
        [
            {
                "term_id": term_id, "student_id": student_id, "kind": LedgerKind.PAYMENT,
                "amount_fen": -amount_fen, "note": reference, "dedupe_key": key,
                "recorded_by_id": principal.user_id,
            }
        ],
    )  # fmt: skip
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.dedupe_key == key))
    assert entry is not None
    if entry.student_id != student_id or entry.amount_fen != -amount_fen:
        raise Conflict(f"payment reference {reference!r} is recorded for another payment")
    return entry


@dataclass
class CourseLine:
    course_id: int
    course_name: str
    fee_per_session_fen: int
    sessions_charged: int = 0
    charged_fen: int = 0
    sessions_refunded: int = 0
    refunded_fen: int = 0


@dataclass
class StudentStatement:
    term_id: int
    student_id: int
    student_name: str
    class_name: str
    courses: list[CourseLine] = field(default_factory=list)
    care: list[CareLine] = field(default_factory=list)  # basic care, where the term charges it
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def totals(self) -> Statement:
        return statement(Entry(e.kind, e.amount_fen, e.course_id) for e in self.entries)


_STUDENTS = text(
    """
    SELECT s.id, s.name, k.grade, k.number
    FROM student s JOIN school_class k ON k.id = s.class_id
    WHERE s.id = ANY(:students)
    """
)


async def statements(
    session: AsyncSession, term_id: int, student_ids: Sequence[int] | None = None
) -> list[StudentStatement]:
    """Statements of the students with ledger entries in the term (or of the ones named)."""
    query = select(LedgerEntry).where(LedgerEntry.term_id == term_id)
    if student_ids is not None:
        query = query.where(LedgerEntry.student_id.in_(student_ids))
    entries = (await session.scalars(query.order_by(LedgerEntry.id))).all()
    wanted = sorted({e.student_id for e in entries} | set(student_ids or ()))
    students = {
        sid: (name, f"{grade}年级{number}班")
        for sid, name, grade, number in await session.execute(_STUDENTS, {"students": wanted})
    }
    course_ids = {e.course_id for e in entries if e.course_id is not None}
    courses = {
        c.id: c for c in await session.scalars(select(Course).where(Course.id.in_(course_ids)))
    }
    by_student = {
        sid: StudentStatement(term_id, sid, *students.get(sid, ("", ""))) for sid in wanted
    }
    for entry in entries:
        current = by_student[entry.student_id]
        current.entries.append(entry)
        if entry.course_id is None:
            continue
        line = next((c for c in current.courses if c.course_id == entry.course_id), None)
        if line is None:
            course = courses[entry.course_id]
            line = CourseLine(course.id, course.name, course.fee_per_session_fen)
            current.courses.append(line)
        if entry.kind is LedgerKind.CHARGE:
            line.sessions_charged += entry.sessions or 0
            line.charged_fen += entry.amount_fen
        elif entry.kind is LedgerKind.REFUND:
            line.sessions_refunded += entry.sessions or 0
            line.refunded_fen -= entry.amount_fen
    for current in by_student.values():
        current.care = care_lines(current.entries)
    return list(by_student.values())


async def statement_of(
    session: AsyncSession, principal: Principal, student_id: int, term_id: int
) -> StudentStatement:
    student = await followed_student(session, principal, student_id)
    term = await get_or_404(session, Term, term_id, "term")
    if term.school_id != student.school_id:
        raise NotFound(f"no term {term_id} at the student's school")
    return (await statements(session, term_id, [student_id]))[0]


async def term_statements(
    session: AsyncSession, principal: Principal, term_id: int
) -> list[StudentStatement]:
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    return await statements(session, term_id)


async def term_statements_page(
    session: AsyncSession, principal: Principal, term_id: int, page: int, size: int
) -> tuple[list[StudentStatement], int]:
    """A page of the term's statements, by student id: for the school's administrators and its
    parent committee."""
    await term_in_reach(session, principal, term_id, Reach.FEES)
    students = (
        select(LedgerEntry.student_id)
        .where(LedgerEntry.term_id == term_id)
        .distinct()
        .order_by(LedgerEntry.student_id)
    )
    ids, total = await paginate(session, students, page, size)
    return (await statements(session, term_id, list(ids)) if ids else []), total
