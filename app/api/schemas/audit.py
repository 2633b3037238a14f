"""The audit log's entries."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId, SchoolTime


class AuditEventOut(ResponseBody):
    id: int
    term_id: RowId | None
    actor_id: RowId
    action: str = Field(description="enrol / move / remove / reopen")
    student_id: RowId | None
    course_id: RowId | None
    reason: str
    detail: dict[str, Any]
    created_at: SchoolTime
