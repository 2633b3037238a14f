"""Schools, their classes and their staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import STAFF_ROLES, Principal, Role, may_receive_staff_role
from app.domain.errors import Conflict, NotFound, RuleViolation
from app.domain.phones import e164_phone
from app.domain.statuses import BindingStatus
from app.models import Guardianship, RoleGrant, School, SchoolClass, Student, User
from app.persistence.engine_changes import ClassChanged, record
from app.services.common import (
    flush_or_conflict,
    get_or_404,
    paginate,
    require_admin_of,
    require_reader_of,
    require_staff_of,
    update_versioned,
)


async def get_school(session: AsyncSession, principal: Principal, school_id: int) -> School:
    await require_reader_of(session, principal, school_id)
    return await get_or_404(session, School, school_id, "school")


async def update_school(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    changes: dict[str, object],
    version: int,
) -> School:
    await require_admin_of(session, principal, school_id)
    school = await get_or_404(session, School, school_id, "school")
    await update_versioned(session, school, changes, version, "a school with that code exists")
    return school


async def list_classes(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    grade: int | None,
    page: int,
    size: int,
) -> tuple[Sequence[SchoolClass], int]:
    await require_staff_of(session, principal, school_id)
    statement = select(SchoolClass).where(SchoolClass.school_id == school_id)
    if grade is not None:
        statement = statement.where(SchoolClass.grade == grade)
    return await paginate(
        session, statement.order_by(SchoolClass.grade, SchoolClass.number), page, size
    )


async def _check_class_teacher(session: AsyncSession, school_id: int, user_id: int | None) -> None:
    if user_id is None:
        return
    granted = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user_id,
            RoleGrant.school_id == school_id,
            RoleGrant.role == Role.CLASS_TEACHER,
        )
    )
    if granted is None:
        raise RuleViolation("the class teacher must be a class_teacher of this school")


async def create_class(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    grade: int,
    number: int,
    class_teacher_id: int | None,
) -> SchoolClass:
    await require_admin_of(session, principal, school_id)
    await _check_class_teacher(session, school_id, class_teacher_id)
    school_class = SchoolClass(
        school_id=school_id, grade=grade, number=number, class_teacher_id=class_teacher_id
    )
    session.add(school_class)
    await flush_or_conflict(session, f"class {grade}{number:02d} exists already")
    return school_class


async def update_class(
    session: AsyncSession,
    principal: Principal,
    class_id: int,
    changes: dict[str, object],
    version: int,
) -> SchoolClass:
    school_class = await get_or_404(session, SchoolClass, class_id, "class")
    await require_admin_of(session, principal, school_class.school_id)
    if "class_teacher_id" in changes:
        teacher = changes["class_teacher_id"]
        await _check_class_teacher(
            session, school_class.school_id, teacher if isinstance(teacher, int) else None
        )
    await update_versioned(session, school_class, changes, version, "that class exists already")
    record(session, ClassChanged(school_class.id))
    return school_class


async def list_staff(
    session: AsyncSession, principal: Principal, school_id: int, page: int, size: int
) -> tuple[Sequence[RoleGrant], int]:
    await require_admin_of(session, principal, school_id)
    statement = select(RoleGrant).where(RoleGrant.school_id == school_id).order_by(RoleGrant.id)
    return await paginate(session, statement, page, size)


@dataclass(frozen=True)
class StaffPerson:
    """Whom a staff role goes to: one of these is given (`new_user` wins over `user_id`)."""

    user_id: int | None = None
    dingtalk_user_id: str | None = None
    phone: str | None = None
    new_user: User | None = None


async def districts_of(session: AsyncSession, user_id: int) -> frozenset[int]:
    """The districts a person belongs to: by a role there or a child bound there."""
    by_school_role = (
        select(School.district_id)
        .join(RoleGrant, RoleGrant.school_id == School.id)
        .where(RoleGrant.user_id == user_id)
    )
    by_district_role = select(RoleGrant.district_id).where(
        RoleGrant.user_id == user_id, RoleGrant.district_id.is_not(None)
    )
    by_child = (
        select(School.district_id)
        .join(Student, Student.school_id == School.id)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.user_id == user_id, Guardianship.status == BindingStatus.CONFIRMED)
    )
    rows = await session.scalars(union(by_school_role, by_district_role, by_child))
    return frozenset(district for district in rows if district is not None)


async def _staff_person(session: AsyncSession, person: StaffPerson) -> tuple[User, bool] | None:
    """The person's account, and whether they were named by who they are (not a bare id)."""
    if person.new_user is not None:
        session.add(person.new_user)
        await flush_or_conflict(session, "that DingTalk user or login has an account already")
        return person.new_user, True
    if person.dingtalk_user_id is not None:
        user = await session.scalar(
            select(User).where(User.dingtalk_user_id == person.dingtalk_user_id)
        )
        return (user, True) if user is not None else None
    if person.phone is not None:
        phone = e164_phone(person.phone)
        if phone is None:
            raise RuleViolation(f"{person.phone!r} is not a valid phone number")
        users = (await session.scalars(select(User).where(User.phone == phone).limit(2))).all()
        if len(users) > 1:
            raise Conflict("several accounts have that phone: name the person by DingTalk userid")
        return (users[0], True) if users else None
    if person.user_id is not None:
        user = await session.get(User, person.user_id)
        return (user, False) if user is not None else None
    return None


async def add_staff(
    session: AsyncSession, principal: Principal, school_id: int, role: Role, person: StaffPerson
) -> RoleGrant:
    """Grant a staff role at the school to a person of its district, or to a new one."""
    scope = await require_admin_of(session, principal, school_id)
    if role not in STAFF_ROLES and role is not Role.PARENT_COMMITTEE:
        raise RuleViolation(f"{role} is not a staff role of a school")
    found = await _staff_person(session, person)
    if (
        role is Role.PARENT_COMMITTEE
        and found is not None
        and not await _is_parent_at(session, found[0].id, school_id)
    ):
        raise RuleViolation("the parent committee is made of the school's parents")
    if found is None or not may_receive_staff_role(
        await districts_of(session, found[0].id), scope.district_id, identified=found[1]
    ):
        # The same answer for no one and for someone elsewhere: ids and phones of other
        # districts are not to be probed from here.
        raise NotFound("no such person in this district")
    grant = RoleGrant(user_id=found[0].id, role=role, school_id=school_id)
    session.add(grant)
    await flush_or_conflict(session, "that person has this role at this school already")
    return grant


async def _is_parent_at(session: AsyncSession, user_id: int, school_id: int) -> bool:
    child = await session.scalar(
        select(Guardianship.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(
            Guardianship.user_id == user_id,
            Guardianship.status == BindingStatus.CONFIRMED,
            Student.school_id == school_id,
        )
        .limit(1)
    )
    return child is not None


async def remove_staff(session: AsyncSession, principal: Principal, grant_id: int) -> None:
    grant = await get_or_404(session, RoleGrant, grant_id, "staff grant")
    if grant.school_id is None:
        raise NotFound(f"no staff grant {grant_id}")
    await require_admin_of(session, principal, grant.school_id)
    if grant.user_id == principal.user_id and grant.role is Role.SCHOOL_ADMIN:
        raise Conflict("an administrator cannot remove their own administrator role")
    await session.delete(grant)
    await session.flush()
