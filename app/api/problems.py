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
from sqlalchemy import exc as sql_errors
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    "too-many-pending-bindings": 409,
    "export-not-ready": 409,
    "export-gone": 410,
    "too-many-exports": 409,
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
        # The path as `request.url.path` gives it, without building the whole URL: a refusal at
        # the opening second costs less than that.
        body["instance"] = request.scope.get("root_path", "") + request.scope["path"]
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(
        body, status_code=kind.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


# The slugs an answer of each status carries when a route declares just the status.
DEFAULT_SLUGS: dict[int, tuple[str, ...]] = {
    400: ("bad-request",),
    401: ("unauthenticated",),
    403: ("forbidden", "not-your-child"),
    404: ("not-found",),
    409: ("conflict", "stale-version"),
    413: ("payload-too-large",),
    415: ("unsupported-media-type",),
    422: ("validation-error", "rule-violation"),
    429: ("rate-limited",),
    503: ("database-unavailable",),
}
# Statuses whose answers say when to come back, and when, if the error does not say.
RETRY_STATUSES = frozenset({429, 503})
DEFAULT_RETRY_AFTER_S = 1
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again · 建议等待的秒数",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}


_HTTP_BY_SLUG = {kind.slug: kind for kind in HTTP_PROBLEMS.values()}


def _status_of(slug: str) -> int:
    kind = _HTTP_BY_SLUG.get(slug)
    return kind.status if kind else DOMAIN_STATUS[slug]


def problem_responses(*answers: int | str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that declares a route's problem answers in the OpenAPI document.

    A status declares the slugs it usually carries (`DEFAULT_SLUGS`); a slug adds itself under
    its status. Each status is documented as `application/problem+json` with the one `Problem`
    schema, its `slug` narrowed to the slugs declared, and an example."""
    slugs: dict[int, list[str]] = {}
    for answer in answers:
        if isinstance(answer, int):
            for slug in DEFAULT_SLUGS.get(answer, (HTTP_PROBLEMS[answer].slug,)):
                slugs.setdefault(answer, []).append(slug)
        else:
            slugs.setdefault(_status_of(answer), []).append(answer)
    return {status: problem_document(status, names) for status, names in sorted(slugs.items())}


def problem_document(status: int, slugs: list[str]) -> dict[str, Any]:
    """One status's entry: description, the narrowed schema, an example, Retry-After."""
    names = list(dict.fromkeys(slugs))
    kind = HTTP_PROBLEMS.get(status)
    first = _kind_of(names[0])
    example: dict[str, Any] = {
        "type": TYPE_BASE + first.slug,
        "title": f"{first.title_zh} / {first.title_en}",
        "title_zh": first.title_zh,
        "title_en": first.title_en,
        "status": status,
        "detail": first.title_en,
        "slug": first.slug,
        "instance": "/api/v1/…",
    }
    if status == 422 and first.slug == "validation-error":
        example["errors"] = [
            {"loc": "body.student_id", "message": "Field required", "type": "missing"}
        ]
    document: dict[str, Any] = {
        "description": (
            f"{kind.title_zh} / {kind.title_en}" if kind else f"{first.title_zh} / {first.title_en}"
        )
        + " · "
        + ", ".join(f"`{name}`" for name in names),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Problem"}],
                    "properties": {
                        "status": {"type": "integer", "enum": [status]},
                        "slug": {"type": "string", "enum": names},
                    },
                },
                "example": example,
            }
        },
    }
    if status in RETRY_STATUSES:
        document["headers"] = RETRY_AFTER_HEADER
    return document


def _domain_titles() -> dict[str, tuple[str, str]]:
    titles: dict[str, tuple[str, str]] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        error = pending.pop()
        titles.setdefault(error.slug, (error.title_zh, error.title_en))
        pending.extend(error.__subclasses__())
    return titles


def _kind_of(slug: str) -> ProblemKind:
    if slug in _HTTP_BY_SLUG:
        return _HTTP_BY_SLUG[slug]
    if slug == DATABASE_UNAVAILABLE.slug:
        return DATABASE_UNAVAILABLE
    title_zh, title_en = _domain_titles().get(
        slug, ("请求无法完成", "The request cannot be completed")
    )
    return ProblemKind(slug, DOMAIN_STATUS[slug], title_zh, title_en)


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
    if retry_after is None and kind.status in RETRY_STATUSES:
        retry_after = DEFAULT_RETRY_AFTER_S
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


DATABASE_UNAVAILABLE = ProblemKind(
    "database-unavailable", 503, "系统繁忙,请稍后再试", "The database is busy; try again shortly"
)
DATABASE_RETRY_AFTER_S = 1
# SQLSTATE classes of a database that cannot serve now (connection, resources, operator
# intervention, a transaction rolled back to break a deadlock): worth retrying.
_UNAVAILABLE_CLASSES = ("08", "40", "53", "57")


def _sqlstate(error: sql_errors.DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or "")


def _constraint(error: sql_errors.DBAPIError) -> str | None:
    diagnostics = getattr(error.orig, "diag", None)
    name = getattr(diagnostics, "constraint_name", None)
    return str(name) if name else None


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    """The database refused a value or could not serve. Validation should have caught the first
    (this is the net beneath it, so that no input reaches a 500), and the second is the
    database's own 503. Neither the statement, its parameters nor the server's message (which
    may quote a row) goes into the answer or the log."""
    assert isinstance(error, sql_errors.SQLAlchemyError)
    if isinstance(error, sql_errors.TimeoutError):
        log.warning("database_pool_exhausted", path=request.url.path)
        return _database_unavailable(request)
    if isinstance(error, sql_errors.DBAPIError):
        sqlstate = _sqlstate(error)
        fields = {
            "path": request.url.path,
            "error_type": type(error.orig).__name__,
            "sqlstate": sqlstate or None,
            "constraint": _constraint(error),
        }
        if (
            error.connection_invalidated
            or (
                isinstance(error, sql_errors.OperationalError | sql_errors.InterfaceError)
                and not sqlstate
            )
            or sqlstate.startswith(_UNAVAILABLE_CLASSES)
        ):
            log.warning("database_unavailable", **fields)
            return _database_unavailable(request)
        if isinstance(error, sql_errors.DataError) or sqlstate.startswith("22"):
            log.warning("database_refused_value", **fields)
            return problem_response(
                HTTP_PROBLEMS[422], "A value is outside what this field can hold.", request
            )
        if isinstance(error, sql_errors.IntegrityError) or sqlstate.startswith("23"):
            log.warning("database_refused_row", **fields)
            return problem_response(
                HTTP_PROBLEMS[409], "Conflicts with what is already recorded.", request
            )
    return _internal_error(request, error)


def _database_unavailable(request: Request) -> JSONResponse:
    return problem_response(
        DATABASE_UNAVAILABLE,
        "The database could not take this request now; try again shortly.",
        request,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def _internal_error(request: Request | None, error: BaseException) -> JSONResponse:
    log.error(
        "unhandled_error",
        path=request.url.path if request is not None else None,
        error_type=type(error).__name__,
        exc_info=error,
    )
    return problem_response(HTTP_PROBLEMS[500], "An unexpected error occurred.", request)


class UnhandledErrors:
    """Answers any error no handler took with a 500 problem, logged once (the traceback's
    frames and types, never a message: messages quote values). Starlette's own last-resort
    handler would re-raise it to the server, which logs it a second time and drops the
    keep-alive connection the next request was coming on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started:
                raise
            answer = _internal_error(Request(scope), error)
            await answer(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(sql_errors.SQLAlchemyError, _on_database_error)


# The answers most routes share: a read can be refused or find nothing; a write can also clash
# with the stored state or break a rule.
READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
