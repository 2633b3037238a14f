"""The roster import's report."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import ResponseBody
from app.services.imports import (
    MAX_REPORTED_ERRORS,
)


class RowErrorOut(ResponseBody):
    row: int = Field(examples=[17], description="Row number as the spreadsheet shows it")
    column: str = Field(examples=["学号"])
    message_zh: str = Field(examples=["该学号已存在"])
    message_en: str = Field(examples=["a student with this number exists"])


class ImportReportOut(ResponseBody):
    dry_run: bool
    valid: bool = Field(description="No errors: committing this file would import every row")
    rows: int
    classes_created: int
    students_created: int
    guardians_created: int
    bindings_created: int
    errors: list[RowErrorOut] = Field(
        description=f"The first {MAX_REPORTED_ERRORS} problems, by row and column"
    )
    error_count: int = Field(examples=[3], description="Every problem in the file, counted")
