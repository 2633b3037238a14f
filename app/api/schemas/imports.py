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
    students_created: int = Field(description="New to the school · 新增学生")
    students_updated: int = Field(
        description="In the school already (by 学号), and the file changes them · 更新学生"
    )
    students_unchanged: int = Field(description="In the school already, unchanged · 未变化")
    students_not_in_file: int = Field(
        description="In the school, not in the file: left as they are, never removed · 文件中未列出"
    )
    guardians_created: int
    bindings_created: int
    guardians_added_beside: int = Field(
        description="Students with a guardian already to whom the file gives another (a new "
        "phone number, say): both are kept; remove the old one on the student's page if it is "
        "wrong · 已有监护人的学生新增了监护人(原监护人保留)",
        examples=[1],
    )
    added_beside: list[str] = Field(
        description="The 学号 of the first 100 of them", examples=[["20260301"]]
    )
    new_classes: list[str] = Field(
        description="The classes the file adds (the first 100), as 3年级2班: check them in the dry "
        "run, a class number typed as grade and class (32 for 3(2)) shows here · 将新建的班级",
        examples=[["3年级2班"]],
    )
    updated: list[str] = Field(description="The 学号 of the first 100 students updated")
    not_in_file: list[str] = Field(description="The 学号 of the first 100 students not in the file")
    errors: list[RowErrorOut] = Field(
        description=f"The first {MAX_REPORTED_ERRORS} problems, by row and column"
    )
    error_count: int = Field(examples=[3], description="Every problem in the file, counted")
