"""Care groups (编班): what the routes take and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId
from app.domain.schedule import Period
from app.services.care_groups import GroupView


class AllocationOut(ResponseBody):
    places: int = Field(description="The term's basic-care places, for this period · 名额")
    period: Period = Field(description="The period allocated: after_school or midday")
    approved_before: int
    admitted: list[int] = Field(description="Application ids approved, in priority order")
    refused: list[int] = Field(description="Application ids refused: no place left")
    applied: bool = Field(description="False for a preview · 预览时为 false")


class MemberOut(ResponseBody):
    student_id: RowId
    name: str
    grade: int
    class_number: int


class GroupOut(ResponseBody):
    id: int
    period: Period = Field(description="after_school (课后托管) or midday (午托)")
    number: int = Field(examples=[1], description="Numbered within its period · 按时段编号")
    grades: list[int] = Field(examples=[[3, 4]])
    size: int
    members: list[MemberOut]


class AssignIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"student_id": 11, "reason": "与同班同学同组便于接送"}]},
    )

    student_id: RowId = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500, description="For the audit log · 原因")


def groups_out(views: list[GroupView]) -> list[GroupOut]:
    return [
        GroupOut(
            id=view.group.id,
            period=view.group.period,
            number=view.group.number,
            grades=sorted(view.group.grades),
            size=len(view.members),
            members=[MemberOut(student_id=s, name=n, grade=g, class_number=c)
                     for s, n, g, c in view.members],
        )
        for view in views
    ]  # fmt: skip
