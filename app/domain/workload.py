"""Teacher workload and subsidy (工作量与补贴).

Seed defaults: 2 yuan per student-hour; points 50 per supervision (a session supervised), 50 per
activity, 40 per safety patrol. A student-hour is one attending student for one hour of a
session; the subsidy is rounded to the fen once per statement, not per session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.schedule import Period


@dataclass(frozen=True)
class Rates:
    fen_per_student_hour: int = 200
    points_per_supervision: int = 50
    points_per_activity: int = 50
    points_per_patrol: int = 40

    def __post_init__(self) -> None:
        if (
            min(
                self.fen_per_student_hour,
                self.points_per_supervision,
                self.points_per_activity,
                self.points_per_patrol,
            )
            < 0
        ):
            raise ValueError("rates are not negative")


@dataclass(frozen=True)
class SupervisedSession:
    minutes: int
    attending: int
    period: Period = Period.AFTER_SCHOOL


@dataclass(frozen=True)
class WorkloadLine:
    sessions: int
    student_minutes: int
    activities: int
    patrols: int
    subsidy_fen: int
    points: int
    midday_sessions: int = 0  # of `sessions`, those of midday care (午托)

    @property
    def student_hours(self) -> float:
        return round(self.student_minutes / 60, 2)


def workload(
    sessions: Iterable[SupervisedSession], activities: int, patrols: int, rates: Rates
) -> WorkloadLine:
    supervised = list(sessions)
    student_minutes = sum(s.minutes * s.attending for s in supervised)
    # Half a fen and up rounds up; integer arithmetic, no floats.
    subsidy = (student_minutes * rates.fen_per_student_hour * 2 + 60) // 120
    points = (
        len(supervised) * rates.points_per_supervision
        + activities * rates.points_per_activity
        + patrols * rates.points_per_patrol
    )
    midday = sum(1 for s in supervised if s.period is Period.MIDDAY)
    return WorkloadLine(
        len(supervised), student_minutes, activities, patrols, subsidy, points, midday
    )
