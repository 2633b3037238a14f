"""The clearing check (清校) and the duty report."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime


class ClearingIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"on_date": "2026-11-10", "all_groups_dismissed": True, "rooms_checked": True},
                {"on_date": "2026-11-10", "all_groups_dismissed": False, "rooms_checked": True,
                 "note": "3年级1组王小明家长17:50接走,已登记"},
            ]
        }
    )  # fmt: skip

    on_date: date = Field(description="The day cleared (today, or a day past) · 日期")
    all_groups_dismissed: bool = Field(description="Every group dismissed · 各组学生均已离校")
    rooms_checked: bool = Field(description="Every room checked · 各教室已检查")
    note: str = Field(
        default="",
        max_length=1000,
        description="What was found; required when either is not so · 情况说明",
    )


class ClearingOut(ResponseBody):
    id: RowId
    school_id: RowId
    on_date: date
    checked_by_id: RowId
    all_groups_dismissed: bool
    rooms_checked: bool
    note: str
    created_at: SchoolTime


class ClearingSummary(ResponseBody):
    checked_by: str
    all_groups_dismissed: bool
    rooms_checked: bool
    clear: bool = Field(description="Both so: the school was left clear · 清校完成")
    note: str


class DutyDayOut(ResponseBody):
    on_date: date
    patrols: int = Field(description="Patrol records of the day · 巡查记录数")
    clearing: ClearingSummary | None = Field(description="The day's clearing check, if any")
    clearing_missing: bool = Field(description="A day of care with no clearing check · 未清校登记")
