"""Roll call and the attendance policies.

Seed rules: leave needs a written request approved in advance, and approved leave excuses the
sessions it covers; repeated unexcused absence is treated as giving up the place (视作自动放弃);
repeated late pickup leads to a warning and then a dismissal (劝退) proposed to the school.
N and M are term settings; the warning comes one step before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.statuses import AttendanceStatus


class PolicyAction(StrEnum):
    ABSENCE_WARNING = "absence_warning"
    PLACE_GIVEN_UP = "place_given_up"
    LATE_PICKUP_WARNING = "late_pickup_warning"
    DISMISSAL_PROPOSED = "dismissal_proposed"
    CONDUCT_WARNING = "conduct_warning"


def mark(recorded: AttendanceStatus, on_leave: bool) -> AttendanceStatus:
    """What a roll call mark becomes: an absent child with approved leave is excused; a child
    on leave who came anyway is marked as they came."""
    if recorded is AttendanceStatus.ABSENT and on_leave:
        return AttendanceStatus.LEAVE
    if recorded is AttendanceStatus.LEAVE and not on_leave:
        return AttendanceStatus.ABSENT
    return recorded


def leave_covers(first_day: date, last_day: date, day: date) -> bool:
    return first_day <= day <= last_day


def requested_in_advance(first_day: date, today: date) -> bool:
    """Leave is asked for before the first day it covers begins, at the latest on that day."""
    return first_day >= today


def is_late_pickup(ends_at: datetime, picked_up_at: datetime, grace_minutes: int) -> bool:
    return picked_up_at > ends_at + timedelta(minutes=grace_minutes)


@dataclass(frozen=True)
class PolicyLimits:
    absences: int = 3  # N unexcused absences of one place in a term: the place is given up
    late_pickups: int = 3  # M late pickups in a term: warning; one more: dismissal proposed
    # K conduct incidents in a term (篇十: 多次由于个人行为习惯未能适应群体性管理而影响他人):
    # warning; one more: dismissal proposed
    conduct: int = 3

    def __post_init__(self) -> None:
        if self.absences < 1 or self.late_pickups < 1 or self.conduct < 1:
            raise ValueError("policy limits are at least 1")


def absence_actions(unexcused: int, limits: PolicyLimits) -> list[PolicyAction]:
    """The steps due for one place after `unexcused` unexcused absences (each taken once)."""
    actions = []
    if limits.absences > 1 and unexcused >= limits.absences - 1:
        actions.append(PolicyAction.ABSENCE_WARNING)
    if unexcused >= limits.absences:
        actions.append(PolicyAction.PLACE_GIVEN_UP)
    return actions


def late_pickup_actions(late_pickups: int, limits: PolicyLimits) -> list[PolicyAction]:
    return _warn_then_propose(late_pickups, limits.late_pickups, PolicyAction.LATE_PICKUP_WARNING)


def conduct_actions(incidents: int, limits: PolicyLimits) -> list[PolicyAction]:
    """The steps due after `incidents` conduct incidents in the term: at the limit the family is
    warned; past it a dismissal is proposed to the school (each taken once)."""
    return _warn_then_propose(incidents, limits.conduct, PolicyAction.CONDUCT_WARNING)


def _warn_then_propose(count: int, limit: int, warning: PolicyAction) -> list[PolicyAction]:
    actions = []
    if count >= limit:
        actions.append(warning)
    if count > limit:
        actions.append(PolicyAction.DISMISSAL_PROPOSED)
    return actions


def unexcused_absences(marks: Iterable[AttendanceStatus]) -> int:
    return sum(1 for status in marks if status is AttendanceStatus.ABSENT)
