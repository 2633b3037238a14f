"""Bulk import of a school's roster from Excel or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.imports import ImportReportOut, RowErrorOut
from app.domain.roster import MAX_ROWS
from app.services.imports import (
    MAX_FILE_BYTES,
    MAX_REPORTED_ERRORS,
    MAX_UNPACKED_BYTES,
    import_roster,
)

router = APIRouter(prefix=API_PREFIX, tags=["imports"])


@router.post(
    "/schools/{school_id}/imports",
    operation_id="importStudents",
    summary="Import a roster · 批量导入学生名单",
    description=(
        "Upload an .xlsx (first sheet) or .csv (UTF-8 or GBK) with one row per student: "
        "年级, 班级, 学号, 姓名, and optionally 监护人姓名, 监护人电话, 关系, 随迁子女, 单亲, 留守, "
        "困难家庭 (是/否). English headers work too (grade, class_number, student_number, name, …). "
        "With `dry_run=true` (the default) nothing is written and the bad rows are reported "
        f"(the first {MAX_REPORTED_ERRORS}, and `error_count` of them all); "
        "with `dry_run=false` the whole file is imported, or nothing at all (422 "
        "`import-invalid`, listing the errors). A file of more than "
        f"{MAX_ROWS} rows, or an .xlsx that unpacks to more than "
        f"{MAX_UNPACKED_BYTES // 2**20} MB, is refused as a whole (413 `import-too-large`).\n\n"
        "上传 Excel 或 CSV 名单。默认试运行(dry_run=true)只检查并列出错误行"
        f"(前 {MAX_REPORTED_ERRORS} 条,error_count 为总数);"
        "dry_run=false 时全部导入,若有任何错误则一行也不导入。"
        f"超过 {MAX_ROWS} 行的文件整体拒绝(413 import-too-large)。"
    ),
    response_model=ImportReportOut,
    responses=problem_responses(401, 403, 404, 413, 422, "import-too-large"),
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
        valid=report.error_count == 0,
        rows=report.rows,
        classes_created=report.classes_created,
        students_created=report.students_created,
        guardians_created=report.guardians_created,
        bindings_created=report.bindings_created,
        errors=[RowErrorOut.model_validate(e, from_attributes=True) for e in report.errors],
        error_count=report.error_count,
    )
