"""The signed-in caller and their children."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId
from app.domain.access import Role


class ChildSummary(ResponseBody):
    id: int = Field(examples=[11])
    name: str = Field(examples=["王小明"])
    grade: int = Field(examples=[3])
    class_name: str = Field(examples=["三年级2班"])
    school_id: RowId = Field(examples=[1])


class MeResponse(ResponseBody):
    id: int
    name: str
    roles: list[Role]
    children: list[ChildSummary]
