"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api.deps import ResourcesDep
from app.api.schemas.health import CheckState, Liveness, Readiness
from app.resources import Resources

router = APIRouter(tags=["operations"])
log = structlog.get_logger("app.health")


@router.get(
    "/healthz",
    operation_id="getLiveness",
    summary="Liveness · 存活检查",
    description=(
        "Answers 200 while the process runs. It checks nothing else.\n\n"
        "进程存活即返回 200,不检查其他依赖。"
    ),
    response_model=Liveness,
)
async def healthz() -> Liveness:
    return Liveness()


async def _postgres_and_migrations(resources: Resources) -> tuple[CheckState, str]:
    try:
        async with resources.database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return "ok", await resources.migrations()
    except Exception as error:
        log.warning("readiness_postgres_failed", error_type=type(error).__name__)
        return "failing", "unknown"


async def _redis(resources: Resources) -> tuple[CheckState, str]:
    try:
        await resources.redis.ping()
    except Exception as error:
        log.warning("readiness_redis_failed", error_type=type(error).__name__)
        return "failing", "unknown"
    return "ok", (await resources.durability.current()).describe()


async def _within(
    check: Coroutine[Any, Any, tuple[CheckState, str]], deadline_s: float
) -> tuple[CheckState, str]:
    try:
        async with asyncio.timeout(deadline_s):
            return await check
    except TimeoutError:
        return "failing", "unknown"


@router.get(
    "/readyz",
    operation_id="getReadiness",
    summary="Readiness · 就绪检查",
    description=(
        "200 when Postgres and Redis answer and the database schema is at the newest migration "
        "this release knows (`at-head`) or at a newer release's (`ahead`: this one keeps serving "
        "while it is replaced); 503 otherwise, with the failing part named. `redis_persistence` says whether Redis "
        "keeps every write, which a `202 pending` grab needs.\n\n"
        "Postgres、Redis 均可用且数据库迁移为最新时返回 200;"
        "否则返回 503,并指出未就绪的部分。"
    ),
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready · 未就绪"}},
)
async def readyz(resources: ResourcesDep) -> JSONResponse:
    timeout = resources.settings.readiness_timeout_s
    # Each part has its own deadline: a Redis that hangs does not make Postgres read as failing.
    (postgres, migrations), (redis, persistence) = await asyncio.gather(
        _within(_postgres_and_migrations(resources), timeout),
        _within(_redis(resources), timeout),
    )
    ready = postgres == "ok" and redis == "ok" and migrations in ("at-head", "ahead")
    body = Readiness(
        status="ready" if ready else "not-ready",
        postgres=postgres,
        redis=redis,
        migrations=migrations,
        redis_persistence=persistence,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
