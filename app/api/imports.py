"""Bulk import of a school's roster from Excel or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import Field

from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import ResponseBody, RowId
from app.services.imports import MAX_FILE_BYTES, import_roster

router = APIRouter(tags=["imports"])


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
    errors: list[RowErrorOut]


@router.post(
    "/schools/{school_id}/imports",
    operation_id="importStudents",
    summary="Import a roster · 批量导入学生名单",
    description=(
        "Upload an .xlsx (first sheet) or .csv (UTF-8 or GBK) with one row per student: "
        "年级, 班级, 学号, 姓名, and optionally 监护人姓名, 监护人电话, 关系, 随迁子女, 单亲, 留守, "
        "困难家庭 (是/否). English headers work too (grade, class_number, student_number, name, …). "
        "With `dry_run=true` (the default) nothing is written and every bad row is reported; "
        "with `dry_run=false` the whole file is imported, or nothing at all (422 "
        "`import-invalid`, listing the errors).\n\n"
        "上传 Excel 或 CSV 名单。默认试运行(dry_run=true)只检查并列出所有错误行;"
        "dry_run=false 时全部导入,若有任何错误则一行也不导入。"
    ),
    response_model=ImportReportOut,
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def import_students(
    school_id: RowId,
    file: Annotated[
        UploadFile, File(description=f".xlsx or .csv, at most {MAX_FILE_BYTES // 2**20} MB")
    ],
    session: SessionDep,
    actor: CurrentUser,
    dry_run: Annotated[bool, Query(description="Check only, write nothing · 仅检查")] = True,
) -> ImportReportOut:
    content = await file.read(MAX_FILE_BYTES + 1)
    report = await import_roster(
        session, actor.principal, school_id, file.filename or "", content, dry_run
    )
    return ImportReportOut(
        dry_run=report.dry_run,
        valid=not report.errors,
        rows=report.rows,
        classes_created=report.classes_created,
        students_created=report.students_created,
        guardians_created=report.guardians_created,
        bindings_created=report.bindings_created,
        errors=[RowErrorOut.model_validate(e, from_attributes=True) for e in report.errors],
    )
