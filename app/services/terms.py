"""Terms, their timetables, suspension days, and the district's calendar overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.eligibility import slot_of
from app.domain.errors import Conflict, RuleViolation
from app.domain.fees import CareFeeModel, check_care_fee
from app.domain.opening import OPENING_FIXED_BEFORE, Opening
from app.domain.schedule import (
    GradeRule,
    MiddayWindow,
    Period,
    TermCalendar,
    Timetable,
    default_grade_rules,
)
from app.domain.sessions import CancelCause
from app.domain.statuses import CourseStatus
from app.domain.window import check_term_dates, plan_window
from app.models import CareSession, Course, GradeSchedule, Suspension, Term
from app.persistence.calendar import lock_timetable, term_calendar, term_timetable
from app.persistence.draws import has_entries, locked_term
from app.persistence.engine_changes import TermChanged, TimetableChanged, record
from app.services.care_groups import midday_care_in_use
from app.services.common import (
    Reach,
    flush_or_conflict,
    get_or_404,
    paginate,
    require_admin_of,
    require_reader_of,
    term_in_reach,
    update_versioned,
)
from app.services.ledger import lock_books
from app.services.sessions import cancel_on_suspension

WINDOW_FIELDS = ("opens_at", "closes_at", "grab_opens_at", "round2_opens_at", "round2_closes_at")
# What the settled books (and the parent committee's co-signature) were made with: fixed once
# the term is settled.
SETTLED_BOOKS = frozenset(
    {
        "spending_shares",
        "subsidy_fen_per_student_hour",
        "points_per_supervision",
        "points_per_activity",
        "points_per_patrol",
    }
)


CARE_FEES = frozenset({"care_fee_model", "care_fee_fen"})


def _checked_care_fee(values: dict[str, object]) -> None:
    try:
        check_care_fee(
            CareFeeModel(str(values.get("care_fee_model", CareFeeModel.FREE))),
            int(str(values.get("care_fee_fen", 0))),
        )
    except ValueError as error:
        raise RuleViolation(str(error)) from error


def _checked_window(values: dict[str, object]) -> dict[str, datetime]:
    try:
        window = plan_window(*(values.get(name) for name in WINDOW_FIELDS))  # type: ignore[arg-type]
        check_term_dates(
            values["starts_on"],  # type: ignore[arg-type]
            values["ends_on"],  # type: ignore[arg-type]
            (values.get("summer_starts_on"), values.get("summer_ends_on")),  # type: ignore[arg-type]
        )
    except ValueError as error:
        raise RuleViolation(str(error)) from error
    return {name: getattr(window, name) for name in WINDOW_FIELDS}


async def _keep_draw_time(
    session: AsyncSession, term: Term, changes: dict[str, object], now: datetime
) -> None:
    """A term with a draw: the moment its draw is due by (the grab's opening for a fair start,
    round one's close for ranked choices) stays once anyone entered or the draw was served,
    and the grab is not brought nearer than the moment its opening is fixed (it could otherwise
    open before the engine holds its attempts, or escape that rule)."""
    if term.opening is Opening.FCFS:
        return
    opens = changes.get("grab_opens_at", term.grab_opens_at)
    if opens != term.grab_opens_at and opens < now + OPENING_FIXED_BEFORE:  # type: ignore[operator]
        minutes = int(OPENING_FIXED_BEFORE.total_seconds() // 60)
        raise Conflict(
            f"a term with a draw opens its grab {minutes} minutes from now at the soonest"
        )
    due_by = "grab_opens_at" if term.opening is Opening.FAIR_START else "closes_at"
    if due_by not in changes or changes[due_by] == getattr(term, due_by):
        return
    await locked_term(session, term.id, exclusive=True)  # no entry is written meanwhile
    if term.drawn_at is not None or await has_entries(session, term.id):
        raise Conflict(f"families have entered round one's draw: its {due_by} stays as it was")


def _care_fee_changes(term: Term, changes: dict[str, object]) -> dict[str, object]:
    """The care-fee changes as they will be: free care's fee goes to 0 with it; a model that
    charges is set with its fee; neither once the term is billed."""
    changed = {n: changes[n] for n in changes.keys() & CARE_FEES if changes[n] != getattr(term, n)}
    if changed and term.billed_at is not None:
        raise Conflict(
            f"the term is billed: its basic-care fee ({', '.join(sorted(changed))}) stays as billed"
        )
    model = changed.get("care_fee_model")
    if model == CareFeeModel.FREE and "care_fee_fen" not in changes:
        return {**changes, "care_fee_fen": 0}
    if model is not None and "care_fee_fen" not in changes:
        raise RuleViolation("give the fee (care_fee_fen) with the model that charges it")
    return changes


async def create_term(
    session: AsyncSession, principal: Principal, school_id: int, values: dict[str, object]
) -> Term:
    await require_admin_of(session, principal, school_id)
    _checked_care_fee(values)
    term = Term(school_id=school_id, **{**values, **_checked_window(values)})
    session.add(term)
    await flush_or_conflict(session, "the term's dates or window are inconsistent")
    for rule in default_grade_rules().values():
        session.add(_schedule_row(term.id, rule))
    await session.flush()
    return term


def _schedule_row(term_id: int, rule: GradeRule) -> GradeSchedule:
    return GradeSchedule(
        term_id=term_id,
        grade=rule.grade,
        start_time=rule.start,
        end_time=rule.end,
        summer_end_time=rule.summer_end,
        weekdays=sorted(rule.weekdays),
    )


async def get_term(session: AsyncSession, principal: Principal, term_id: int) -> Term:
    term = (await term_in_reach(session, principal, term_id, Reach.READER)).term
    return term


async def list_terms(
    session: AsyncSession, principal: Principal, school_id: int, page: int, size: int
) -> tuple[Sequence[Term], int]:
    await require_reader_of(session, principal, school_id)
    statement = select(Term).where(Term.school_id == school_id).order_by(Term.starts_on.desc())
    return await paginate(session, statement, page, size)


async def update_term(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    changes: dict[str, object],
    version: int,
) -> Term:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    settled_in = sorted(changes.keys() & SETTLED_BOOKS)
    if term.settled_at is not None and settled_in:
        raise Conflict(
            f"the term is settled: {', '.join(settled_in)} published with its books stay as they "
            "were"
        )
    if changes.keys() & CARE_FEES:
        # Under the ledger's lock, read afresh: a billing is before this change or after it.
        await lock_books(session, term.id)
        await session.refresh(term)
        changes = _care_fee_changes(term, changes)
    await _keep_draw_time(session, term, changes, datetime.now(UTC))
    merged: dict[str, object] = {
        name: getattr(term, name)
        for name in (
            *WINDOW_FIELDS, "starts_on", "ends_on", "summer_starts_on", "summer_ends_on",
            *sorted(CARE_FEES),
        )
    }  # fmt: skip
    merged.update(changes)
    _checked_care_fee(merged)
    checked = _checked_window(merged)
    await update_versioned(session, term, {**changes, **checked}, version, "inconsistent term")
    record(session, TermChanged(term.id))
    return term


async def set_grade_schedule(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    grade: int,
    start: time,
    end: time,
    summer_end: time,
    weekdays: list[int],
) -> GradeRule:
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    term = await lock_timetable(session, term_id, exclusive=True)
    current = await term_timetable(session, term)
    try:
        rule = GradeRule(grade, start, end, summer_end, frozenset(weekdays))
        changed = replace(current, grades={**current.grades, grade: rule})
    except ValueError as error:
        raise RuleViolation(str(error)) from error
    contradicted = await _courses_contradicting(session, term_id, changed, grade)
    if contradicted:
        raise RuleViolation(
            f"courses of grade {grade} would meet when it is not in care: change them first",
            courses=contradicted,
        )
    row = await session.scalar(
        select(GradeSchedule).where(GradeSchedule.term_id == term_id, GradeSchedule.grade == grade)
    )
    if row is None:
        session.add(_schedule_row(term_id, rule))
    else:
        row.start_time, row.end_time, row.summer_end_time = start, end, summer_end
        row.weekdays = sorted(rule.weekdays)
    await session.flush()
    record(session, TimetableChanged(term_id))
    return rule


async def _courses_contradicting(
    session: AsyncSession,
    term_id: int,
    timetable: Timetable,
    grade: int | None = None,
    period: Period | None = None,
) -> list[int]:
    """The term's courses (of `grade`, or of `period`, when given) that `timetable` would leave
    meeting on a day or at an hour their grades are not in care, or in a period the term no
    longer offers (the catalogue could no longer show them). A grade's courses are those not
    cancelled; a period's are all of them, cancelled ones too (the engine and the catalogue
    still place them in the week)."""
    courses = await session.scalars(
        select(Course).where(
            Course.term_id == term_id,
            *(
                [Course.grades.contains([grade]), Course.status != CourseStatus.CANCELLED]
                if grade is not None
                else []
            ),
            *([Course.period == period] if period is not None else []),
        )
    )
    contradicted = []
    for course in courses:
        try:
            rules = timetable.rules(course.period)
            slot_of(course, timetable)
        except ValueError:
            contradicted.append(course.id)
            continue
        if any(frozenset(course.weekdays) - rules[g].weekdays for g in course.grades):
            contradicted.append(course.id)
    return sorted(contradicted)


async def set_midday_window(
    session: AsyncSession, principal: Principal, term_id: int, window: MiddayWindow | None
) -> Term:
    """Offer midday care (午托) in `window`, move it, or (None) stop offering it: refused while a
    midday course (cancelled ones too) would then meet outside it, while basic care is applied
    for or grouped at midday, or when it would not end before after-school care starts. The
    term's row is locked: a midday course or application made meanwhile waits for it."""
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    term = await lock_timetable(session, term_id, exclusive=True)
    current = await term_timetable(session, term)
    if current.midday == window:  # as it is: the engine has nothing to learn
        return term
    try:
        changed = replace(current, midday=window)
    except ValueError as error:
        raise RuleViolation(str(error)) from error
    contradicted = await _courses_contradicting(session, term_id, changed, period=Period.MIDDAY)
    if contradicted:
        raise RuleViolation(
            "courses would meet outside the midday window: change them first",
            courses=contradicted,
        )
    if window is None and await midday_care_in_use(session, term_id):
        raise Conflict("basic care is applied for or grouped at midday: it stays offered")
    if window is None:
        term.midday_start_time = term.midday_end_time = term.midday_summer_end_time = None
    else:
        term.midday_start_time, term.midday_end_time = window.start, window.end
        term.midday_summer_end_time = window.summer_end
    await session.flush()
    record(session, TimetableChanged(term_id))
    return term


async def calendar_of(session: AsyncSession, principal: Principal, term_id: int) -> TermCalendar:
    term = await get_term(session, principal, term_id)
    return await term_calendar(session, term)


async def add_suspension(
    session: AsyncSession, principal: Principal, term_id: int, on_date: date, reason: str
) -> Suspension:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    if not term.starts_on <= on_date <= term.ends_on:
        raise RuleViolation("a suspension day must fall inside the term")
    suspension = Suspension(term_id=term_id, on_date=on_date, reason=reason)
    session.add(suspension)
    await flush_or_conflict(session, f"{on_date} is suspended already")
    # Sessions already generated for the day are cancelled; their families are told.
    await cancel_on_suspension(
        session, principal.user_id, term, on_date, reason, f"suspension:{suspension.id}"
    )
    return suspension


async def list_suspensions(
    session: AsyncSession, principal: Principal, term_id: int
) -> Sequence[Suspension]:
    await get_term(session, principal, term_id)
    rows = await session.scalars(
        select(Suspension).where(Suspension.term_id == term_id).order_by(Suspension.on_date)
    )
    return rows.all()


async def remove_suspension(
    session: AsyncSession, principal: Principal, suspension_id: int
) -> None:
    suspension = await get_or_404(session, Suspension, suspension_id, "suspension")
    term = (await term_in_reach(session, principal, suspension.term_id, Reach.ADMIN)).term
    cancelled = await session.scalar(
        select(CareSession.id)
        .where(
            CareSession.term_id == term.id,
            CareSession.on_date == suspension.on_date,
            CareSession.cancel_cause == CancelCause.SUSPENSION,
        )
        .limit(1)
    )
    if cancelled is not None:
        raise Conflict(
            "the day's sessions were cancelled and the families told: it stays suspended"
        )
    await session.delete(suspension)
    await session.flush()
