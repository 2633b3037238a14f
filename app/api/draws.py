"""How a term's round one opens (先到先得、公平开局、志愿抽签), its verifiable draw, and a
family's entry in it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, ResourcesDep, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.draws import (
    ChoicesIn,
    DrawOut,
    DrawReportOut,
    EntryOut,
    OpeningIn,
    VerificationIn,
    VerificationOut,
)
from app.domain.draw import verify_draw
from app.models import DrawEntry, Term
from app.services import draws
from app.services.common import Reach, term_in_reach

router = APIRouter(prefix=API_PREFIX, tags=["enrollments"])

DRAW_EXAMPLE = {
    "term_id": 3, "opening": "fair_start", "fair_start_s": 10, "choices_max": 3,
    "draw_at": "2026-09-01T11:00:10+08:00", "scope": "term:3:round:1:fair_start",
    "commitment": "9c1e" * 16, "drawn_at": None, "seed": None, "entrants": 412, "order": [],
    "late": [],
}  # fmt: skip
ENTRY_EXAMPLE = {
    "term_id": 3, "student_id": 11, "choices": [7, 9], "first_at": "2026-09-01T11:00:00.420000+08:00",
    "draw_at": "2026-09-01T11:00:10+08:00", "place": 57, "late": False, "given": [7],
}  # fmt: skip


def _draw_out(view: draws.DrawView) -> DrawOut:
    term = view.term
    return DrawOut(
        term_id=term.id,
        opening=term.opening,
        fair_start_s=term.fair_start_s,
        choices_max=term.choices_max,
        draw_at=term.draw_at,
        scope=view.scope,
        commitment=term.draw_commitment,
        drawn_at=term.drawn_at,
        seed=term.draw_seed if term.drawn_at is not None else None,
        entrants=view.entrants,
        order=view.drawn,
        late=view.late,
    )


@router.put(
    "/terms/{term_id}/opening-mode",
    operation_id="setOpeningMode",
    summary="Choose how round one opens · 设置开放方式",
    description=(
        "`fcfs` (the default): first come first served. `fair_start`: grab attempts in the first "
        "`fair_start_s` seconds are held and served in the order of a draw; those held after, "
        "until the draw is served, follow as they came; then first come first served. `ranked`: "
        "families list up to `choices_max` courses during round one, and at its close a draw "
        "orders the families and each in turn gets its highest choice still open. A mode with a "
        "draw publishes its commitment at once (a fresh secret seed each time it is set). "
        "409 once the grab has opened.\n\n"
        "先到先得(默认);公平开局:开抢后前若干秒的请求按抽签顺序处理;志愿抽签:第一轮填报志愿,"
        "结束时抽签依次录取。设置后立即公布种子承诺值,开抢后不可更改。"
    ),
    response_model=DrawOut,
    responses={
        200: {"content": {"application/json": {"example": DRAW_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def set_opening_mode(
    term_id: RowId, body: OpeningIn, session: SessionDep, actor: CurrentUser
) -> DrawOut:
    await draws.set_opening(
        session, actor.principal, term_id, body.opening, body.fair_start_s, body.choices_max,
        datetime.now(UTC),
    )  # fmt: skip
    return _draw_out(await draws.draw_of(session, actor.principal, term_id))


@router.get(
    "/terms/{term_id}/draw",
    operation_id="getDraw",
    summary="The term's draw · 抽签公示",
    description=(
        "How round one opens and, with a draw, its due time and commitment (published before the "
        "grab opens). Once served: the seed and the order, so that anyone can recompute it "
        "(`POST /draw-verifications`, or `kehou verify-draw` with no server at all): the drawn "
        "entrants are `order` (any order of them gives the same draw), `late` follow as they "
        "came.\n\n抽签前公布承诺值;抽签后公布种子与顺序,任何人可复核。"
    ),
    response_model=DrawOut,
    responses={
        200: {"content": {"application/json": {"example": DRAW_EXAMPLE}}},
        **problem_responses(401, 403, 404),
    },
)
async def get_draw(term_id: RowId, session: SessionDep, actor: CurrentUser) -> DrawOut:
    return _draw_out(await draws.draw_of(session, actor.principal, term_id))


@router.post(
    "/terms/{term_id}/draw",
    operation_id="serveDraw",
    summary="Serve the draw now · 立即执行抽签",
    description=(
        "Serve the term's draw once it is due. It runs by itself at its due time; running it "
        "again changes nothing. 409 before it is due; 422 for a term opening first come first "
        "served.\n\n抽签到时自动执行;重复执行无变化。"
    ),
    response_model=DrawReportOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def serve_draw(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> DrawReportOut:
    await term_in_reach(session, actor.principal, term_id, Reach.ADMIN)
    report = await resources.engine_sync.serve_draw(term_id, datetime.now(UTC))
    return DrawReportOut.model_validate(report, from_attributes=True)


def _entry_out(entry: DrawEntry, draw_at: datetime | None) -> EntryOut:
    return EntryOut(
        term_id=entry.term_id, student_id=entry.student_id, choices=list(entry.choices),
        first_at=entry.first_at, draw_at=draw_at, place=entry.place, late=entry.late,
        given=list(entry.given) if entry.given is not None else None,
    )  # fmt: skip


@router.put(
    "/terms/{term_id}/draw/entries/{student_id}",
    operation_id="enterDraw",
    summary="List a child's choices · 填报志愿",
    description=(
        "A guardian lists the courses they want for the child, most wanted first, replacing any "
        "list sent before: during round one of a `ranked` term, or, in a `fair_start` term, until "
        "the draw is served (a grab attempt adds one course to the list). The child must be ready "
        "(bound, agreement, insurance) and each course open to the child's grade. A family "
        "entering first by this list arrives now.\n\n家长按志愿顺序填报课程,可在截止前修改。"
    ),
    response_model=EntryOut,
    responses={
        200: {"content": {"application/json": {"example": ENTRY_EXAMPLE}}},
        **problem_responses(
            401,
            403,
            404,
            409,
            422,
            "window-not-open",
            "window-closed",
            "not-eligible",
            "course-cancelled",
            "prerequisites-missing",
        ),
    },
)
async def enter_draw(
    term_id: RowId, student_id: RowId, body: ChoicesIn, session: SessionDep, actor: CurrentUser
) -> EntryOut:
    entry = await draws.enter_choices(
        session, actor.principal, term_id, student_id, body.course_ids, datetime.now(UTC)
    )
    term = await session.get(Term, term_id)
    assert term is not None
    return _entry_out(entry, term.draw_at)


@router.get(
    "/terms/{term_id}/draw/entries/{student_id}",
    operation_id="getDrawEntry",
    summary="A child's entry in the draw · 我的抽签",
    description=(
        "The child's choices and, once the draw is served, the child's place in its order and the "
        "courses given. For the child's guardians and the staff who follow the child.\n\n"
        "查看志愿与抽签结果(顺位、录取课程)。"
    ),
    response_model=EntryOut,
    responses={
        200: {"content": {"application/json": {"example": ENTRY_EXAMPLE}}},
        **problem_responses(401, 403, 404),
    },
)
async def get_draw_entry(
    term_id: RowId, student_id: RowId, session: SessionDep, actor: CurrentUser
) -> EntryOut:
    entry, term = await draws.entry_of(session, actor.principal, term_id, student_id)
    return _entry_out(entry, term.draw_at)


@router.post(
    "/draw-verifications",
    operation_id="verifyDraw",
    summary="Check a published draw · 复核抽签",
    description=(
        "Recompute a draw from its revealed seed, its scope and its drawn entrants, and compare "
        "with the commitment and the order published. Needs no account: anyone may check, here "
        "or with `kehou verify-draw`.\n\n任何人都可以用公开的种子和名单复核抽签结果。"
    ),
    response_model=VerificationOut,
    responses=problem_responses(422),
)
async def verify(body: VerificationIn) -> VerificationOut:
    # Off the event loop: the grab's answers do not wait behind a check of a long list.
    result = await asyncio.to_thread(
        verify_draw, body.seed, body.commitment, body.scope, body.entrants, body.order
    )
    return VerificationOut(
        ok=result.ok,
        commitment_matches=result.commitment_matches,
        order_matches=result.order_matches,
        first_difference=None if result.first_difference is None else result.first_difference + 1,
    )
