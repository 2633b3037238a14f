"""Grouping approved basic-care students (编班).

The seed's rule: a class with 30 or more approved students forms its own group; the others merge
within their grade, then with an adjacent grade; no group holds more than the limit (about 40);
as few groups as possible. A group never spans more than two adjacent grades.

How: classes of 30+ are placed first (split evenly if above the limit). For the rest, a dynamic
programme over the grades decides how many students of each grade share a mixed group with the
next grade, minimising the number of groups; students are then dealt out class by class, so a
class is split over as few groups as possible.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

OWN_GROUP_THRESHOLD = 30
DEFAULT_LIMIT = 40


@dataclass(frozen=True)
class Applicant:
    student_id: int
    grade: int
    class_id: int


@dataclass
class Group:
    grades: tuple[int, ...]
    student_ids: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.student_ids)


def _split_evenly(students: list[int], limit: int) -> list[list[int]]:
    parts = math.ceil(len(students) / limit)
    size, extra = divmod(len(students), parts)
    chunks, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        chunks.append(students[start:end])
        start = end
    return chunks


def plan_counts(totals: dict[int, int], limit: int) -> tuple[int, dict[int, int]]:
    """Fewest groups for `totals` (grade → students), and how many students of each grade go
    into a mixed group with the next grade (0: none)."""
    grades = sorted(totals)

    @cache
    def best(index: int, carried: int) -> tuple[int, tuple[int, ...]]:
        # `carried` students of the previous grade wait for a mixed group with this one.
        if index == len(grades):
            return (1 if carried else 0), ()
        grade = grades[index]
        adjacent_next = index + 1 < len(grades) and grades[index + 1] == grade + 1
        total = totals[grade]
        options = []
        joining_limit = min(total, limit - carried) if carried else 0
        for joining in range(joining_limit + 1):
            left = total - joining
            carry_limit = min(left, limit - 1) if adjacent_next else 0
            for carry_out in range(carry_limit + 1):
                groups = (1 if carried else 0) + math.ceil((left - carry_out) / limit)
                rest, carries = best(index + 1, carry_out)
                options.append((groups + rest, (carry_out, *carries)))
        return min(options)

    count, carries = best(0, 0)
    return count, dict(zip(grades, carries, strict=True))


def group_students(applicants: Iterable[Applicant], limit: int = DEFAULT_LIMIT) -> list[Group]:
    if limit < 1:
        raise ValueError("a group must hold at least one student")
    by_class: dict[tuple[int, int], list[int]] = defaultdict(list)
    for applicant in applicants:
        by_class[(applicant.grade, applicant.class_id)].append(applicant.student_id)
    groups: list[Group] = []
    pooled: dict[int, list[int]] = defaultdict(list)  # grade → students, class by class
    for (grade, _class_id), students in sorted(by_class.items()):
        if len(students) >= OWN_GROUP_THRESHOLD:
            groups.extend(Group((grade,), chunk) for chunk in _split_evenly(students, limit))
        else:
            pooled[grade].extend(students)
    if not pooled:
        return groups
    _, carries = plan_counts({grade: len(s) for grade, s in pooled.items()}, limit)
    waiting: list[int] = []  # students of the previous grade bound for a mixed group
    previous_grade = 0
    for grade in sorted(pooled):
        students = pooled[grade]
        carry_out = carries[grade]
        keep, passed_on = (
            students[: len(students) - carry_out],
            students[len(students) - carry_out :],
        )
        if waiting:
            room = limit - len(waiting)
            mixed = Group((previous_grade, grade), waiting + keep[:room])
            groups.append(mixed)
            keep = keep[room:]
            if mixed.size == len(waiting):
                mixed.grades = (previous_grade,)
        if keep:
            groups.extend(Group((grade,), chunk) for chunk in _split_evenly(keep, limit))
        waiting, previous_grade = passed_on, grade
    if waiting:
        groups.append(Group((previous_grade,), waiting))
    return groups
