"""Basic care by application (家长申请、班级审核、学校统一实施): the states an application moves
through, who may move it, and who comes first when places are short (优先保障)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.access import Role
from app.domain.errors import Conflict, PermissionDenied
from app.domain.statuses import ApplicationState


class Action(StrEnum):
    REVIEW_APPROVE = "review_approve"
    REVIEW_REFUSE = "review_refuse"
    APPROVE = "approve"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    source: ApplicationState
    action: Action
    target: ApplicationState
    roles: frozenset[Role]
    needs_reason: bool = False


_SCHOOL = frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})
TRANSITIONS: tuple[Transition, ...] = (
    Transition(ApplicationState.APPLIED, Action.REVIEW_APPROVE, ApplicationState.CLASS_APPROVED,
               frozenset({Role.CLASS_TEACHER})),
    Transition(ApplicationState.APPLIED, Action.REVIEW_REFUSE, ApplicationState.REFUSED,
               frozenset({Role.CLASS_TEACHER}), needs_reason=True),
    Transition(ApplicationState.CLASS_APPROVED, Action.APPROVE, ApplicationState.APPROVED, _SCHOOL),
    Transition(ApplicationState.CLASS_APPROVED, Action.REFUSE, ApplicationState.REFUSED, _SCHOOL,
               needs_reason=True),
    Transition(ApplicationState.APPLIED, Action.WITHDRAW, ApplicationState.WITHDRAWN,
               frozenset({Role.PARENT})),
    Transition(ApplicationState.CLASS_APPROVED, Action.WITHDRAW, ApplicationState.WITHDRAWN,
               frozenset({Role.PARENT})),
)  # fmt: skip


def transition(
    state: ApplicationState, action: Action, role: Role, reason: str = ""
) -> ApplicationState:
    """The next state, or an error: 409 for a move the state does not allow, 403 for a role that
    may not make it, 409 when a refusal gives no reason."""
    for candidate in TRANSITIONS:
        if candidate.source is state and candidate.action is action:
            if role not in candidate.roles:
                raise PermissionDenied(f"a {role.value} may not {action.value} an application")
            if candidate.needs_reason and not reason.strip():
                raise Conflict("a refusal needs a reason")
            return candidate.target
    raise Conflict(f"an application that is {state.value} cannot be {action.value}d")


@dataclass(frozen=True)
class Candidate:
    application_id: int
    grade: int
    migrant_worker_child: bool = False
    single_parent: bool = False
    left_behind: bool = False
    low_income: bool = False
    applied_order: int = 0  # earlier applications first among equals

    @property
    def priority_group(self) -> bool:
        return (
            self.migrant_worker_child or self.single_parent or self.left_behind or self.low_income
        )


def priority_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Who gets a place first when places are short: the priority groups (随迁子女, 单亲, 留守,
    困难家庭), then lower grades (低年级), then the order of application."""
    return sorted(candidates, key=lambda c: (not c.priority_group, c.grade, c.applied_order))


def allocate(candidates: Iterable[Candidate], places: int) -> tuple[list[int], list[int]]:
    """(admitted, not admitted) application ids for `places` places."""
    ordered = priority_order(candidates)
    return [c.application_id for c in ordered[:places]], [
        c.application_id for c in ordered[places:]
    ]
