"""Live seat counts of a term's extension courses, as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from app.api.deps import CurrentUser, ResourcesDep, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.services.terms import get_term

router = APIRouter(tags=["enrollments"])


@router.get(
    "/terms/{term_id}/seats/stream",
    operation_id="streamSeats",
    summary="Live seat counts · 实时剩余名额",
    description=(
        "Server-sent events (`text/event-stream`). Each `seats` event's data is "
        '`{"<course_id>": seats_left, ...}` for the term\'s extension courses; it comes at once, '
        "then whenever counts change, at most a few times a second.\n\n"
        "以 SSE 推送各课程剩余名额,名额变化时更新(每秒至多数次)。"
    ),
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {"example": 'event: seats\ndata: {"7": 12, "8": 0}\n\n'}
            }
        },
        **problem_responses(401, 403, 404),
    },
)
async def seat_stream(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> EventSourceResponse:
    await get_term(session, actor.principal, term_id)

    async def events() -> AsyncIterator[dict[str, str]]:
        async for seats in resources.seats.subscribe(term_id):
            yield {
                "event": "seats",
                "data": json.dumps({str(k): v for k, v in sorted(seats.items())}),
            }

    return EventSourceResponse(events(), ping=15)
