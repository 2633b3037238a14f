"""Parents' feedback and the school's answers: what the routes take and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime


class FeedbackIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"student_id": 11, "body": "希望增加阅读时间"}]},
    )

    student_id: RowId | None = Field(default=None, ge=1)
    body: str = Field(min_length=1, max_length=2000)


class FeedbackAnswerIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "已安排每周三增加阅读课"}]})

    text: str = Field(min_length=1, max_length=2000)


class FeedbackOut(ResponseBody):
    id: int
    school_id: RowId
    student_id: RowId | None
    body: str
    answer: str | None
    answered_at: SchoolTime | None
    created_at: SchoolTime
