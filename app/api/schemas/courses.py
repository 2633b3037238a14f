"""Courses and basic-care offerings: what the routes take and answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from pydantic import ConfigDict, Field, model_validator

from app.api.schemas.base import (
    Grade,
    RequestBody,
    ResponseBody,
    RowId,
    SchoolHour,
    VersionedUpdate,
    Weekday,
)
from app.domain.eligibility import Ineligibility
from app.domain.schedule import Period
from app.domain.statuses import CourseStatus
from app.models import CourseKind
from app.services.courses import CataloguePage, CourseView

DEFAULT_MIN_SIZE = 15  # 原则上报名人数达到15人将开设课程
DEFAULT_GROUP_SIZE = 40  # basic care: about 40 students a group
DEFAULT_FEE_FEN = 2000  # 20 yuan per 40-minute lesson


PERIOD_DESCRIPTION = (
    "after_school (课后, the default: within its grades' care hours) or midday (午托: within the "
    "term's midday window, on any school day, for every grade)"
)


class CourseIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "extension",
                    "name": "少儿编程",
                    "grades": [3, 4],
                    "weekdays": [2, 4],
                    "start_time": "16:00",
                    "end_time": "16:40",
                    "capacity": 30,
                    "room": "科技楼201",
                },
                {
                    "kind": "extension",
                    "name": "午间书法",
                    "period": "midday",
                    "grades": [1, 2],
                    "weekdays": [2, 4],
                    "start_time": "12:00",
                    "end_time": "12:40",
                    "capacity": 25,
                    "room": "一(1)班教室",
                },
            ]
        },
    )

    kind: CourseKind = Field(
        examples=["extension"], description="basic (基础托管) / extension (拓展课) / hybrid"
    )
    name: str = Field(min_length=1, max_length=100, examples=["少儿编程"])
    description: str = Field(default="", max_length=2000)
    teacher_id: RowId | None = None
    room: str = Field(default="", max_length=50, examples=["科技楼201"])
    grades: list[Grade] = Field(min_length=1, max_length=6, examples=[[3, 4]])
    weekdays: list[Weekday] = Field(
        min_length=1, max_length=7, examples=[[2, 4]], description="ISO, 1 = Monday"
    )
    period: Period = Field(default=Period.AFTER_SCHOOL, description=PERIOD_DESCRIPTION)
    start_time: SchoolHour | None = Field(
        default=None,
        examples=["16:00"],
        description="Default: the grades' care hours (for midday: the midday window)",
    )
    end_time: SchoolHour | None = Field(default=None, examples=["16:40"])
    capacity: int | None = Field(
        default=None, ge=1, le=2000, description="Default 40 for basic care"
    )
    min_size: int | None = Field(
        default=None, ge=0, le=2000, description="开班最低人数; default 15 (0 for basic care)"
    )
    fee_per_session_fen: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Integer fen (分); default 2000, 0 for basic care",
    )
    materials_note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _defaults_by_kind(self) -> Self:
        for value, name, low, high in (
            (self.grades, "grades", 1, 6),
            (self.weekdays, "weekdays", 1, 7),
        ):
            if any(not low <= item <= high for item in value) or len(set(value)) != len(value):
                raise ValueError(f"{name} must be distinct numbers from {low} to {high}")
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("give both start_time and end_time, or neither")
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.start_time >= self.end_time
        ):
            raise ValueError("start_time must be before end_time")
        basic = self.kind is CourseKind.BASIC
        if self.capacity is None:
            if not basic:
                raise ValueError("an extension or hybrid course needs a capacity")
            self.capacity = DEFAULT_GROUP_SIZE
        if self.min_size is None:
            self.min_size = 0 if basic else min(DEFAULT_MIN_SIZE, self.capacity)
        if self.fee_per_session_fen is None:
            self.fee_per_session_fen = 0 if basic else DEFAULT_FEE_FEN
        self.grades = sorted(self.grades)
        self.weekdays = sorted(self.weekdays)
        return self


class CourseUpdate(VersionedUpdate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 1, "capacity": 35, "room": "科技楼202"}]},
    )

    clearable = frozenset({"teacher_id", "start_time", "end_time"})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    teacher_id: RowId | None = None
    room: str | None = Field(default=None, max_length=50)
    grades: list[Grade] | None = Field(default=None, min_length=1, max_length=6)
    weekdays: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    period: Period | None = Field(default=None, description=PERIOD_DESCRIPTION)
    start_time: SchoolHour | None = None
    end_time: SchoolHour | None = None
    capacity: int | None = Field(default=None, ge=1, le=2000)
    min_size: int | None = Field(default=None, ge=0, le=2000)
    fee_per_session_fen: int | None = Field(default=None, ge=0, le=1_000_000)
    materials_note: str | None = Field(default=None, max_length=1000)


class CourseOut(ResponseBody):
    id: int = Field(examples=[7])
    term_id: RowId
    name: str
    kind: CourseKind
    description: str
    teacher_id: RowId | None
    room: str
    grades: list[int]
    weekdays: list[int]
    period: Period = Field(description=PERIOD_DESCRIPTION)
    start_time: SchoolHour = Field(
        description="Effective start: explicit, or when its grades are in care"
    )
    end_time: SchoolHour
    capacity: int
    min_size: int
    seats_left: int = Field(description="Live while the grab runs · 剩余名额")
    status: CourseStatus = Field(description="open (报名中) / confirmed (开班) / cancelled (撤班)")
    fee_per_session_fen: int
    materials_note: str
    sessions: int = Field(description="Number of sessions in the term's calendar · 学期课次")
    eligible: bool | None = Field(
        default=None, description="With `student_id`: may this student take it"
    )
    ineligible_reason: Ineligibility | None = None
    held: bool | None = Field(
        default=None, description="With `student_id`: the student holds this course · 已报此课"
    )
    clashes_with: list[int] | None = Field(
        default=None,
        description=(
            "With `student_id`: the courses the student holds at the same time; a grab of this "
            "one is refused as `time-conflict` · 与已报课程时间冲突的课程"
        ),
        examples=[[12]],
    )
    version: int


def course_out(view: CourseView) -> CourseOut:
    course = view.course
    return CourseOut(
        id=course.id,
        term_id=course.term_id,
        name=course.name,
        kind=course.kind,
        description=course.description,
        teacher_id=course.teacher_id,
        room=course.room,
        grades=sorted(course.grades),
        weekdays=sorted(course.weekdays),
        period=course.period,
        start_time=view.slot.start,
        end_time=view.slot.end,
        capacity=course.capacity,
        seats_left=view.seats_left,
        min_size=course.min_size,
        status=course.status,
        fee_per_session_fen=course.fee_per_session_fen,
        materials_note=course.materials_note,
        sessions=view.sessions,
        eligible=(view.ineligible is None) if view.checked_for_student else None,
        ineligible_reason=view.ineligible,
        held=view.held if view.checked_for_student else None,
        clashes_with=list(view.clashes_with) if view.checked_for_student else None,
        version=course.version,
    )


@dataclass(frozen=True)
class CatalogueJson:
    """A catalogue page as the JSON of `Page[CourseOut]`, each course rendered once: a student's
    answer renders again only the courses they hold or that clash with one, and joins the rest
    as they are."""

    page: CataloguePage
    items: list[bytes]  # each course's JSON as a student holding nothing sees it
    number: int
    size: int

    @classmethod
    def of(cls, page: CataloguePage, number: int, size: int) -> CatalogueJson:
        items = [course_out(view).model_dump_json().encode() for view in page.views]
        return cls(page, items, number, size)

    def for_anyone(self) -> bytes:
        return self._join(self.items)

    def for_student(self, held: tuple[int, ...]) -> bytes:
        if not held:
            return self._join(self.items)
        items = [
            course_out(view).model_dump_json().encode() if view.held or view.clashes_with else item
            for view, item in zip(self.page.for_student(held), self.items, strict=True)
        ]
        return self._join(items)

    def _join(self, items: list[bytes]) -> bytes:
        tail = f'],"total":{self.page.total},"page":{self.number},"size":{self.size}}}'
        return b'{"items":[' + b",".join(items) + tail.encode()
