"""The opening page's figures."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId
from app.domain.window import OpeningPhase


class OpeningCourseOut(ResponseBody):
    course_id: RowId
    name: str
    capacity: int
    min_size: int
    seats_left: int = Field(description="As the seat engine counts them while it holds the term")


class OpeningOut(ResponseBody):
    term_id: RowId
    term_name: str
    now: datetime = Field(description="The server's clock, for the countdown · 服务器时间")
    phase: OpeningPhase = Field(
        description="before the grab, round1, between the rounds, round2, closed · 当前阶段"
    )
    grab_opens_at: datetime
    closes_at: datetime
    round2_opens_at: datetime
    round2_closes_at: datetime
    armed: bool = Field(description="The seat engine holds the term · 抢课引擎已就绪")
    courses: list[OpeningCourseOut]
    outcomes: dict[str, int] = Field(
        description="Grab answers so far by outcome: confirmed, pending, or the refusal's slug "
        "(rate-limited is a 429, engine-rebuilding a 503) · 各类抢课结果累计",
        examples=[{"confirmed": 118, "course-full": 420, "rate-limited": 3}],
    )
    stream_length: int = Field(description="Granted seats Postgres may still lack · 待写入名额")
    persister_lag_s: float = Field(
        description="How long the oldest of them has waited, in seconds · 最早待写入名额的等待秒数"
    )
