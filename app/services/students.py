"""Students, their guardians, agreements and insurance, and whether they are ready to grab."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, SchoolScope
from app.domain.eligibility import Prerequisite, Readiness, missing_prerequisites
from app.domain.errors import NotFound, NotYourChild, PermissionDenied, RuleViolation
from app.domain.schedule import DateRange
from app.domain.statuses import BindingStatus
from app.models import (
    Agreement,
    Guardianship,
    Insurance,
    SchoolClass,
    Student,
    Term,
    User,
)
from app.persistence.engine_changes import StudentChanged, record
from app.services.common import (
    flush_or_conflict,
    get_or_404,
    paginate,
    require,
    require_admin_of,
    require_staff_of,
    school_scope,
    update_versioned,
)


@dataclass(frozen=True)
class StudentView:
    student: Student
    school_class: SchoolClass
    sensitive_visible: bool


async def student_in_scope(
    session: AsyncSession, student_id: int
) -> tuple[Student, SchoolClass, SchoolScope]:
    found = (
        await session.execute(
            select(Student, SchoolClass)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Student.id == student_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"no student {student_id}")
    student, school_class = found
    return student, school_class, await school_scope(session, student.school_id)


async def get_student(session: AsyncSession, principal: Principal, student_id: int) -> StudentView:
    """A parent sees only their own children, and is told so before anything is looked up,
    so an id that is not theirs reveals nothing about whether it exists."""
    if not principal.is_staff_of_any() and not principal.acts_for(student_id):
        raise NotYourChild()
    student, school_class, scope = await student_in_scope(session, student_id)
    if not principal.may_read_student(student_id, school_class.id, scope):
        raise NotYourChild() if not principal.is_staff_of(scope) else PermissionDenied()
    return StudentView(student, school_class, principal.may_see_sensitive(school_class.id, scope))


async def act_for_student(session: AsyncSession, principal: Principal, student_id: int) -> Student:
    """The student a parent acts for; anyone else's child is refused without a lookup."""
    if not principal.acts_for(student_id):
        raise NotYourChild()
    return await get_or_404(session, Student, student_id, "student")


async def list_students(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    class_id: int | None,
    grade: int | None,
    page: int,
    size: int,
) -> tuple[list[StudentView], int]:
    scope = await require_staff_of(session, principal, school_id)
    statement = (
        select(Student, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school_id)
    )
    if class_id is not None:
        statement = statement.where(Student.class_id == class_id)
    if grade is not None:
        statement = statement.where(SchoolClass.grade == grade)
    statement = statement.order_by(SchoolClass.grade, SchoolClass.number, Student.student_number)
    total_rows, total = await paginate(session, statement.with_only_columns(Student.id), page, size)
    ids = list(total_rows)
    rows = (await session.execute(statement.where(Student.id.in_(ids)))).all() if ids else []
    views = [
        StudentView(student, school_class, principal.may_see_sensitive(school_class.id, scope))
        for student, school_class in rows
    ]
    return views, total


async def _class_of_school(session: AsyncSession, school_id: int, class_id: int) -> SchoolClass:
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        raise RuleViolation(f"class {class_id} is not a class of this school")
    return school_class


async def create_student(
    session: AsyncSession, principal: Principal, school_id: int, values: dict[str, object]
) -> StudentView:
    await require_admin_of(session, principal, school_id)
    school_class = await _class_of_school(session, school_id, int(str(values["class_id"])))
    student = Student(school_id=school_id, **values)
    session.add(student)
    await flush_or_conflict(session, f"student number {values['student_number']} exists already")
    record(session, StudentChanged(student.id))
    return StudentView(student, school_class, True)


async def update_student(
    session: AsyncSession,
    principal: Principal,
    student_id: int,
    changes: dict[str, object],
    version: int,
) -> StudentView:
    student, school_class, scope = await student_in_scope(session, student_id)
    require(principal.administers_school(scope), "only this school's administrators may do this")
    if "class_id" in changes:
        school_class = await _class_of_school(
            session, student.school_id, int(str(changes["class_id"]))
        )
    await update_versioned(session, student, changes, version, "that student number exists already")
    record(session, StudentChanged(student.id))
    return StudentView(student, school_class, True)


async def children_of(session: AsyncSession, user_id: int) -> Sequence[tuple[Student, SchoolClass]]:
    rows = await session.execute(
        select(Student, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.user_id == user_id, Guardianship.status == BindingStatus.CONFIRMED)
        .order_by(Student.id)
    )
    return [(student, school_class) for student, school_class in rows]


@dataclass(frozen=True)
class GuardianView:
    binding: Guardianship
    user: User
    show_contact: bool
    show_identity: bool


async def list_guardians(
    session: AsyncSession, principal: Principal, student_id: int
) -> list[GuardianView]:
    """A child's guardians. Families see names and relations; phones go to the class teacher and
    administrators, the ID number (masked) to administrators alone."""
    view = await get_student(session, principal, student_id)
    scope = await school_scope(session, view.student.school_id)
    rows = await session.execute(
        select(Guardianship, User)
        .join(User, User.id == Guardianship.user_id)
        .where(Guardianship.student_id == student_id)
        .order_by(Guardianship.id)
    )
    contact = view.sensitive_visible
    identity = principal.administers_school(scope)
    return [GuardianView(binding, user, contact, identity) for binding, user in rows]


async def add_guardian(
    session: AsyncSession, principal: Principal, student_id: int, guardian: User, relation: str
) -> Guardianship:
    """A school administrator records a guardian (e.g. from the enrolment register): confirmed."""
    student, _, scope = await student_in_scope(session, student_id)
    require(principal.administers_school(scope), "only this school's administrators may do this")
    # Only the identities given: `column == None` would match every account without one.
    same_person = [
        column == value
        for column, value in (
            (User.dingtalk_user_id, guardian.dingtalk_user_id),
            (User.dev_login, guardian.dev_login),
        )
        if value
    ]
    existing = await session.scalar(select(User).where(or_(*same_person))) if same_person else None
    if existing is None:
        session.add(guardian)
        await flush_or_conflict(session, "another account already has that identity")
    user = existing or guardian
    binding = Guardianship(
        student_id=student.id,
        user_id=user.id,
        relation=relation,
        status=BindingStatus.CONFIRMED,
        confirmed_by_id=principal.user_id,
        confirmed_at=datetime.now(UTC),
    )
    session.add(binding)
    await flush_or_conflict(session, "that guardian is bound to this student already")
    record(session, StudentChanged(student.id))
    return binding


async def _term_of_school(session: AsyncSession, term_id: int, school_id: int) -> Term:
    term = await session.get(Term, term_id)
    if term is None or term.school_id != school_id:
        raise RuleViolation(f"term {term_id} is not a term of the student's school")
    return term


async def sign_agreement(
    session: AsyncSession,
    principal: Principal,
    student_id: int,
    term_id: int,
    agreement_version: str,
) -> Agreement:
    student = await act_for_student(session, principal, student_id)
    await _term_of_school(session, term_id, student.school_id)
    agreement = Agreement(
        student_id=student_id,
        term_id=term_id,
        agreement_version=agreement_version,
        signed_by_id=principal.user_id,
        signed_at=datetime.now(UTC),
    )
    session.add(agreement)
    await flush_or_conflict(session, "the agreement for this term is signed already")
    record(session, StudentChanged(student_id))
    return agreement


async def record_insurance(
    session: AsyncSession, principal: Principal, student_id: int, values: dict[str, object]
) -> Insurance:
    if not principal.acts_for(student_id):
        _, _, scope = await student_in_scope(session, student_id)
        if not principal.administers_school(scope):
            raise NotYourChild()
    await get_or_404(session, Student, student_id, "student")
    insurance = Insurance(student_id=student_id, **values)
    session.add(insurance)
    await flush_or_conflict(session, "invalid insurance record")
    record(session, StudentChanged(student_id))
    return insurance


@dataclass(frozen=True)
class ReadinessReport:
    term_id: int
    missing: list[Prerequisite]


async def readiness(
    session: AsyncSession, principal: Principal, student_id: int, term_id: int
) -> ReadinessReport:
    view = await get_student(session, principal, student_id)
    term = await _term_of_school(session, term_id, view.student.school_id)
    facts = await readiness_facts(session, student_id, term)
    return ReadinessReport(
        term_id, missing_prerequisites(facts, DateRange(term.starts_on, term.ends_on))
    )


async def readiness_facts(session: AsyncSession, student_id: int, term: Term) -> Readiness:
    bound = await session.scalar(
        select(Guardianship.id)
        .where(
            Guardianship.student_id == student_id, Guardianship.status == BindingStatus.CONFIRMED
        )
        .limit(1)
    )
    signed = await session.scalar(
        select(Agreement.id).where(Agreement.student_id == student_id, Agreement.term_id == term.id)
    )
    policies = await session.execute(
        select(Insurance.valid_from, Insurance.valid_to).where(Insurance.student_id == student_id)
    )
    return Readiness(
        bound=bound is not None,
        agreement_signed=signed is not None,
        insurance=tuple(DateRange(first, last) for first, last in policies if first <= last),
    )
