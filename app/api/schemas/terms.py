"""Terms, timetables, suspension days and calendar corrections: what the routes take and answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from limits import parse
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from app.api.schemas.base import (
    RequestBody,
    ResponseBody,
    RowId,
    SchoolHour,
    SchoolTime,
    VersionedUpdate,
    Weekday,
)
from app.domain.committee import DEFAULT_SHARES, SpendingShare, check_shares
from app.domain.fees import CareFeeModel
from app.domain.opening import Opening
from app.domain.schedule import MiddayWindow
from app.models import UnderMinPolicy


def _rate_limit(value: str) -> str:
    try:
        parse(value)
    except ValueError as error:
        raise ValueError("a rate such as 20/minute or 100/hour") from error
    return value


RateLimit = Annotated[
    str, Field(max_length=40, examples=["20/minute"]), AfterValidator(_rate_limit)
]


class SpendingShareIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"category": "辅导教师量化考核", "percent": 60}]}
    )

    category: str = Field(min_length=1, max_length=40, examples=["辅导教师量化考核"])
    percent: int = Field(ge=0, le=100, examples=[60])


def _shares(value: list[SpendingShareIn]) -> list[SpendingShareIn]:
    check_shares([SpendingShare(s.category, s.percent) for s in value])
    return value


SpendingShares = Annotated[
    list[SpendingShareIn],
    Field(
        min_length=1,
        max_length=20,
        description="How the income is spent, published by category; 100 % in all (篇八: 60/20/"
        "5/5/10) · 经费支出分类及占比",
    ),
    AfterValidator(_shares),
]


def _default_shares() -> list[SpendingShareIn]:
    return [SpendingShareIn(category=s.category, percent=s.percent) for s in DEFAULT_SHARES]


class SpendingShareOut(ResponseBody):
    category: str
    percent: int


CARE_FEE_MODEL_DESCRIPTION = (
    "How basic care is charged: free (the default; 基础性托管为免费公益性服务), per_session "
    "(`care_fee_fen` for each session held for the child, 篇九: 3元/人/课时, 期末按实结算), or "
    "monthly (`care_fee_fen` for each month the child is in care, charged once, 篇一: 40元/月). "
    "Extension courses keep their fee per session · 基础托管收费方式"
)
CARE_FEE_DESCRIPTION = (
    "Integer fen: per session (per_session) or per month (monthly); 0 when free · "
    "基础托管收费标准(分)"
)


class TermIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "2026年秋季学期",
                    "starts_on": "2026-09-01",
                    "ends_on": "2027-01-20",
                    "opens_at": "2026-08-25T11:00:00+08:00",
                    "summer_starts_on": "2026-09-01",
                    "summer_ends_on": "2026-09-30",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100, examples=["2026年秋季学期"])
    starts_on: date = Field(examples=["2026-09-01"])
    ends_on: date = Field(examples=["2027-01-20"])
    opens_at: AwareDatetime = Field(
        examples=["2026-08-25T11:00:00+08:00"], description="Registration opens · 报名开始"
    )
    closes_at: AwareDatetime | None = Field(
        default=None, description="Default: 24 hours after `opens_at` · 默认开放 24 小时"
    )
    grab_opens_at: AwareDatetime | None = Field(
        default=None, description="Extension-course grab opens; default `opens_at` · 拓展课抢课开始"
    )
    round2_opens_at: AwareDatetime | None = Field(
        default=None, description="Round two opens; default `closes_at` · 第二轮报名开始"
    )
    round2_closes_at: AwareDatetime | None = Field(
        default=None, description="Default: as long as round one · 默认与第一轮等长"
    )
    max_extension_courses: int = Field(default=3, ge=0, le=20, description="Per student · 每生上限")
    withdrawal_allowed: bool = Field(
        default=False,
        description="A family may ask to leave a paid course mid-term (the school decides; the "
        "sessions still to come are refunded). Default no: 一旦报名不允许中途退出 · 允许申请退出拓展课",
    )
    care_applications_midterm: bool = Field(
        default=False,
        description="Basic care may be applied for after the window, until the term's last day "
        "(篇四: 学期中间,家长可以随时申请参加托管) · 学期中可申请基础托管",
    )
    grab_limit_per_parent: RateLimit | None = Field(
        default=None, description="e.g. 20/minute; default: the deployment's · 每位家长抢课频率上限"
    )
    grab_limit_per_ip: RateLimit | None = Field(
        default=None, description="e.g. 5000/minute; default: the deployment's · 每个 IP 频率上限"
    )
    summer_starts_on: date | None = Field(default=None, description="Summer schedule (夏令时) from")
    summer_ends_on: date | None = None
    under_min_after_round2: UnderMinPolicy = Field(
        default=UnderMinPolicy.CANCEL,
        description=(
            "A course still under its minimum after round two: cancel (撤班) or open anyway "
            "(照常开班) · 第二轮后仍不足最低人数的课程如何处理"
        ),
    )
    waitlist_enabled: bool = Field(
        default=False, description="A freed seat goes to the first waiting student · 候补"
    )
    basic_care_places: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="Basic-care places; none: unlimited · 基础托管名额",
    )
    care_group_limit: int = Field(
        default=40, ge=1, le=100, description="Students per basic-care group · 每组人数上限"
    )
    absence_limit: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Unexcused absences that give a place up (视作自动放弃) · 无故缺勤上限",
    )
    late_pickup_limit: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Late pickups that warn; one more proposes 劝退 · 延迟接回上限",
    )
    spending_shares: SpendingShares = Field(default_factory=_default_shares)
    conduct_limit: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Conduct incidents that warn; one more proposes 劝退 (篇十) · 违纪记录上限",
    )
    late_pickup_grace_minutes: int = Field(
        default=10, ge=0, le=120, description="Minutes after the end before a pickup is late"
    )
    subsidy_fen_per_student_hour: int = Field(
        default=200, ge=0, le=100_000, description="Teachers' subsidy · 每生每课时补贴(分)"
    )
    points_per_supervision: int = Field(default=50, ge=0, le=1000, description="看护积分")
    points_per_activity: int = Field(default=50, ge=0, le=1000, description="活动积分")
    points_per_patrol: int = Field(default=40, ge=0, le=1000, description="巡查积分")
    care_fee_model: CareFeeModel = Field(
        default=CareFeeModel.FREE, description=CARE_FEE_MODEL_DESCRIPTION
    )
    care_fee_fen: int = Field(
        default=0, ge=0, le=1_000_000, description=CARE_FEE_DESCRIPTION, examples=[300, 4000]
    )


class TermUpdate(VersionedUpdate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 2, "grab_opens_at": "2026-08-25T12:00:00+08:00"}]
        },
    )

    clearable = frozenset(
        {
            "grab_limit_per_parent",
            "grab_limit_per_ip",
            "summer_starts_on",
            "summer_ends_on",
            "basic_care_places",
        }
    )

    name: str | None = Field(default=None, min_length=1, max_length=100)
    starts_on: date | None = None
    ends_on: date | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    grab_opens_at: AwareDatetime | None = None
    round2_opens_at: AwareDatetime | None = None
    round2_closes_at: AwareDatetime | None = None
    max_extension_courses: int | None = Field(default=None, ge=0, le=20)
    withdrawal_allowed: bool | None = None
    care_applications_midterm: bool | None = None
    grab_limit_per_parent: RateLimit | None = None
    grab_limit_per_ip: RateLimit | None = None
    summer_starts_on: date | None = None
    summer_ends_on: date | None = None
    under_min_after_round2: UnderMinPolicy | None = None
    waitlist_enabled: bool | None = None
    basic_care_places: int | None = Field(default=None, ge=0, le=100_000)
    care_group_limit: int | None = Field(default=None, ge=1, le=100)
    absence_limit: int | None = Field(default=None, ge=1, le=100)
    late_pickup_limit: int | None = Field(default=None, ge=1, le=100)
    conduct_limit: int | None = Field(default=None, ge=1, le=100)
    spending_shares: SpendingShares | None = None
    late_pickup_grace_minutes: int | None = Field(default=None, ge=0, le=120)
    subsidy_fen_per_student_hour: int | None = Field(default=None, ge=0, le=100_000)
    points_per_supervision: int | None = Field(default=None, ge=0, le=1000)
    points_per_activity: int | None = Field(default=None, ge=0, le=1000)
    points_per_patrol: int | None = Field(default=None, ge=0, le=1000)
    care_fee_model: CareFeeModel | None = Field(
        default=None, description=f"{CARE_FEE_MODEL_DESCRIPTION} Fixed once the term is billed."
    )
    care_fee_fen: int | None = Field(default=None, ge=0, le=1_000_000)


class GradeScheduleOut(ResponseBody):
    grade: int = Field(examples=[1])
    start_time: SchoolHour = Field(examples=["15:05"])
    end_time: SchoolHour = Field(examples=["17:30"])
    summer_end_time: SchoolHour = Field(examples=["18:00"])
    weekdays: list[int] = Field(examples=[[1, 3, 5]], description="ISO weekdays, 1 = Monday")


class GradeScheduleIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start_time": "15:05",
                    "end_time": "17:30",
                    "summer_end_time": "18:00",
                    "weekdays": [1, 3, 5],
                }
            ]
        },
    )

    start_time: SchoolHour
    end_time: SchoolHour
    summer_end_time: SchoolHour
    weekdays: list[Weekday] = Field(min_length=1, max_length=7, examples=[[1, 3, 5]])


class MiddayWindowIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"start_time": "11:00", "end_time": "13:30"},
                {"start_time": "11:00", "end_time": "13:30", "summer_end_time": "14:00"},
            ]
        },
    )

    start_time: SchoolHour = Field(examples=["11:00"])
    end_time: SchoolHour = Field(examples=["13:30"])
    summer_end_time: SchoolHour | None = Field(
        default=None,
        examples=["14:00"],
        description="On the summer schedule (夏令时); default: the same end",
    )

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        self.window()
        return self

    def window(self) -> MiddayWindow:
        """Raises ValueError unless it starts before it ends (the summer end not earlier)."""
        return MiddayWindow(self.start_time, self.end_time, self.summer_end_time or self.end_time)


class MiddayWindowOut(ResponseBody):
    start_time: SchoolHour = Field(examples=["11:00"])
    end_time: SchoolHour = Field(examples=["13:30"])
    summer_end_time: SchoolHour = Field(examples=["13:30"])


class TermOut(ResponseBody):
    id: int
    school_id: RowId
    name: str
    starts_on: date
    ends_on: date
    opens_at: SchoolTime
    closes_at: SchoolTime
    grab_opens_at: SchoolTime
    round2_opens_at: SchoolTime
    round2_closes_at: SchoolTime
    max_extension_courses: int
    withdrawal_allowed: bool
    care_applications_midterm: bool
    grab_limit_per_parent: str | None
    grab_limit_per_ip: str | None
    summer_starts_on: date | None
    summer_ends_on: date | None
    under_min_after_round2: UnderMinPolicy
    waitlist_enabled: bool
    basic_care_places: int | None
    care_group_limit: int
    absence_limit: int
    late_pickup_limit: int
    conduct_limit: int
    spending_shares: list[SpendingShareOut]
    late_pickup_grace_minutes: int
    subsidy_fen_per_student_hour: int
    points_per_supervision: int
    points_per_activity: int
    points_per_patrol: int
    care_fee_model: CareFeeModel
    care_fee_fen: int
    billed_at: SchoolTime | None = Field(description="When the term was first billed")
    settled_at: SchoolTime | None = Field(description="Settled (期末结算): the ledger is closed")
    opening: Opening = Field(
        description="How round one opens: fcfs (先到先得), fair_start (公平开局), ranked (志愿抽签); "
        "see `GET /terms/{id}/draw`"
    )
    draw_at: SchoolTime | None = Field(description="When round one's draw is due · 抽签时间")
    draw_commitment: str | None = Field(description="The draw's published commitment · 承诺值")
    drawn_at: SchoolTime | None = Field(description="When the draw was served · 抽签完成时间")
    version: int


class TermDetail(TermOut):
    grade_schedules: list[GradeScheduleOut]
    midday_window: MiddayWindowOut | None = Field(
        default=None,
        description="Midday care (午托): the window it is given in; null: the term offers none",
    )


class SuspensionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"on_date": "2026-10-21", "reason": "秋季运动会"}]},
    )

    on_date: date = Field(examples=["2026-10-21"])
    reason: str = Field(min_length=1, max_length=200, examples=["秋季运动会 · sports day"])


class SuspensionOut(ResponseBody):
    id: int
    term_id: RowId
    on_date: date
    reason: str


class CalendarOut(ResponseBody):
    term_id: RowId
    holidays: list[date] = Field(
        description="Public holidays and closures on weekdays · 法定节假日"
    )
    make_up_days: list[date] = Field(description="Weekend days worked (调休上课日)")
    suspensions: list[date] = Field(description="School suspension days · 停课日")


class CalendarOverrideIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "on_date": "2027-02-07",
                    "is_workday": True,
                    "follows_weekday": 1,
                    "name": "春节调休上课",
                }
            ]
        },
    )

    on_date: date = Field(examples=["2027-01-30"])
    is_workday: bool = Field(description="true: a worked day (调休); false: a day off")
    follows_weekday: int | None = Field(
        default=None, ge=1, le=5, description="A worked day follows this weekday's timetable"
    )
    name: str = Field(min_length=1, max_length=100, examples=["春节调休"])


class CalendarOverrideOut(ResponseBody):
    id: int
    district_id: RowId
    on_date: date
    is_workday: bool
    follows_weekday: int | None
    name: str
