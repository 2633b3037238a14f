"""Who may do what: roles and the rules that scope them to a school, a district or a child.

Deny by default. The principal is rebuilt from the database on every request (grants, classes
taught, children bound), never from token claims, so a revoked binding or role takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    PARENT = "parent"
    CLASS_TEACHER = "class_teacher"
    CARE_TEACHER = "care_teacher"
    EXTERNAL_TEACHER = "external_teacher"
    DUTY_LEADER = "duty_leader"
    SCHOOL_ADMIN = "school_admin"
    DISTRICT_ADMIN = "district_admin"
    PARENT_COMMITTEE = "parent_committee"  # 家委会: fees and their publication, not rosters


STAFF_ROLES = frozenset(
    {
        Role.CLASS_TEACHER,
        Role.CARE_TEACHER,
        Role.EXTERNAL_TEACHER,
        Role.DUTY_LEADER,
        Role.SCHOOL_ADMIN,
    }
)
SCHOOL_SCOPED_ROLES = STAFF_ROLES | {Role.PARENT_COMMITTEE}


@dataclass(frozen=True)
class Grant:
    role: Role
    school_id: int | None = None
    district_id: int | None = None

    def __post_init__(self) -> None:
        if self.role in SCHOOL_SCOPED_ROLES and self.school_id is None:
            raise ValueError(f"{self.role} is granted for a school")
        if self.role is Role.DISTRICT_ADMIN and self.district_id is None:
            raise ValueError("district_admin is granted for a district")


@dataclass(frozen=True)
class SchoolScope:
    school_id: int
    district_id: int


@dataclass(frozen=True)
class Child:
    student_id: int
    school_id: int


@dataclass(frozen=True)
class ChildsTeachers:
    """Who teaches a child, as the need-to-know rule reads it: the child's class, the teachers of
    the courses they hold, and whether they are in a basic-care group (whose sessions the
    school's care teachers supervise: a group has no teacher of its own)."""

    student_id: int
    class_id: int | None
    scope: SchoolScope
    course_teachers: frozenset[int] = frozenset()
    in_care_group: bool = False


@dataclass(frozen=True)
class Principal:
    user_id: int
    grants: frozenset[Grant] = frozenset()
    children: frozenset[Child] = frozenset()
    classes_taught: frozenset[int] = field(default_factory=frozenset)

    @property
    def roles(self) -> list[Role]:
        roles = {grant.role for grant in self.grants}
        if self.children:
            roles.add(Role.PARENT)
        if self.classes_taught:
            roles.add(Role.CLASS_TEACHER)
        return sorted(roles)

    def administers_district(self, district_id: int) -> bool:
        return any(
            g.role is Role.DISTRICT_ADMIN and g.district_id == district_id for g in self.grants
        )

    def administers_school(self, scope: SchoolScope) -> bool:
        return self.administers_district(scope.district_id) or any(
            g.role is Role.SCHOOL_ADMIN and g.school_id == scope.school_id for g in self.grants
        )

    def is_staff_of(self, scope: SchoolScope) -> bool:
        return self.administers_school(scope) or any(
            g.role in STAFF_ROLES and g.school_id == scope.school_id for g in self.grants
        )

    def sits_on_committee(self, scope: SchoolScope) -> bool:
        """A member of the school's parent committee (家委会)."""
        return any(
            g.role is Role.PARENT_COMMITTEE and g.school_id == scope.school_id for g in self.grants
        )

    def may_read_fees(self, scope: SchoolScope) -> bool:
        """Every family's fee statement: the school's administrators and its parent committee."""
        return self.administers_school(scope) or self.sits_on_committee(scope)

    def is_staff_of_any(self) -> bool:
        return any(g.role in STAFF_ROLES or g.role is Role.DISTRICT_ADMIN for g in self.grants)

    def has_child_at(self, school_id: int) -> bool:
        return any(child.school_id == school_id for child in self.children)

    def may_read_school(self, scope: SchoolScope) -> bool:
        """School, terms, timetable and course catalogue: its staff and its families."""
        return self.is_staff_of(scope) or self.has_child_at(scope.school_id)

    def acts_for(self, student_id: int) -> bool:
        return any(child.student_id == student_id for child in self.children)

    def teaches_class(self, class_id: int | None) -> bool:
        return class_id is not None and class_id in self.classes_taught

    def may_read_student(self, student_id: int, class_id: int | None, scope: SchoolScope) -> bool:
        return self.acts_for(student_id) or self.is_staff_of(scope)

    def is_care_teacher_of(self, scope: SchoolScope) -> bool:
        return any(
            g.role is Role.CARE_TEACHER and g.school_id == scope.school_id for g in self.grants
        )

    def teaches_child(self, child: ChildsTeachers) -> bool:
        """The child's class teacher, a teacher of one of the child's courses while on the
        school's staff (a course's teacher whose grant was revoked no longer is), or, for a
        child in a basic-care group, a care teacher of the school."""
        return (
            self.teaches_class(child.class_id)
            or (self.user_id in child.course_teachers and self.is_staff_of(child.scope))
            or (child.in_care_group and self.is_care_teacher_of(child.scope))
        )

    def may_follow_child(self, child: ChildsTeachers) -> bool:
        """A child's attendance, fee statement, timetable and calendar feed, and the feedback
        about them: their guardians, those who teach them, and the school's administrators. Not
        every teacher of the school: another class's teacher has no need to know."""
        return (
            self.acts_for(child.student_id)
            or self.teaches_child(child)
            or self.administers_school(child.scope)
        )

    def may_see_sensitive(self, class_id: int | None, scope: SchoolScope) -> bool:
        """Priority-group flags, guardians' phones and ID numbers (PIPL art. 28: minors' data is
        sensitive): only the school's administrators and the child's class teacher."""
        return self.administers_school(scope) or self.teaches_class(class_id)

    def may_confirm_binding(self, class_id: int | None, scope: SchoolScope) -> bool:
        return self.administers_school(scope) or self.teaches_class(class_id)

    def may_take_roll_call(self, scope: SchoolScope) -> bool:
        """Roll call, handover and pickups: the school's care and course teachers, and its
        administrators."""
        return self.administers_school(scope) or any(
            g.role in (Role.CARE_TEACHER, Role.EXTERNAL_TEACHER) and g.school_id == scope.school_id
            for g in self.grants
        )

    def may_patrol(self, scope: SchoolScope) -> bool:
        """Safety patrol records: the school's duty leaders (值日领导) and administrators."""
        return self.administers_school(scope) or any(
            g.role is Role.DUTY_LEADER and g.school_id == scope.school_id for g in self.grants
        )


def may_receive_staff_role(
    person_districts: frozenset[int], district_id: int, identified: bool
) -> bool:
    """Whether a school of `district_id` may grant a staff role to a person. A person of the
    district (a role or a bound child there) may be named by their account id; a person with no
    ties anywhere yet (a new teacher after their first DingTalk sign-in) only by who they are,
    their DingTalk account or phone, never by an id an administrator could guess; a person of
    other districts only, not at all."""
    if district_id in person_districts:
        return True
    return identified and not person_districts
