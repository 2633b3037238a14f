"""Binding a child to a parent's account: what the routes take and answer."""

from __future__ import annotations

from typing import Self

from pydantic import ConfigDict, Field, model_validator

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.api.schemas.students import Relation
from app.domain.statuses import BindingStatus


class BindingOut(ResponseBody):
    id: int
    student_id: RowId
    user_id: RowId
    relation: str
    status: BindingStatus
    confirmed_at: SchoolTime | None


class BindingRequest(RequestBody):
    """Either a school-issued `code` (bound at once) or the school, student number and name
    (waits for the class teacher)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "K7M2Q9XR", "relation": "mother"}]},
    )

    relation: Relation = "guardian"
    code: str | None = Field(default=None, min_length=8, max_length=16)
    school_id: RowId | None = None
    student_number: str | None = Field(default=None, max_length=32)
    student_name: str | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        by_details = (self.school_id, self.student_number, self.student_name)
        if self.code is None and None in by_details:
            raise ValueError("give a binding code, or school_id, student_number and student_name")
        if self.code is not None and any(v is not None for v in by_details):
            raise ValueError("give a binding code or the student's details, not both")
        return self


class BindingReview(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"approve": True}]},
    )

    approve: bool
