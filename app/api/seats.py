"""Seat counts of a term's grabbable courses: a snapshot to poll, and live, as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse

from app.api import API_PREFIX
from app.api.cached_reads import cached_answer, seats_key, tagged_responses
from app.api.deps import (
    BearerCredentials,
    CachedReader,
    CurrentUser,
    ResourcesDep,
    SessionDep,
    get_current_user,
)
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.seats import SeatsOut, StreamTicketOut
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
    await courses.catalogue_access(resources.reads, resources.engine_sync, reader, term_id, None)

    async def render(session: AsyncSession) -> SeatsOut:
        live = await resources.engine_sync.live_seats(term_id)
        return SeatsOut(term_id=term_id, seats=await courses.seats_left(session, term_id, live))

    key = seats_key(term_id)
    tags = (term_tag(term_id),)
    return await cached_answer(request, resources.reads, key, SNAPSHOT_TTL_S, render, tags)


@router.post(
    "/terms/{term_id}/seats/stream-tickets",
    operation_id="createSeatStreamTicket",
    status_code=status.HTTP_201_CREATED,
    summary="A ticket for the live seat stream · 实时名额推送凭证",
    description=(
        "A browser's `EventSource` and most mini-app SSE clients cannot send an `Authorization` "
        "header. Ask for a ticket with your access token, then open `stream_url` (the stream "
        "with `?ticket=`). The ticket is good for this term's seat stream only, for a few "
        "minutes (`expires_at`); reconnecting after that needs a new one.\n\n"
        "浏览器的 `EventSource` 与多数小程序的 SSE 客户端无法携带 `Authorization` 头:先用访问令牌"
        "领取凭证,再打开 `stream_url`。凭证仅限本学期的名额推送,数分钟内有效,过期后重连需重新领取。"
    ),
    responses=problem_responses(401, 403, 404),
)
async def create_stream_ticket(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> StreamTicketOut:
    await get_term(session, actor.principal, term_id)
    ticket, expires_at = resources.tickets.issue(actor.user.id, term_id)
    return StreamTicketOut(
        term_id=term_id,
        ticket=ticket,
        expires_at=expires_at,
        stream_url=f"{API_PREFIX}/terms/{term_id}/seats/stream?ticket={ticket}",
    )


TicketQuery = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="A ticket from `POST …/seats/stream-tickets`, instead of the "
        "`Authorization` header · 推送凭证(代替 Authorization 头)",
    ),
]


@router.get(
    "/terms/{term_id}/seats/stream",
    operation_id="streamSeats",
    summary="Live seat counts · 实时剩余名额",
    description=(
        "Server-sent events (`text/event-stream`). Each `seats` event's data is "
        '`{"<course_id>": seats_left, ...}` for the term\'s extension courses; it comes at once, '
        "then whenever counts change, at most a few times a second. Send your access token, "
        "or, where no header can be sent (a browser's `EventSource`), a `ticket`.\n\n"
        "以 SSE 推送各课程剩余名额,名额变化时更新(每秒至多数次)。携带访问令牌,或(无法设置请求头时)"
        "携带推送凭证 `ticket`。"
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
    term_id: RowId,
    session: SessionDep,
    resources: ResourcesDep,
    credentials: BearerCredentials,
    ticket: TicketQuery = None,
) -> EventSourceResponse:
    if ticket is not None:
        resources.tickets.check(ticket, term_id)
    else:
        actor = await get_current_user(resources, session, credentials)
        await get_term(session, actor.principal, term_id)

    async def events() -> AsyncIterator[dict[str, str]]:
        async for seats in resources.seats.subscribe(term_id):
            yield {
                "event": "seats",
                "data": json.dumps({str(k): v for k, v in sorted(seats.items())}),
            }

    return EventSourceResponse(events(), ping=15)
