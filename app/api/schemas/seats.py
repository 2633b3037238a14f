"""The seat snapshot's answer."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId


class SeatsOut(ResponseBody):
    term_id: RowId
    seats: dict[int, int] = Field(
        description="Seats left per grabbable course, by course id · 各课程剩余名额",
        examples=[{"7": 12, "8": 0}],
    )
