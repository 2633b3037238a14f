"""The one place where errors become RFC 9457 `application/problem+json` answers.

Every answer carries a stable `type` slug (front ends switch on it), a Chinese + English `title`,
the status and a `detail`; a 422 adds per-field `errors`. Nothing internal (stack traces, SQL,
class names) is ever written into an answer: unexpected errors are logged and answered as
`internal-error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://kehou.cn/problems/"

log = structlog.get_logger("app.problems")


@dataclass(frozen=True)
class ProblemKind:
    slug: str
    status: int
    title_zh: str
    title_en: str


# Problems raised by the HTTP layer itself rather than by a domain rule.
HTTP_PROBLEMS: dict[int, ProblemKind] = {
    kind.status: kind
    for kind in (
        ProblemKind("bad-request", 400, "请求格式有误", "Bad request"),
        ProblemKind("unauthenticated", 401, "请先登录", "Sign in first"),
        ProblemKind("forbidden", 403, "无权执行此操作", "You may not do this"),
        ProblemKind("not-found", 404, "找不到该对象", "Not found"),
        ProblemKind("method-not-allowed", 405, "不支持该请求方法", "Method not allowed"),
        ProblemKind("not-acceptable", 406, "无法提供所需格式", "Not acceptable"),
        ProblemKind("conflict", 409, "与当前状态冲突", "Conflicts with the current state"),
        ProblemKind("precondition-failed", 412, "前提条件不满足", "Precondition failed"),
        ProblemKind("payload-too-large", 413, "请求内容过大", "Payload too large"),
        ProblemKind("unsupported-media-type", 415, "不支持的内容类型", "Unsupported media type"),
        ProblemKind("validation-error", 422, "提交的数据不正确", "The submitted data is invalid"),
        ProblemKind("rate-limited", 429, "请求过于频繁,请稍后再试", "Too many requests"),
        ProblemKind("internal-error", 500, "服务器内部错误", "Internal server error"),
        ProblemKind("unavailable", 503, "服务暂时不可用", "Service temporarily unavailable"),
    )
}

# Status of each domain error slug. A slug missing here is a programming error and answers 500,
# which the test of this table catches.
DOMAIN_STATUS: dict[str, int] = {
    "domain-error": 400,
    "not-found": 404,
    "forbidden": 403,
    "not-your-child": 403,
    "conflict": 409,
    "stale-version": 409,
    "rule-violation": 422,
    "import-invalid": 422,
    "import-too-large": 413,
    "unauthenticated": 401,
    "identity-unavailable": 503,
    "grab-refused": 409,
    "course-full": 409,
    "already-enrolled": 409,
    "time-conflict": 409,
    "window-not-open": 409,
    "window-closed": 409,
    "not-eligible": 409,
    "prerequisites-missing": 409,
    "limit-reached": 409,
    "not-in-round": 409,
    "course-cancelled": 409,
    "engine-rebuilding": 503,
    "database-unavailable": 503,
    "idempotency-key-missing": 400,
    "idempotency-key-reused": 422,
    "rate-limited": 429,
}


class FieldError(BaseModel):
    loc: str = Field(examples=["body.student_id"])
    message: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[TYPE_BASE + "not-found"])
    title: str = Field(examples=["找不到该对象 / Not found"])
    title_zh: str = Field(examples=["找不到该对象"])
    title_en: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No such course in this term"])
    slug: str = Field(examples=["not-found"])
    instance: str | None = Field(default=None, examples=["/api/v1/terms/1/courses/7"])
    errors: list[FieldError] | None = None


def problem_response(
    kind: ProblemKind,
    detail: str,
    request: Request | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind.slug,
        "title": f"{kind.title_zh} / {kind.title_en}",
        "title_zh": kind.title_zh,
        "title_en": kind.title_en,
        "status": kind.status,
        "detail": detail,
        "slug": kind.slug,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(
        body, status_code=kind.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that declares a route's problem answers in the OpenAPI document."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        kind = HTTP_PROBLEMS.get(status)
        description = f"{kind.title_zh} / {kind.title_en}" if kind else "Problem"
        declared[status] = {
            "model": Problem,
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return declared


def _domain_kind(error: DomainError) -> ProblemKind:
    status = DOMAIN_STATUS.get(error.slug)
    if status is None:
        return HTTP_PROBLEMS[500]
    return ProblemKind(error.slug, status, error.title_zh, error.title_en)


def _field_errors(error: RequestValidationError) -> list[dict[str, str]]:
    return [
        {
            "loc": ".".join(str(part) for part in item.get("loc", ())),
            "message": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in error.errors()
    ]


async def _on_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return domain_problem(error, request)


def domain_problem(error: DomainError, request: Request | None) -> JSONResponse:
    """The answer for a domain error: the one mapping from slugs to statuses and headers. Also
    called directly where raising through the framework would cost the hot path (the grab's
    refusals)."""
    kind = _domain_kind(error)
    if kind.status == 500:
        log.error("unmapped_domain_error", slug=error.slug)
        return problem_response(kind, "An unexpected error occurred.", request)
    retry_after = error.extensions.get("retry_after")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if kind.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(
        kind, error.detail, request, headers=headers or None, **error.extensions
    )


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = _field_errors(error)
    fields = ", ".join(item["loc"] for item in errors[:5])
    return problem_response(HTTP_PROBLEMS[422], f"Invalid fields: {fields}", request, errors=errors)


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    kind = HTTP_PROBLEMS.get(error.status_code) or ProblemKind(
        "http-error", error.status_code, "请求无法完成", "The request cannot be completed"
    )
    detail = error.detail if isinstance(error.detail, str) else kind.title_en
    return problem_response(kind, detail, request, headers=dict(error.headers or {}) or None)


async def _on_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, error_type=type(error).__name__)
    return problem_response(HTTP_PROBLEMS[500], "An unexpected error occurred.", request)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected_error)
