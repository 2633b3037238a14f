"""The grab (抢课) and enrollments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import JSONResponse

from app.api import API_PREFIX
from app.api.deps import CurrentUser, CurrentUserId, ResourcesDep, SessionDep
from app.api.problems import domain_problem, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.enrollments import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_PATTERN,
    EnrollmentOut,
    GrabAcceptedOut,
    GrabIn,
)
from app.domain.errors import DomainError
from app.domain.grab_errors import IdempotencyKeyMissing
from app.metrics import ServiceMetrics
from app.resources import Resources
from app.services import enrollments

# The slugs of the grab's 409s, each a reason the seat was not given.
GRAB_REFUSALS = (
    "course-full", "already-enrolled", "time-conflict", "window-not-open", "window-closed",
    "not-eligible", "prerequisites-missing", "limit-reached", "not-in-round", "course-cancelled",
    "grab-refused",
)  # fmt: skip
GRAB_CONFIRMED_EXAMPLE = {
    "id": 501, "student_id": 11, "course_id": 7, "status": "confirmed", "round": 1,
    "created_at": "2026-09-01T11:00:00.012000+08:00",
}  # fmt: skip
GRAB_PENDING_EXAMPLE = {**GRAB_CONFIRMED_EXAMPLE, "id": None, "status": "pending"}

router = APIRouter(prefix=API_PREFIX, tags=["enrollments"])

GRAB_DESCRIPTION = """
Grab a seat in an extension course, first come first served (先到先得, 报满为止). One atomic step
decides: the window is open (by the server's clock), the child is ready (bound, agreement,
insurance) and eligible, does not hold the course, has no clashing course, is under the per-student
limit, and a seat is left.

- `201` with `"status": "confirmed"`: the seat is yours and written to the database.
- `202` with `"status": "pending"`: the seat is yours and will be written within seconds; it reads
  as confirmed once written.
- `202` with `"status": "in_draw"`: the term's round one opens by a draw (`opening` is
  `fair_start` or `ranked`, see `GET /terms/{term_id}/draw`); the attempt is entered, the course
  added to the child's choices (`choices`, most wanted first), and seats are given when the draw
  is served at `draw_at` (a fair start's attempts held after `draw_at` follow the drawn ones, as
  they came). The family is told its place and result by a notice.
- `409` with a slug: `course-full`, `already-enrolled`, `time-conflict`, `window-not-open`,
  `window-closed`, `not-eligible`, `prerequisites-missing`, `limit-reached`, `not-in-round`,
  `course-cancelled`. `403 not-your-child`, `429 rate-limited` and `503 engine-rebuilding` carry
  `Retry-After`.

Send an `Idempotency-Key` (any unique string per attempt, e.g. a UUID): repeating a request with the
same key returns the first answer and never takes a second seat. An `in_draw` answer is an entry,
not a seat, and is not kept: sent again after the draw, the attempt is a grab like any other.

抢课:先到先得,报满为止。学校选择"公平开局"或"志愿抽签"时,第一轮的请求进入抽签(`in_draw`),
按公开可验证的抽签顺序录取。请在请求头携带 `Idempotency-Key`,重试时使用同一值,不会重复占位。
"""


@router.post(
    "/terms/{term_id}/enrollments",
    operation_id="grab",
    summary="Grab a seat · 抢课",
    description=GRAB_DESCRIPTION,
    status_code=status.HTTP_201_CREATED,
    response_model=EnrollmentOut,
    responses={
        201: {"content": {"application/json": {"example": GRAB_CONFIRMED_EXAMPLE}}},
        202: {
            "model": GrabAcceptedOut,
            "description": "Accepted, being written, or entered in the draw · 已受理或已进入抽签",
            "content": {"application/json": {"example": GRAB_PENDING_EXAMPLE}},
        },
        **problem_responses(
            401,
            403,
            404,
            429,
            503,
            *GRAB_REFUSALS,
            "idempotency-key-missing",
            "idempotency-key-reused",
            "engine-rebuilding",
        ),
    },
)
async def grab(
    term_id: RowId,
    body: GrabIn,
    request: Request,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=IDEMPOTENCY_KEY_MAX,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Unique per attempt; a retry repeats it · 每次抢课唯一,重试时不变",
        ),
    ] = None,
) -> JSONResponse:
    if idempotency_key is None:
        raise IdempotencyKeyMissing("send an Idempotency-Key header, unique per attempt")
    return await answer_grab(request, resources, term_id, body, user_id, idempotency_key)


async def answer_grab(
    request: Request,
    resources: Resources,
    term_id: RowId,
    body: GrabIn,
    user_id: RowId,
    idempotency_key: str,
) -> JSONResponse:
    """The grab once its request is known good: the route above and the fast entry
    (app/api/grab_entry.py) both answer through here."""
    client_ip = request.client.host if request.client else "unknown"
    metrics: ServiceMetrics = request.app.state.metrics
    try:
        outcome = await resources.grabs.grab(
            term_id, body.student_id, body.course_id, user_id, idempotency_key,
            resources.gate, client_ip,
        )  # fmt: skip
    except DomainError as refusal:
        # Answered here rather than raised through the framework's handlers: most answers at
        # the opening second are refusals, and unwinding the middleware stack costs more than
        # the refusal itself.
        metrics.grab_answered(refusal.slug)
        resources.tally.record(term_id, refusal.slug)
        return domain_problem(refusal, request)
    if outcome.held is not None:
        held_attempt = outcome.held
        metrics.grab_answered("in_draw")
        resources.tally.record(term_id, "in_draw")
        held = GrabAcceptedOut(
            id=None, student_id=outcome.student_id, course_id=outcome.course_id,
            status="in_draw", round=1, created_at=held_attempt.arrived_at,
            opening=held_attempt.opening, draw_at=held_attempt.draw_at,
            choices=held_attempt.choices,
        )  # fmt: skip
        return JSONResponse(held.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    answered = "confirmed" if outcome.confirmed else "pending"
    metrics.grab_answered(answered)
    resources.tally.record(term_id, answered)
    answer = EnrollmentOut(
        id=outcome.enrollment_id,
        student_id=outcome.student_id,
        course_id=outcome.course_id,
        status="confirmed" if outcome.confirmed else "pending",
        round=outcome.round,
        created_at=outcome.grabbed_at,
    )
    code = status.HTTP_201_CREATED if outcome.confirmed else status.HTTP_202_ACCEPTED
    return JSONResponse(answer.model_dump(mode="json"), status_code=code)


@router.get(
    "/students/{student_id}/enrollments",
    operation_id="listStudentEnrollments",
    summary="A student's enrollments · 已报课程",
    description="Confirmed, pending, cancelled and dismissed. 包括已报名、写入中、撤班与劝退。",
    response_model=Page[EnrollmentOut],
    responses=problem_responses(401, 403, 404),
)
async def list_enrollments(
    student_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> Page[EnrollmentOut]:
    rows = await enrollments.of_student(session, actor.principal, resources.engine_sync, student_id)
    items = [EnrollmentOut.model_validate(row, from_attributes=True) for row in rows]
    return Page(items=items, total=len(items), page=1, size=max(len(items), 1))
