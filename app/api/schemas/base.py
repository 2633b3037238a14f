"""What every schema shares: bounded ids and times, the request-body rules, pages, versioned
updates."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from fastapi import Path
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from app.domain.text import describe_control_character, first_control_character
from app.domain.zone import SCHOOL_ZONE

SchoolTime = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.astimezone(SCHOOL_ZONE).isoformat(), return_type=str),
]
"""A moment as the school reads it: ISO 8601 in Beijing time, e.g. 2026-09-01T11:00:00+08:00."""

INT4_MAX = 2**31 - 1
"""The largest value of a Postgres `integer`, the type of every id and count column."""

RowId = Annotated[int, Field(ge=1, le=INT4_MAX, description="An id (1 … 2³¹−1)")]
"""An id in a path, query or body: bounded like the column it is looked up in, so that an id
beyond `integer` is a 422 here rather than an out-of-range error in the database."""

CareSessionId = Annotated[RowId, Path(alias="session_id")]
"""A care session's id in a path. In the code a care session is always a *care* session: a
bare `session` is the database session beside it."""

CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
_CLOCK = re.compile(CLOCK_PATTERN)


def _clock_text(value: object) -> object:
    # Only the text form: pydantic would also take a number of seconds, which it makes a time
    # in UTC that cannot be compared with the timetable's.
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise PydanticCustomError("clock_time", "a time of day as HH:MM or HH:MM:SS")
    return value


SchoolHour = Annotated[
    time,
    BeforeValidator(_clock_text),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "examples": ["16:00"]}),
]
"""A time of day on the school's clock, `HH:MM` or `HH:MM:SS`, with no offset: a timetable's
hours hold in Beijing time whatever the date (answered as `HH:MM:SS`)."""

Grade = Annotated[int, Field(ge=1, le=6, description="Grade 1 … 6")]
Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday, 1 = Monday … 7 = Sunday")]


class RequestBody(BaseModel):
    """Every request body refuses fields it does not know (a typo is a 422, not silence) and
    text holding control characters (app/domain/text.py), in any field, however nested."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control_characters(cls, value: object) -> object:
        _check_text(value)
        return value


def _check_text(value: object) -> None:
    if isinstance(value, str):
        position = first_control_character(value)
        if position is not None:
            raise PydanticCustomError(
                "control_character", describe_control_character(value, position)
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int = Field(examples=[42])
    page: int = Field(examples=[1])
    size: int = Field(examples=[50])


class VersionedUpdate(RequestBody):
    """Updates name the version they were made from; a stale one is refused with 409.

    A field left out keeps its value. Only the fields in `clearable` may be sent as `null` (to
    clear them); a `null` anywhere else is refused, and the document says so by not declaring
    those fields nullable."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    version: int = Field(
        ge=1,
        le=INT4_MAX,
        description="The `version` you read; 409 `stale-version` if changed since",
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulled = sorted(
                name
                for name, value in data.items()
                if value is None and name in cls.model_fields and name not in cls.clearable
            )
            if nulled:
                raise PydanticCustomError(
                    "null_not_allowed",
                    "{fields}: may not be null; leave a field out to keep its value",
                    {"fields": ", ".join(nulled)},
                )
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        described = handler.resolve_ref_schema(schema)
        for name, field in described.get("properties", {}).items():
            if name not in cls.clearable:
                _drop_null(field)
        return schema


def _drop_null(field: dict[str, Any]) -> None:
    variants = field.get("anyOf")
    if not variants or {"type": "null"} not in variants:
        return
    rest = [variant for variant in variants if variant != {"type": "null"}]
    del field["anyOf"]
    if len(rest) == 1:
        field.update(rest[0])
    else:
        field["anyOf"] = rest
    if "default" in field and field["default"] is None:
        del field["default"]
