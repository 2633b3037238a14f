"""A term: its registration window, grab rules, round settings and the policies the school chose."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.committee import DEFAULT_SHARES
from app.domain.fees import CareFeeModel
from app.domain.opening import DRAW_GRACE, Opening, draw_moment
from app.models.base import Base, Versioned, created_at_column, enum_column, string_enum

DEFAULT_SHARES_JSON = json.dumps(
    [{"category": s.category, "percent": s.percent} for s in DEFAULT_SHARES], ensure_ascii=False
)


class UnderMinPolicy(enum.StrEnum):
    CANCEL = "cancel"  # 撤班, as after round one
    OPEN = "open"  # open anyway with the students it has


class Term(Versioned, Base):
    """A school term with its registration window (24 hours by default), the extension-course
    grab start inside it, and the second round after it."""

    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("closes_at > opens_at", name="window_in_order"),
        CheckConstraint(
            "grab_opens_at >= opens_at AND grab_opens_at < closes_at", name="grab_in_window"
        ),
        CheckConstraint(
            "round2_closes_at > round2_opens_at AND round2_opens_at >= closes_at",
            name="round2_after_window",
        ),
        CheckConstraint("max_extension_courses >= 0", name="limit_not_negative"),
        CheckConstraint("basic_care_places >= 0", name="care_places_not_negative"),
        CheckConstraint("care_group_limit BETWEEN 1 AND 100", name="care_group_limit_range"),
        CheckConstraint(
            "absence_limit >= 1 AND late_pickup_limit >= 1", name="policy_limits_positive"
        ),
        CheckConstraint("conduct_limit >= 1", name="conduct_limit_positive"),
        CheckConstraint("late_pickup_grace_minutes >= 0", name="grace_not_negative"),
        CheckConstraint(
            "subsidy_fen_per_student_hour >= 0 AND points_per_supervision >= 0"
            " AND points_per_activity >= 0 AND points_per_patrol >= 0",
            name="rates_not_negative",
        ),
        CheckConstraint(
            "(summer_starts_on IS NULL) = (summer_ends_on IS NULL)"
            " AND (summer_ends_on IS NULL OR summer_ends_on >= summer_starts_on)",
            name="summer_range",
        ),
        CheckConstraint(
            "(midday_start_time IS NULL) = (midday_end_time IS NULL)"
            " AND (midday_end_time IS NULL) = (midday_summer_end_time IS NULL)"
            " AND (midday_start_time IS NULL OR"
            " (midday_start_time < midday_end_time AND midday_end_time <= midday_summer_end_time))",
            name="midday_window",
        ),
        CheckConstraint(
            "care_fee_model IN ('free', 'per_session', 'monthly')"
            " AND (care_fee_model = 'free') = (care_fee_fen = 0) AND care_fee_fen >= 0",
            name="care_fee",
        ),
        CheckConstraint(
            "opening IN ('fcfs', 'fair_start', 'ranked')"
            " AND fair_start_s BETWEEN 1 AND 600 AND choices_max BETWEEN 1 AND 10"
            " AND (opening = 'fcfs') = (draw_seed IS NULL)"
            " AND (draw_seed IS NULL) = (draw_commitment IS NULL)"
            " AND (drawn_at IS NULL OR opening <> 'fcfs')",
            name="opening",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    grab_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    round2_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    round2_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    max_extension_courses: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    # A parent may ask to leave a paid course mid-term (退报; the school decides, the sessions
    # still to come are refunded). Off: 一旦报名不允许中途退出. A basic-care place can always be
    # asked to be left.
    withdrawal_allowed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Basic care applied for after the window, until the term's last day (篇四).
    care_applications_midterm: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Grab rate limits in `limits` notation ("20/minute"); None keeps the deployment's.
    grab_limit_per_parent: Mapped[str | None] = mapped_column(String(40))
    grab_limit_per_ip: Mapped[str | None] = mapped_column(String(40))
    # Midday care (午托): the window it is given in; None while the term offers none.
    midday_start_time: Mapped[time | None] = mapped_column(Time)
    midday_end_time: Mapped[time | None] = mapped_column(Time)
    midday_summer_end_time: Mapped[time | None] = mapped_column(Time)
    summer_starts_on: Mapped[date | None] = mapped_column(Date)
    summer_ends_on: Mapped[date | None] = mapped_column(Date)
    # What the reconciler does with a course still under its minimum after round two.
    under_min_after_round2: Mapped[UnderMinPolicy] = mapped_column(
        enum_column(UnderMinPolicy, "under_min_policy"),
        server_default=UnderMinPolicy.CANCEL.value,
    )
    # A freed seat goes to the first student waiting for it (beyond the seed; off by default).
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Basic-care places; None: as many as are approved.
    basic_care_places: Mapped[int | None] = mapped_column(Integer)
    care_group_limit: Mapped[int] = mapped_column(SmallInteger, server_default="40")
    # Attendance policies: N unexcused absences give a place up; M late pickups warn, one more
    # proposes a dismissal. A pickup more than the grace after the session's end is late.
    absence_limit: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    late_pickup_limit: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    # Conduct incidents a term: at the limit the family is warned, one more proposes a dismissal.
    conduct_limit: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    late_pickup_grace_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="10")
    # Workload rates (seed defaults: 2 yuan per student-hour; 50, 50 and 40 points).
    subsidy_fen_per_student_hour: Mapped[int] = mapped_column(Integer, server_default="200")
    points_per_supervision: Mapped[int] = mapped_column(SmallInteger, server_default="50")
    points_per_activity: Mapped[int] = mapped_column(SmallInteger, server_default="50")
    points_per_patrol: Mapped[int] = mapped_column(SmallInteger, server_default="40")
    # How the income is spent, published by category (篇八's shares by default):
    # [{"category": "辅导教师量化考核", "percent": 60}, …], 100 % in all.
    spending_shares: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text(f"'{DEFAULT_SHARES_JSON}'::jsonb")
    )
    # How basic care is charged (free by default), and the fee per session or per month.
    care_fee_model: Mapped[CareFeeModel] = mapped_column(
        string_enum(CareFeeModel), server_default=CareFeeModel.FREE.value
    )
    care_fee_fen: Mapped[int] = mapped_column(Integer, server_default="0")
    # How round one opens (app/domain/opening.py), and its draw: the secret seed (revealed once
    # drawn), the commitment published before, and when the draw was served.
    opening: Mapped[Opening] = mapped_column(
        string_enum(Opening), server_default=Opening.FCFS.value
    )
    fair_start_s: Mapped[int] = mapped_column(SmallInteger, server_default="10")
    choices_max: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    draw_commitment: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    billed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    @property
    def draw_at(self) -> datetime | None:
        """When round one's draw is due; None when it opens first come first served."""
        return draw_moment(self.opening, self.grab_opens_at, self.closes_at, self.fair_start_s)

    @property
    def draw_served_from(self) -> datetime | None:
        """When the draw may be served: a grace after it is due, for attempts held before."""
        return None if self.draw_at is None else self.draw_at + DRAW_GRACE
