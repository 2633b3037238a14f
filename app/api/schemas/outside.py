"""People from outside taken on as teachers (外聘人员)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.outside import OutsideKind, OutsideState


class OutsideIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "retired_teacher", "name": "刘老师", "phone": "13900139000"},
                {"kind": "provider_teacher", "name": "陈教练", "phone": "13700137000",
                 "provider": "某某体育培训中心"},
            ]
        }
    )  # fmt: skip

    kind: OutsideKind = Field(
        description="retired_teacher (退休教师), skilled_parent (有专业特长的家长), volunteer "
        "(志愿者), provider_teacher (第三方机构教师)"
    )
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=30)
    provider: str = Field(
        default="", max_length=100, description="For a provider's teacher: the provider"
    )


class VettingIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"approve": True}, {"approve": False, "reason": "无资质"}]}
    )

    approve: bool
    reason: str = Field(default="", max_length=500, description="Required for a refusal")


class AgreementIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"signed_on": "2026-09-01", "school_party": "溪尾中心小学",
                 "parent_party": "家委会 王芳", "person_party": "刘老师"}
            ]
        }
    )  # fmt: skip

    signed_on: date = Field(description="The day it was signed · 签订日期")
    school_party: str = Field(min_length=1, max_length=100, description="学校")
    parent_party: str = Field(min_length=1, max_length=100, description="家长代表")
    person_party: str = Field(
        min_length=1, max_length=100, description="被聘用服务人员 (and the provider, if any)"
    )


class OutsideOut(ResponseBody):
    id: RowId
    school_id: RowId
    user_id: RowId
    kind: OutsideKind
    provider: str
    state: OutsideState = Field(
        description="proposed (审核中) → vetted (审核通过) → engaged (已签协议); or refused"
    )
    school_approved: bool
    committee_approved: bool
    refusal_reason: str
    signed_on: date | None
    school_party: str
    parent_party: str
    person_party: str
    created_at: SchoolTime
