"""Helpers every service uses: scoping, pagination, optimistic updates, constraint errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.domain.access import Principal, SchoolScope
from app.domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from app.domain.zone import SCHOOL_ZONE
from app.models import AuditEvent, School, Term

Row = TypeVar("Row")


def school_today() -> date:
    """Today at the school (Asia/Shanghai): the day rules such as "leave in advance" count in."""
    return datetime.now(SCHOOL_ZONE).date()


async def school_scope(session: AsyncSession, school_id: int) -> SchoolScope:
    district_id = await session.scalar(select(School.district_id).where(School.id == school_id))
    if district_id is None:
        raise NotFound(f"no school {school_id}")
    return SchoolScope(school_id, district_id)


def require(allowed: bool, detail: str = "your role does not allow this") -> None:
    if not allowed:
        raise PermissionDenied(detail)


NOT_A_READER = "you are neither staff nor a family of this school"


async def _require_in_school(
    session: AsyncSession,
    school_id: int,
    allowed: Callable[[SchoolScope], bool],
    detail: str,
) -> SchoolScope:
    scope = await school_scope(session, school_id)
    require(allowed(scope), detail)
    return scope


async def require_admin_of(
    session: AsyncSession, principal: Principal, school_id: int
) -> SchoolScope:
    detail = "only this school's administrators may do this"
    return await _require_in_school(session, school_id, principal.administers_school, detail)


async def require_reader_of(
    session: AsyncSession, principal: Principal, school_id: int
) -> SchoolScope:
    detail = NOT_A_READER
    return await _require_in_school(session, school_id, principal.may_read_school, detail)


async def require_staff_of(
    session: AsyncSession, principal: Principal, school_id: int
) -> SchoolScope:
    detail = "only this school's staff may see this"
    return await _require_in_school(session, school_id, principal.is_staff_of, detail)


async def require_fee_reader_of(
    session: AsyncSession, principal: Principal, school_id: int
) -> SchoolScope:
    detail = "only this school's administrators and parent committee see every family's fees"
    return await _require_in_school(session, school_id, principal.may_read_fees, detail)


class Reach(StrEnum):
    """Who may reach a school's things: its administrators, its staff, anyone of it (its
    staff and the families of its students), or its fee ledger (administrators and the parent
    committee)."""

    ADMIN = "admin"
    STAFF = "staff"
    READER = "reader"
    FEES = "fees"


_REQUIREMENTS: dict[Reach, Callable[[AsyncSession, Principal, int], Awaitable[SchoolScope]]] = {
    Reach.ADMIN: require_admin_of,
    Reach.STAFF: require_staff_of,
    Reach.READER: require_reader_of,
    Reach.FEES: require_fee_reader_of,
}


class TermInReach(NamedTuple):
    term: Term
    scope: SchoolScope


async def term_in_reach(
    session: AsyncSession, principal: Principal, term_id: int, reach: Reach
) -> TermInReach:
    """The term, once the caller is found to reach its school as `reach` says: 404 for no such
    term, 403 for a caller out of reach. Every check of a caller against a term's school is made
    here; services that check a child's school or a roll caller instead load the term themselves."""
    term = await get_or_404(session, Term, term_id, "term")
    scope = await _REQUIREMENTS[reach](session, principal, term.school_id)
    return TermInReach(term, scope)


async def get_or_404(session: AsyncSession, model: type[Row], row_id: int, label: str) -> Row:
    row = await session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {label} {row_id}")
    return row


async def paginate(
    session: AsyncSession, statement: Select[Any], page: int, size: int
) -> tuple[Sequence[Any], int]:
    total = await session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    rows = await session.scalars(statement.limit(size).offset((page - 1) * size))
    return rows.all(), int(total or 0)


async def flush_or_conflict(session: AsyncSession, detail: str) -> None:
    """Flush, turning a unique or check violation into a domain error the caller can act on."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict(detail) from error
    except StaleDataError as error:
        raise StaleVersion() from error


async def update_versioned(
    session: AsyncSession,
    row: Any,
    changes: Mapping[str, object],
    expected_version: int,
    detail: str,
) -> None:
    """Apply `changes` if the caller saw the current version; the UPDATE also checks it."""
    if row.version != expected_version:
        raise StaleVersion(
            f"you edited version {expected_version}, the current one is {row.version}",
            current_version=row.version,
        )
    for name, value in changes.items():
        setattr(row, name, value)
    await flush_or_conflict(session, detail)


def record_audit(
    session: AsyncSession,
    actor_id: int,
    term: Term,
    action: str,
    reason: str,
    student_id: int | None = None,
    course_id: int | None = None,
    **detail: Any,
) -> None:
    """Add an entry to the school's append-only audit log (written with the caller's change)."""
    session.add(
        AuditEvent(
            school_id=term.school_id,
            term_id=term.id,
            actor_id=actor_id,
            action=action,
            student_id=student_id,
            course_id=course_id,
            reason=reason,
            detail=detail,
        )
    )
