from __future__ import annotations

import pytest

from app.domain.access import (
    Child,
    ChildsTeachers,
    Grant,
    Principal,
    Role,
    SchoolScope,
    may_receive_staff_role,
)

SCHOOL = SchoolScope(school_id=1, district_id=10)
OTHER_SCHOOL = SchoolScope(school_id=2, district_id=10)
FOREIGN_SCHOOL = SchoolScope(school_id=3, district_id=20)

parent = Principal(1, children=frozenset({Child(student_id=11, school_id=1)}))
class_teacher = Principal(
    2, grants=frozenset({Grant(Role.CLASS_TEACHER, school_id=1)}), classes_taught=frozenset({301})
)
care_teacher = Principal(3, grants=frozenset({Grant(Role.CARE_TEACHER, school_id=1)}))
school_admin = Principal(4, grants=frozenset({Grant(Role.SCHOOL_ADMIN, school_id=1)}))
district_admin = Principal(5, grants=frozenset({Grant(Role.DISTRICT_ADMIN, district_id=10)}))
nobody = Principal(6)


@pytest.mark.parametrize(
    ("who", "scope", "expected"),
    [
        (school_admin, SCHOOL, True),
        (school_admin, OTHER_SCHOOL, False),
        (district_admin, SCHOOL, True),
        (district_admin, OTHER_SCHOOL, True),
        (district_admin, FOREIGN_SCHOOL, False),
        (class_teacher, SCHOOL, False),
        (parent, SCHOOL, False),
        (nobody, SCHOOL, False),
    ],
)
def test_administers_school(who: Principal, scope: SchoolScope, expected: bool) -> None:
    assert who.administers_school(scope) is expected


@pytest.mark.parametrize(
    ("who", "scope", "expected"),
    [
        (parent, SCHOOL, True),
        (parent, OTHER_SCHOOL, False),
        (care_teacher, SCHOOL, True),
        (care_teacher, OTHER_SCHOOL, False),
        (nobody, SCHOOL, False),
    ],
)
def test_may_read_school(who: Principal, scope: SchoolScope, expected: bool) -> None:
    assert who.may_read_school(scope) is expected


def test_a_parent_acts_only_for_their_own_children() -> None:
    assert parent.acts_for(11)
    assert not parent.acts_for(12)
    assert not school_admin.acts_for(11)


@pytest.mark.parametrize(
    ("who", "class_id", "expected"),
    [
        (class_teacher, 301, True),
        (class_teacher, 302, False),
        (school_admin, 302, True),
        (care_teacher, 301, False),
        (parent, 301, False),
    ],
)
def test_sensitive_data_is_for_admins_and_the_class_teacher(
    who: Principal, class_id: int, expected: bool
) -> None:
    assert who.may_see_sensitive(class_id, SCHOOL) is expected
    assert who.may_confirm_binding(class_id, SCHOOL) is expected


def test_roles_include_derived_parent_and_class_teacher() -> None:
    assert parent.roles == [Role.PARENT]
    assert class_teacher.roles == [Role.CLASS_TEACHER]
    assert nobody.roles == []


def test_scoped_roles_need_their_scope() -> None:
    with pytest.raises(ValueError, match="for a school"):
        Grant(Role.SCHOOL_ADMIN)
    with pytest.raises(ValueError, match="for a district"):
        Grant(Role.DISTRICT_ADMIN)


def _child(
    course_teachers: frozenset[int] = frozenset(), in_care_group: bool = False
) -> ChildsTeachers:
    return ChildsTeachers(11, 301, SCHOOL, course_teachers, in_care_group)


other_class_teacher = Principal(
    7, grants=frozenset({Grant(Role.CLASS_TEACHER, school_id=1)}), classes_taught=frozenset({302})
)
course_teacher = Principal(8, grants=frozenset({Grant(Role.EXTERNAL_TEACHER, school_id=1)}))
other_school_admin = Principal(9, grants=frozenset({Grant(Role.SCHOOL_ADMIN, school_id=2)}))
other_school_care = Principal(10, grants=frozenset({Grant(Role.CARE_TEACHER, school_id=2)}))
revoked_course_teacher = Principal(8)  # still named on the course, no longer on the staff


@pytest.mark.parametrize(
    ("who", "child", "expected"),
    [
        (parent, _child(), True),
        (class_teacher, _child(), True),
        (school_admin, _child(), True),
        (district_admin, _child(), True),
        (course_teacher, _child(course_teachers=frozenset({8})), True),
        (care_teacher, _child(in_care_group=True), True),
        (other_class_teacher, _child(), False),
        (course_teacher, _child(), False),
        (revoked_course_teacher, _child(course_teachers=frozenset({8})), False),
        (course_teacher, _child(in_care_group=True), False),
        (care_teacher, _child(), False),
        (other_school_care, _child(in_care_group=True), False),
        (other_school_admin, _child(), False),
        (nobody, _child(), False),
    ],
)
def test_only_those_with_a_need_follow_a_child(
    who: Principal, child: ChildsTeachers, expected: bool
) -> None:
    assert who.may_follow_child(child) is expected


@pytest.mark.parametrize(
    ("districts", "identified", "expected"),
    [
        (frozenset({10}), False, True),
        (frozenset({10, 20}), False, True),
        (frozenset({20}), False, False),
        (frozenset({20}), True, False),
        (frozenset(), True, True),
        (frozenset(), False, False),
    ],
)
def test_staff_roles_go_to_people_of_the_district(
    districts: frozenset[int], identified: bool, expected: bool
) -> None:
    assert may_receive_staff_role(districts, 10, identified) is expected
