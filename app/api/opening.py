"""The opening as the school administrator watches it: a page served by the API itself (no CDN,
Chinese first, a laptop or a phone) and the figures it polls. The page follows the seat stream
with a ticket, as any browser must (app/api/seats.py)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.api import API_PREFIX
from app.api.deps import CurrentUser, ResourcesDep, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.opening import OpeningCourseOut, OpeningOut
from app.services.opening import opening_of

router = APIRouter(tags=["enrollments"])
PAGE = Path(__file__).with_name("opening.html")


@cache
def _page() -> tuple[str, str]:
    """The page and its Content-Security-Policy, which allows its own inline script and style
    (by their digests) and requests to this origin only."""
    page = PAGE.read_text(encoding="utf-8")
    digests = {tag: _digest(page, tag) for tag in ("script", "style")}
    policy = (
        f"default-src 'none'; script-src '{digests['script']}'; "
        f"style-src '{digests['style']}'; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return page, policy


def _digest(page: str, tag: str) -> str:
    body = page.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]
    return "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()


@router.get("/admin/opening", include_in_schema=False, response_class=HTMLResponse)
async def opening_page() -> HTMLResponse:
    """The page itself holds nothing of any school: it signs in with the administrator's
    token and asks the API below for everything it shows."""
    page, policy = _page()
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get(
    f"{API_PREFIX}/terms/{{term_id}}/opening",
    operation_id="getOpening",
    summary="The opening, live · 开抢实况",
    description=(
        "What the administrator's opening page shows (`/admin/opening?term_id=`): the round and "
        "the time to the grab, seats left per course as the seat engine counts them, grab "
        "answers so far by outcome, and how far granted seats are from Postgres. Poll it once "
        "a second; per-second rates are the differences.\n\n"
        "开抢实况(供 `/admin/opening?term_id=` 页面轮询):当前阶段与开抢倒计时、各课程剩余名额、"
        "各类抢课结果累计、待写入名额与写入延迟。仅限本校管理员。"
    ),
    responses=problem_responses(401, 403, 404),
)
async def opening_figures(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> OpeningOut:
    opening = await opening_of(session, actor.principal, term_id)
    term = opening.term
    engine = await resources.engine_sync.figures_of(term_id)
    live = engine.seats_left if engine is not None else {}
    return OpeningOut(
        term_id=term.id,
        term_name=term.name,
        now=opening.now,
        phase=opening.phase,
        grab_opens_at=term.grab_opens_at,
        closes_at=term.closes_at,
        round2_opens_at=term.round2_opens_at,
        round2_closes_at=term.round2_closes_at,
        armed=engine is not None,
        courses=[
            OpeningCourseOut(
                course_id=course.id,
                name=course.name,
                capacity=course.capacity,
                min_size=course.min_size,
                seats_left=live.get(course.id, course.capacity - course.seats_taken),
            )
            for course in opening.courses
        ],
        outcomes=await resources.tally.read(term_id),
        stream_length=engine.stream_length if engine is not None else 0,
        persister_lag_s=engine.oldest_entry_age_s if engine is not None else 0.0,
    )
