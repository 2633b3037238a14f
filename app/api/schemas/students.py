"""Students, guardians, agreements, insurance and readiness: what the routes take and answer."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime, VersionedUpdate
from app.api.schemas.schools import NewUser
from app.domain.eligibility import Prerequisite
from app.domain.statuses import BindingStatus

Relation = Literal["father", "mother", "grandparent", "guardian", "other"]


class PriorityFlags(RequestBody):
    """Priority groups (优先保障): shown only to the school's administrators and class teacher."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"left_behind": True}]},
    )

    migrant_worker_child: bool = Field(default=False, description="随迁子女")
    single_parent: bool = Field(default=False, description="单亲家庭")
    left_behind: bool = Field(default=False, description="留守儿童")
    low_income: bool = Field(default=False, description="困难家庭")


class StudentIn(PriorityFlags):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "class_id": 12,
                    "name": "王小明",
                    "student_number": "20230301",
                    "left_behind": True,
                }
            ]
        },
    )

    class_id: RowId
    name: str = Field(min_length=1, max_length=50, examples=["王小明"])
    student_number: str = Field(
        min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$", examples=["20230301"]
    )


class StudentUpdate(VersionedUpdate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 1, "class_id": 13}]},
    )

    class_id: RowId | None = None
    name: str | None = Field(default=None, min_length=1, max_length=50)
    migrant_worker_child: bool | None = None
    single_parent: bool | None = None
    left_behind: bool | None = None
    low_income: bool | None = None


class StudentOut(ResponseBody):
    id: int
    school_id: RowId
    class_id: RowId
    class_name: str = Field(examples=["三年级2班"])
    grade: int
    name: str
    student_number: str
    version: int
    priority: PriorityFlags | None = Field(
        default=None, description="Only for the school's administrators and the class teacher"
    )


class GuardianIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"guardian": {"name": "王爸爸", "phone": "13612345678"}, "relation": "father"}
            ]
        },
    )

    guardian: NewUser
    relation: Relation = "guardian"
    id_number: str | None = Field(default=None, max_length=30, description="身份证号 (sensitive)")


class BindingCodeOut(ResponseBody):
    student_id: RowId
    code: str = Field(examples=["K7M2Q9XR"])
    expires_at: SchoolTime


class AgreementIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"term_id": 1, "agreement_version": "2026-秋-v1"}]},
    )

    term_id: RowId
    agreement_version: str = Field(min_length=1, max_length=20, examples=["2026-秋-v1"])


class AgreementOut(ResponseBody):
    id: int
    student_id: RowId
    term_id: RowId
    agreement_version: str
    signed_at: SchoolTime


class InsuranceIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "insurer": "中国人寿",
                    "policy_number": "XPX2026-0001",
                    "valid_from": "2026-09-01",
                    "valid_to": "2027-08-31",
                }
            ]
        },
    )

    insurer: str = Field(min_length=1, max_length=100, examples=["中国人寿"])
    policy_number: str = Field(min_length=1, max_length=64)
    valid_from: date
    valid_to: date

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class InsuranceOut(ResponseBody):
    id: int
    student_id: RowId
    insurer: str
    valid_from: date
    valid_to: date


class ReadinessOut(ResponseBody):
    student_id: RowId
    term_id: RowId
    ready: bool
    missing: list[Prerequisite] = Field(
        description="binding (绑定), agreement (协议), insurance (学平险)"
    )


class GuardianOut(ResponseBody):
    binding_id: RowId
    user_id: RowId
    name: str
    relation: str
    status: BindingStatus
    phone: str | None = Field(
        default=None, description="Only for administrators and the class teacher"
    )
    id_number_masked: str | None = Field(
        default=None,
        examples=["**************1234"],
        description="Last four digits, administrators only",
    )
