"""Joining basic care late and leaving a place (篇一: 学生退出课后服务应提出书面申请,并经学校批准后
退出; 篇四: 学期中间,家长可以随时申请参加托管; 篇十: 开放时间结束将无法补报、退报、调报).

When a parent may apply for basic care, or withdraw an application not yet decided: inside the
registration window, or, where the term takes basic care mid-term, until its last day. After
that, leaving is the school's decision on a written request: a basic-care place may always be
asked to be left (it is free and voluntary); a paid course seat only where the term allows it
(`withdrawal_allowed`; in principle 一旦报名不允许中途退出)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from app.domain.errors import Conflict, PermissionDenied, RuleViolation
from app.domain.grab_errors import WindowClosed, WindowNotOpen
from app.domain.statuses import ExitState


@dataclass(frozen=True)
class CareWindow:
    opens_at: datetime
    closes_at: datetime
    last_day: date  # the term's
    midterm: bool  # basic care taken mid-term (篇四)


def require_care_applications_open(window: CareWindow, now: datetime, today: date) -> None:
    """Raises unless a parent may apply for basic care, or withdraw an undecided application,
    at `now` (`today` is the school's date of it)."""
    if now < window.opens_at:
        raise WindowNotOpen()
    if now < window.closes_at:
        return
    if not window.midterm:
        raise WindowClosed(
            "the registration window has closed: 无法补报、退报、调报; to leave a place, ask the "
            "school (exit request)"
        )
    if today > window.last_day:
        raise WindowClosed("the term is over")


def require_may_ask_to_leave(*, course: bool, withdrawal_allowed: bool) -> None:
    """A basic-care place may always be asked to be left; a course seat where the term allows."""
    if course and not withdrawal_allowed:
        raise RuleViolation(
            "this term does not let a course be left mid-term (一旦报名不允许中途退出); the school "
            "can still end a place"
        )


def decide(state: ExitState, approve: bool, reason: str) -> ExitState:
    """The school's decision on a pending request; a refusal says why."""
    if state is not ExitState.PENDING:
        raise Conflict(f"the request is {state.value} already")
    if not approve and not reason.strip():
        raise Conflict("a refusal needs a reason")
    return ExitState.APPROVED if approve else ExitState.REFUSED


def withdraw(state: ExitState, by_requester: bool) -> ExitState:
    if not by_requester:
        raise PermissionDenied("only the family that asked withdraws a request")
    if state is not ExitState.PENDING:
        raise Conflict(f"the request is {state.value} already")
    return ExitState.WITHDRAWN


@dataclass(frozen=True)
class GroupRoom:
    group_id: int
    grades: frozenset[int]
    size: int


def group_for_late_joiner(groups: Sequence[GroupRoom], grade: int, limit: int) -> int | None:
    """The basic-care group a child approved mid-term joins: one with room that has their grade,
    else one with room whose grades stay within two adjacent grades with theirs (编班's rule),
    the smallest first; None when none has room (a new group is made)."""
    fits = [
        g
        for g in groups
        if g.size < limit and max({*g.grades, grade}) - min({*g.grades, grade}) <= 1
    ]
    if not fits:
        return None
    best = min(fits, key=lambda g: (grade not in g.grades, g.size, g.group_id))
    return best.group_id
