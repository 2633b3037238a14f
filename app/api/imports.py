"""Bulk import of a school's roster from Excel or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

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
    TEMPLATE_NAME,
    import_roster,
    roster_template,
)
from app.services.workbook import XLSX_MEDIA_TYPE, content_disposition

router = APIRouter(prefix=API_PREFIX, tags=["imports"])


@router.post(
    "/schools/{school_id}/imports",
    operation_id="importStudents",
    summary="Import a roster · 批量导入学生名单",
    description=(
        "Upload an .xlsx (first sheet) or .csv (UTF-8 or GBK) with one row per student: "
        "班级, 学号, 姓名, the grade (its own 年级 column, or in the class: 三(2)班, 3年级2班), and "
        "optionally 监护人姓名, 监护人电话, 关系, 随迁子女, 单亲, 留守, 困难家庭 (是/否). English "
        "headers work too (grade, class_number, student_number, name, …). The header may sit "
        "below title rows (within the first 10); grades and classes may be written 三年级, 3, "
        "(2)班, 三（2）班, full-width digits included; phones are kept as E.164 (+86…). A file "
        "imported again updates the school, keyed by 学号: the answer counts students new, "
        "updated, unchanged and not in the file (never removed). The template "
        "(`GET …/imports/template.xlsx`) has the columns and an example. "
        "With `dry_run=true` (the default) nothing is written and the bad rows are reported "
        f"(the first {MAX_REPORTED_ERRORS}, and `error_count` of them all); "
        "with `dry_run=false` the whole file is imported, or nothing at all (422 "
        "`import-invalid`, listing the errors). A file of more than "
        f"{MAX_ROWS} rows, or an .xlsx that unpacks to more than "
        f"{MAX_UNPACKED_BYTES // 2**20} MB, is refused as a whole (413 `import-too-large`).\n\n"
        "上传 Excel 或 CSV 名单(可先下载模板)。表头可在标题行之下;年级、班级可写作 三年级、"
        "三（2）班 等;电话统一存为 +86 格式。再次导入即按学号更新:新增、更新、未变化、文件中未列出"
        "(不会删除)分别计数。默认试运行(dry_run=true)只检查并列出错误行"
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
        guardians_added_beside=report.guardians_added_beside,
        added_beside=report.added_beside,
        students_updated=report.students_updated,
        students_unchanged=report.students_unchanged,
        students_not_in_file=report.students_not_in_file,
        new_classes=report.new_classes,
        updated=report.updated,
        not_in_file=report.not_in_file,
        errors=[RowErrorOut.model_validate(e, from_attributes=True) for e in report.errors],
        error_count=report.error_count,
    )


@router.get(
    "/schools/{school_id}/imports/template.xlsx",
    operation_id="getImportTemplate",
    summary="The roster template · 名单导入模板",
    description=(
        "An .xlsx with the import's columns, an example row, and lists to choose from where a "
        "column takes only some values (grade, relation, 是/否).\n\n"
        "名单导入模板:含全部列、示例行,年级、关系、是/否 列可下拉选择。"
    ),
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The template · 模板"},
        **problem_responses(401, 403, 404),
    },
)
async def import_template(school_id: RowId, session: SessionDep, actor: CurrentUser) -> Response:
    content = await roster_template(session, actor.principal, school_id)
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(TEMPLATE_NAME, "roster-template.xlsx")},
    )
