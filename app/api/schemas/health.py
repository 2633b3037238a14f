"""What the health and readiness probes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CheckState = Literal["ok", "failing"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not-ready"] = Field(examples=["ready"])
    postgres: CheckState
    redis: CheckState
    migrations: Literal["at-head", "behind", "ahead", "unknown"]
    redis_persistence: str = Field(
        examples=["every-write"],
        description=(
            "`every-write` when Redis keeps every write through a crash (`appendonly yes`, "
            "`appendfsync always`): only then may a grab be answered 202 while Postgres is away; "
            "otherwise such a grab is answered 503 `database-unavailable`. Not a readiness "
            "condition. Redis 每条写入均落盘时才会在数据库不可用期间返回 202。"
        ),
    )
