"""Publications (公示) and objections: what the routes take and answer."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.models import Publication, PublicationKind


class PublishIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "courses", "title": "2026秋季拓展课程开班名单公示", "days": 3},
                {"kind": "care_groups", "title": "基础托管分组名单公示", "days": 5},
            ]
        },
    )

    kind: PublicationKind = Field(description="courses (开班名单) / care_groups (基础托管分组)")
    title: str = Field(min_length=1, max_length=100)
    days: int = Field(default=3, ge=1, le=30, description="Publication period · 公示天数")


class PublicationSummary(ResponseBody):
    id: int
    term_id: RowId
    kind: PublicationKind
    title: str
    opens_at: SchoolTime
    closes_at: SchoolTime


class PublicationOut(PublicationSummary):
    lists: list[dict[str, Any]] = Field(
        description=(
            "Courses or groups with their students. Families see `name` masked (张*明) and "
            "`class_name`; staff also see ids. 家长端姓名脱敏。"
        ),
        examples=[
            [{"name": "少儿编程", "students": [{"name": "张*明", "class_name": "3年级1班"}]}]
        ],
    )


class ObjectionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "孩子已报名但名单中没有", "student_id": 11}]},
    )

    text: str = Field(min_length=1, max_length=1000)
    student_id: RowId | None = Field(default=None, ge=1, description="The child concerned, if any")


class ObjectionAnswerIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "已核实,系统已补录,名单已更新。"}]},
    )

    text: str = Field(min_length=1, max_length=1000)


class ObjectionOut(ResponseBody):
    id: int
    publication_id: RowId
    user_id: RowId
    student_id: RowId | None
    text: str
    answer: str | None
    answered_at: SchoolTime | None
    created_at: SchoolTime


def publication_out(publication: Publication, lists: list[dict[str, Any]]) -> PublicationOut:
    summary = PublicationSummary.model_validate(publication)
    return PublicationOut(**summary.model_dump(), lists=lists)
