from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

SCHOOL_ZONE = ZoneInfo("Asia/Shanghai")

SchoolTime = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.astimezone(SCHOOL_ZONE).isoformat(), return_type=str),
]
"""A moment as the school reads it: ISO 8601 in Beijing time, e.g. 2026-09-01T11:00:00+08:00."""


class RequestBody(BaseModel):
    """Every request body refuses fields it does not know: a typo is a 422, not silence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int = Field(examples=[42])
    page: int = Field(examples=[1])
    size: int = Field(examples=[50])


class VersionedUpdate(RequestBody):
    """Updates name the version they were made from; a stale one is refused with 409."""

    version: int = Field(
        ge=1, description="The `version` you read; 409 `stale-version` if changed since"
    )
