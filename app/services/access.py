"""What the need-to-know rule (app/domain/access.py `may_follow_child`) reads of a child."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import ChildsTeachers, Principal, SchoolScope
from app.domain.errors import NotYourChild
from app.domain.statuses import EnrollmentStatus
from app.models import CareGroupMember, Course, Enrollment, Student
from app.services.common import get_or_404, require, school_scope


async def childs_teachers(session: AsyncSession, student: Student) -> ChildsTeachers:
    scope = await school_scope(session, student.school_id)
    teachers = await session.scalars(
        select(Course.teacher_id)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .where(
            Enrollment.student_id == student.id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
            Course.teacher_id.is_not(None),
        )
        .distinct()
    )
    in_group = await session.scalar(
        select(exists().where(CareGroupMember.student_id == student.id))
    )
    return ChildsTeachers(
        student.id,
        student.class_id,
        scope,
        frozenset(t for t in teachers if t is not None),
        bool(in_group),
    )


async def followed_student(session: AsyncSession, principal: Principal, student_id: int) -> Student:
    """The student, for one with a need to know (`require_follows`). Someone who is neither
    staff anywhere nor the child's guardian is refused before any lookup: another family's
    child id reveals nothing about whether it exists."""
    if not principal.is_staff_of_any() and not principal.acts_for(student_id):
        raise NotYourChild()
    student = await get_or_404(session, Student, student_id, "student")
    await require_follows(session, principal, student)
    return student


async def require_follows(session: AsyncSession, principal: Principal, student: Student) -> None:
    if principal.acts_for(student.id):
        return
    require(
        principal.may_follow_child(await childs_teachers(session, student)),
        "only the child's guardians, teachers and school administrators see this",
    )


def students_taught(principal: Principal, scope: SchoolScope) -> Select[int]:
    """The school's students `principal.teaches_child` holds for, as a query: the same rule, for
    lists that cannot ask it child by child."""
    taught = [Student.class_id.in_(principal.classes_taught)]
    taught.append(
        Student.id.in_(
            select(Enrollment.student_id)
            .join(Course, Course.id == Enrollment.course_id)
            .where(
                Enrollment.status == EnrollmentStatus.CONFIRMED,
                Course.teacher_id == principal.user_id,
            )
        )
    )
    if principal.is_care_teacher_of(scope):
        taught.append(Student.id.in_(select(CareGroupMember.student_id)))
    return select(Student.id).where(Student.school_id == scope.school_id, or_(*taught))
