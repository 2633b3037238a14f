"""Export jobs: the term-wide exports made in the background, followed, then downloaded."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.export_jobs import ExportJobIn, ExportJobOut
from app.domain.statuses import ExportState
from app.models import ExportJob
from app.services import export_jobs
from app.services.workbook import XLSX_MEDIA_TYPE, content_disposition

router = APIRouter(prefix=API_PREFIX, tags=["exports"])

JOB_LOCATION = "Where to follow the job · 导出任务地址"
ACCEPTED_RESPONSE = {
    "model": ExportJobOut,
    "description": "Too large to make in the request: made by a background job; follow it at "
    "`Location` until `done`, then download `download_url` · 数据量较大,已转为后台导出任务",
    "headers": {"Location": {"description": JOB_LOCATION, "schema": {"type": "string"}}},
}


def job_out(job: ExportJob) -> ExportJobOut:
    done = job.state is ExportState.DONE
    return ExportJobOut(
        id=job.id,
        kind=job.kind,
        term_id=job.term_id,
        month=job.month,
        state=job.state,
        sheets_done=job.sheets_done,
        sheets_total=job.sheets_total,
        filename=job.filename,
        size_bytes=job.size_bytes,
        download_url=f"{API_PREFIX}/export-jobs/{job.id}/file" if done else None,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
    )


def accepted(job: ExportJob) -> JSONResponse:
    """202: the job, and where to follow it."""
    return JSONResponse(
        job_out(job).model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": f"{API_PREFIX}/export-jobs/{job.id}", "Retry-After": "2"},
    )


@router.post(
    "/terms/{term_id}/export-jobs",
    operation_id="createExportJob",
    summary="Export in the background · 后台导出",
    description=(
        "Starts making a term-wide export (`attendance`, `statements`, `workload`) in the "
        "background and answers `202` with the job; follow it at `Location` (`sheets_done` of "
        "`sheets_total`) until `done`, then download `download_url`. Asking again while your "
        "job for the same export waits or runs answers that job; at most 3 of your exports wait "
        "or run at once. The file is kept for a day. School administrators.\n\n"
        "后台生成学期导出文件(考勤汇总、费用结算单、教师工作量),返回 `202` 与任务;通过 "
        "`Location` 查看进度,完成后从 `download_url` 下载,文件保留一天。同一导出进行中重复"
        "提交返回同一任务;每人同时最多 3 个。限学校管理员。"
    ),
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportJobOut,
    responses={
        202: {"headers": ACCEPTED_RESPONSE["headers"]},
        **problem_responses(401, 403, 404, 422, "too-many-exports"),
    },
)
async def create_export_job(
    term_id: RowId, body: ExportJobIn, session: SessionDep, actor: CurrentUser
) -> JSONResponse:
    job = await export_jobs.request_export(session, actor.principal, body.kind, term_id, body.month)
    return accepted(job)


@router.get(
    "/export-jobs/{job_id}",
    operation_id="getExportJob",
    summary="An export job · 导出任务进度",
    description=(
        "How far your export is: `queued`, `running` (`sheets_done` of `sheets_total`), `done` "
        "(with `download_url`), `failed` (with `error`) or `expired`. Only the person who "
        "asked for it sees it.\n\n导出进度:排队中、生成中(已完成的工作表数)、可下载、失败或"
        "已过期。仅发起人可见。"
    ),
    response_model=ExportJobOut,
    responses=problem_responses(401, 404),
)
async def get_export_job(job_id: RowId, session: SessionDep, actor: CurrentUser) -> ExportJobOut:
    return job_out(await export_jobs.get_job(session, actor.principal, job_id))


@router.get(
    "/export-jobs/{job_id}/file",
    operation_id="downloadExportJob",
    summary="Download an export · 下载导出文件",
    description=(
        "The finished workbook (.xlsx), as often as needed until it expires. Before it is "
        "made: 409 `export-not-ready`; expired or failed: 410 `export-gone` (export again).\n\n"
        "下载已生成的文件,过期前可多次下载。尚未生成返回 409,已过期或失败返回 410。"
    ),
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The workbook (.xlsx)"},
        **problem_responses(401, 404, "export-not-ready", "export-gone"),
    },
)
async def download_export_job(job_id: RowId, session: SessionDep, actor: CurrentUser) -> Response:
    job = await export_jobs.job_file(session, actor.principal, job_id)
    return Response(
        job.content,
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(
                job.filename or "export.xlsx", job.fallback_filename or "export.xlsx"
            )
        },
    )
