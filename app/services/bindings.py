"""Binding a child to a parent's account: codes the school hands out, requests the school reviews."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.bindings import check_account_pending, check_student_pending
from app.domain.errors import Conflict, RuleViolation
from app.domain.statuses import BindingStatus
from app.models import (
    BindingCode,
    Guardianship,
    Student,
    User,
)
from app.persistence.engine_changes import StudentChanged, record
from app.services.common import (
    flush_or_conflict,
    get_or_404,
    paginate,
    require,
    require_staff_of,
)
from app.services.students import student_in_scope

BINDING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


BINDING_CODE_LIFETIME = timedelta(days=30)


async def issue_binding_code(
    session: AsyncSession, principal: Principal, student_id: int
) -> BindingCode:
    _, school_class, scope = await student_in_scope(session, student_id)
    require(
        principal.may_confirm_binding(school_class.id, scope), "only the class teacher or admins"
    )
    code = "".join(secrets.choice(BINDING_CODE_ALPHABET) for _ in range(8))
    binding_code = BindingCode(
        student_id=student_id, code=code, expires_at=datetime.now(UTC) + BINDING_CODE_LIFETIME
    )
    session.add(binding_code)
    await flush_or_conflict(session, "code collision; try again")
    return binding_code


async def bind_with_code(
    session: AsyncSession, principal: Principal, code: str, relation: str
) -> Guardianship:
    now = datetime.now(UTC)
    binding_code = await session.scalar(
        select(BindingCode).where(BindingCode.code == code.upper()).with_for_update()
    )
    if binding_code is None or binding_code.used_at is not None or binding_code.expires_at <= now:
        raise RuleViolation("the binding code is unknown, used or expired")
    binding_code.used_at = now
    binding_code.used_by_id = principal.user_id
    binding = Guardianship(
        student_id=binding_code.student_id,
        user_id=principal.user_id,
        relation=relation,
        status=BindingStatus.CONFIRMED,
        confirmed_at=now,
    )
    session.add(binding)
    await flush_or_conflict(session, "you are bound to this student already")
    record(session, StudentChanged(binding.student_id))
    return binding


async def request_binding(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    student_number: str,
    name: str,
    relation: str,
) -> Guardianship:
    """A parent asks to be bound; the class teacher reviews. The number and name must match, and
    a mismatch is answered like an unknown student so nobody can probe the register.

    The account's and the student's waiting requests are capped (app/domain/bindings.py). Each
    count is taken holding the row it counts for (the account, then the student: always in this
    order), so that concurrent requests cannot all see room under the cap."""
    await session.execute(
        select(User.id).where(User.id == principal.user_id).with_for_update(key_share=True)
    )
    check_account_pending(await _pending(session, Guardianship.user_id == principal.user_id))
    student = await session.scalar(
        select(Student)
        .where(Student.school_id == school_id, Student.student_number == student_number)
        .with_for_update(key_share=True)
    )
    if student is None or student.name != name:
        raise RuleViolation("no student with that number and name at this school")
    check_student_pending(await _pending(session, Guardianship.student_id == student.id))
    binding = Guardianship(
        student_id=student.id,
        user_id=principal.user_id,
        relation=relation,
        status=BindingStatus.PENDING,
    )
    session.add(binding)
    await flush_or_conflict(session, "you have asked for this student already")
    return binding


async def _pending(session: AsyncSession, whose: ColumnElement[bool]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Guardianship)
        .where(whose, Guardianship.status == BindingStatus.PENDING)
    )
    return int(count or 0)


async def review_binding(
    session: AsyncSession, principal: Principal, binding_id: int, approve: bool
) -> Guardianship:
    binding = await get_or_404(session, Guardianship, binding_id, "binding")
    _, school_class, scope = await student_in_scope(session, binding.student_id)
    require(
        principal.may_confirm_binding(school_class.id, scope), "only the class teacher or admins"
    )
    if binding.status is not BindingStatus.PENDING:
        raise Conflict(f"the binding is {binding.status.value}, not pending")
    binding.status = BindingStatus.CONFIRMED if approve else BindingStatus.REVOKED
    binding.confirmed_by_id = principal.user_id
    binding.confirmed_at = datetime.now(UTC)
    await session.flush()
    record(session, StudentChanged(binding.student_id))
    return binding


async def list_pending_bindings(
    session: AsyncSession, principal: Principal, school_id: int, page: int, size: int
) -> tuple[Sequence[Guardianship], int]:
    scope = await require_staff_of(session, principal, school_id)
    statement = (
        select(Guardianship)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.school_id == school_id, Guardianship.status == BindingStatus.PENDING)
        .order_by(Guardianship.id)
    )
    if not principal.administers_school(scope):
        statement = statement.where(Student.class_id.in_(principal.classes_taught or {-1}))
    return await paginate(session, statement, page, size)
