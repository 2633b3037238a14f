"""The basic-care application's state machine, every transition per role, and priority."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.access import Role
from app.domain.applications import (
    TRANSITIONS,
    Action,
    Candidate,
    allocate,
    priority_order,
    transition,
)
from app.domain.errors import Conflict, PermissionDenied
from app.domain.statuses import ApplicationState

ALLOWED = {(t.source, t.action): (t.target, t.roles) for t in TRANSITIONS}


@pytest.mark.parametrize(
    ("state", "action", "role"),
    list(itertools.product(ApplicationState, Action, Role)),
    ids=lambda v: v.value,
)
def test_every_transition_for_every_role(
    state: ApplicationState, action: Action, role: Role
) -> None:
    allowed = ALLOWED.get((state, action))
    if allowed is None:
        with pytest.raises(Conflict):
            transition(state, action, role, reason="because")
    elif role not in allowed[1]:
        with pytest.raises(PermissionDenied):
            transition(state, action, role, reason="because")
    else:
        assert transition(state, action, role, reason="because") is allowed[0]


def test_the_seed_chain_parent_class_teacher_school() -> None:
    state = ApplicationState.APPLIED
    state = transition(state, Action.REVIEW_APPROVE, Role.CLASS_TEACHER)
    state = transition(state, Action.APPROVE, Role.SCHOOL_ADMIN)
    assert state is ApplicationState.APPROVED
    with pytest.raises(Conflict):
        transition(state, Action.WITHDRAW, Role.PARENT)  # decided: no withdrawal in principle


def test_a_refusal_needs_a_reason() -> None:
    with pytest.raises(Conflict, match="reason"):
        transition(ApplicationState.APPLIED, Action.REVIEW_REFUSE, Role.CLASS_TEACHER, reason="  ")


def test_priority_groups_then_low_grades_then_order() -> None:
    people = [
        Candidate(1, grade=1, applied_order=3),
        Candidate(2, grade=5, left_behind=True, applied_order=9),
        Candidate(3, grade=3, applied_order=1),
        Candidate(4, grade=1, applied_order=2),
        Candidate(5, grade=6, low_income=True, applied_order=1),
    ]
    assert [c.application_id for c in priority_order(people)] == [2, 5, 4, 1, 3]
    admitted, waiting = allocate(people, 3)
    assert (admitted, waiting) == ([2, 5, 4], [1, 3])


@given(
    st.lists(
        st.builds(
            Candidate,
            application_id=st.integers(1, 10_000),
            grade=st.integers(1, 6),
            migrant_worker_child=st.booleans(),
            left_behind=st.booleans(),
            applied_order=st.integers(0, 100),
        ),
        unique_by=lambda c: c.application_id,
    ),
    st.integers(0, 50),
)
def test_no_one_outside_a_priority_group_passes_one_inside(
    people: list[Candidate], places: int
) -> None:
    admitted, waiting = allocate(people, places)
    assert sorted(admitted + waiting) == sorted(c.application_id for c in people)
    assert len(admitted) == min(places, len(people))
    by_id = {c.application_id: c for c in people}
    if any(by_id[a].priority_group is False for a in admitted):
        assert all(not by_id[w].priority_group for w in waiting)
