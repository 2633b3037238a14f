"""The seat snapshot's answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId


class SeatsOut(ResponseBody):
    term_id: RowId
    seats: dict[int, int] = Field(
        description="Seats left per grabbable course, by course id · 各课程剩余名额",
        examples=[{"7": 12, "8": 0}],
    )


class StreamTicketOut(ResponseBody):
    term_id: RowId
    ticket: str = Field(description="Put it in the stream's URL as `?ticket=` · 放入推送地址")
    expires_at: datetime = Field(
        description="The stream opens with it until then; ask for a new one to reconnect after "
        "· 有效期至"
    )
    stream_url: str = Field(
        description="The seat stream's path with the ticket, for `new EventSource(url)` · 推送地址",
        examples=["/api/v1/terms/1/seats/stream?ticket=eyJhbGciOiJIUzI1NiIs..."],
    )
