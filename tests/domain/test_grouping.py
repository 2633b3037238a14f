"""Grouping basic care (编班): the seed's rule, and its properties under Hypothesis."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.grouping import OWN_GROUP_THRESHOLD, Applicant, group_students, plan_counts


def applicants(*classes: tuple[int, int, int]) -> list[Applicant]:
    """(grade, class id, approved students) → applicants with fresh ids."""
    made, next_id = [], 1
    for grade, class_id, count in classes:
        for _ in range(count):
            made.append(Applicant(next_id, grade, class_id))
            next_id += 1
    return made


def test_a_class_of_thirty_or_more_is_its_own_group() -> None:
    groups = group_students(applicants((3, 301, 32), (3, 302, 12), (3, 303, 10)))
    assert sorted(g.size for g in groups) == [22, 32]
    assert [g.grades for g in groups] == [(3,), (3,)]


def test_small_classes_merge_within_the_grade_then_with_the_next() -> None:
    groups = group_students(applicants((1, 101, 15), (1, 102, 14), (2, 201, 8)))
    assert len(groups) == 1
    assert groups[0].grades == (1, 2)
    assert groups[0].size == 37


def test_never_across_non_adjacent_grades() -> None:
    groups = group_students(applicants((1, 101, 10), (3, 301, 10)))
    assert sorted(g.grades for g in groups) == [(1,), (3,)]


def test_a_big_class_above_the_limit_is_split_evenly() -> None:
    groups = group_students(applicants((4, 401, 45)), limit=40)
    assert sorted(g.size for g in groups) == [22, 23]


def test_the_plan_is_optimal_on_a_known_case() -> None:
    # 25 + 25 + 25 across grades 1-3: 75 students need 2 groups of 40 at best,
    # e.g. {1: 25, 2: 15} and {2: 10, 3: 25}.
    count, _ = plan_counts({1: 25, 2: 25, 3: 25}, 40)
    assert count == 2


class_sizes = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 45)), min_size=1, max_size=14
)


@settings(max_examples=150, deadline=None)
@given(class_sizes, st.integers(5, 45))
def test_grouping_properties(classes: list[tuple[int, int, int]], limit: int) -> None:
    unique = {(grade, number): count for grade, number, count in classes}
    people = applicants(*((g, g * 100 + n, c) for (g, n), c in unique.items()))
    by_id = {a.student_id: a for a in people}
    groups = group_students(people, limit)

    placed = Counter(s for g in groups for s in g.student_ids)
    assert set(placed) == set(by_id)
    assert set(placed.values()) == {1}  # everyone exactly once
    for group in groups:
        assert 1 <= group.size <= limit
        grades = {by_id[s].grade for s in group.student_ids}
        assert max(grades) - min(grades) <= 1  # never across non-adjacent grades
        assert set(group.grades) == grades
    big = {c for c, n in Counter(a.class_id for a in people).items() if n >= OWN_GROUP_THRESHOLD}
    for group in groups:
        classes_in = {by_id[s].class_id for s in group.student_ids}
        assert not (classes_in & big) or len(classes_in) == 1  # big classes stay alone
    pooled = Counter(a.grade for a in people if a.class_id not in big)
    own = sum(
        math.ceil(n / limit) for c, n in Counter(a.class_id for a in people).items() if c in big
    )
    assert len(groups) >= own + math.ceil(sum(pooled.values()) / limit)
    assert len(groups) <= own + sum(math.ceil(n / limit) for n in pooled.values())
    if pooled:
        assert len(groups) == own + plan_counts(dict(pooled), limit)[0]
