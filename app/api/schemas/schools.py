"""Schools, classes and staff: what the routes take and answer (the districts' routes create
schools with these too)."""

from __future__ import annotations

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime, VersionedUpdate
from app.domain.access import Role
from app.domain.phones import e164_phone


class SchoolIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "溪尾中心小学", "code": "xiwei"}]},
    )

    name: str = Field(min_length=1, max_length=100, examples=["溪尾中心小学"])
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$", examples=["xiwei"])


class SchoolUpdate(VersionedUpdate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 3, "name": "溪尾中心小学(本部)"}]},
    )

    name: str | None = Field(default=None, min_length=1, max_length=100)
    code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")


class SchoolOut(ResponseBody):
    id: int
    district_id: RowId
    name: str
    code: str
    version: int
    created_at: SchoolTime


class ClassIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"grade": 3, "number": 2, "class_teacher_id": 17}]},
    )

    grade: int = Field(ge=1, le=6, examples=[3], description="Grade 1–6 · 年级")
    number: int = Field(ge=1, le=99, examples=[2], description="Class number in the grade · 班号")
    class_teacher_id: RowId | None = Field(
        default=None, description="A class_teacher of the school"
    )


class ClassUpdate(VersionedUpdate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 1, "class_teacher_id": 21}]},
    )

    clearable = frozenset({"class_teacher_id"})

    class_teacher_id: RowId | None = None


class ClassOut(ResponseBody):
    id: int
    school_id: RowId
    grade: int
    number: int
    code: str = Field(examples=["302"])
    name: str = Field(examples=["三年级2班"])
    class_teacher_id: RowId | None
    version: int


class NewUser(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "李老师", "phone": "13800138000"}]},
    )

    name: str = Field(min_length=1, max_length=100, examples=["李老师"])
    phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9 -]{5,20}$",
        examples=["13800138000"],
        description="Kept as E.164 (+8613800138000) · 存为 +86 格式",
    )
    dingtalk_user_id: str | None = Field(default=None, min_length=1, max_length=64)
    dev_login: str | None = Field(
        default=None, min_length=1, max_length=64, description="Development login only"
    )

    @field_validator("phone")
    @classmethod
    def _as_e164(cls, value: str | None) -> str | None:
        if value is None:
            return None
        phone = e164_phone(value)
        if phone is None:
            raise ValueError("not a valid phone number")
        return phone


class StaffIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"role": "class_teacher", "dingtalk_user_id": "manager7421"},
                {"role": "care_teacher", "phone": "13800138000"},
                {
                    "role": "care_teacher",
                    "new_user": {
                        "name": "李老师",
                        "phone": "13800138000",
                        "dingtalk_user_id": "manager7421",
                    },
                },
            ]
        },
    )

    role: Role = Field(examples=["care_teacher"])
    user_id: RowId | None = Field(
        default=None,
        description="An existing user of the district (with a role or a bound child in it)",
    )
    dingtalk_user_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="An existing person, by their DingTalk userid · 按钉钉 userid 指定已有用户",
    )
    phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9-]{5,20}$",
        description="An existing person, by the phone of their account · 按手机号指定已有用户",
    )
    new_user: NewUser | None = None

    @model_validator(mode="after")
    def one_person(self) -> StaffIn:
        named = [self.user_id, self.dingtalk_user_id, self.phone, self.new_user]
        by_identity = self.dingtalk_user_id is not None or self.phone is not None
        if by_identity and sum(value is not None for value in named) > 1:
            raise ValueError(
                "name the person one way: dingtalk_user_id, phone, user_id or new_user"
            )
        return self


class StaffOut(ResponseBody):
    id: int = Field(description="The grant's id (use it to remove the role)")
    user_id: RowId
    role: Role
    school_id: RowId | None
