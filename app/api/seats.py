"""Seat counts of a term's grabbable courses: a snapshot to poll, and live, as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse

from app.api import API_PREFIX
from app.api.cached_reads import cached_answer, seats_key, tagged_responses
from app.api.deps import CachedReader, CurrentUser, ResourcesDep, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.seats import SeatsOut
from app.services import courses
from app.services.read_cache import term_tag
from app.services.terms import get_term

router = APIRouter(prefix=API_PREFIX, tags=["enrollments"])
# The snapshot a poller gets is at most this old: the stream's own cadence.
SNAPSHOT_TTL_S = 0.25


@router.get(
    "/terms/{term_id}/seats",
    operation_id="getSeats",
    summary="Seat counts now · 当前剩余名额",
    description=(
        "Seats left per grabbable course, for clients that poll instead of following the "
        "stream below: at most a quarter of a second old, with an `ETag`; send it back as "
        "`If-None-Match` and unchanged counts answer `304` with no body.\n\n"
        "各课程当前剩余名额(至多延迟 0.25 秒),供轮询的客户端使用;回传 `ETag` 时,名额未变化返回 "
        "`304`。"
    ),
    response_model=SeatsOut,
    responses=tagged_responses(401, 403, 404),
)
async def seat_snapshot(
    term_id: RowId, request: Request, reader: CachedReader, resources: ResourcesDep
) -> Response:
    await courses.catalogue_access(resources.reads, reader, term_id, None)

    async def render(session: AsyncSession) -> SeatsOut:
        live = await resources.engine_sync.live_seats(term_id)
        return SeatsOut(term_id=term_id, seats=await courses.seats_left(session, term_id, live))

    key = seats_key(term_id)
    tags = (term_tag(term_id),)
    return await cached_answer(request, resources.reads, key, SNAPSHOT_TTL_S, render, tags)


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
