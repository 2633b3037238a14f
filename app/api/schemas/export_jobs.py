"""Export jobs: what is asked for, and how far it is."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId
from app.domain.statuses import ExportKind, ExportState


class ExportJobIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "attendance"}, {"kind": "workload", "month": "2026-11"}]
        }
    )

    kind: ExportKind = Field(
        description="attendance (考勤汇总), statements (费用结算单) or workload (教师工作量)"
    )
    month: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="For the workload: one month (`YYYY-MM`) instead of the term",
        examples=["2026-11"],
    )


class ExportJobOut(ResponseBody):
    id: RowId
    kind: ExportKind
    term_id: RowId
    month: str | None
    state: ExportState = Field(
        description="queued (排队中) → running (生成中) → done (可下载); failed (失败), expired "
        "(已过期)"
    )
    sheets_done: int = Field(description="Sheets written so far · 已生成的工作表数", examples=[40])
    sheets_total: int | None = Field(
        description="Sheets in all, once the data is read · 工作表总数", examples=[90]
    )
    filename: str | None = Field(examples=["2026秋-考勤汇总.xlsx"])
    size_bytes: int | None = Field(examples=[1_700_000])
    download_url: str | None = Field(
        description="Once done: where to download the file (same sign-in) · 下载地址",
        examples=["/api/v1/export-jobs/12/file"],
    )
    error: str | None = Field(description="Why it failed (a problem slug)", examples=[None])
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="The file is dropped then · 文件保留至")
