"""The floor the grab is measured against: a FastAPI app with nothing of the product's (no
middleware, no settings, no database), served by uvicorn in a process of its own with the same
flags and workers as the product, so that every product figure can be read as a share of what the
stack itself allows. The grab benchmark starts and stops it.

- POST /bare/api/v1/terms/{term_id}/enrollments: reads the JSON body, answers at once;
- POST /evalsha/api/v1/terms/{term_id}/enrollments: reads the JSON body, runs one EVALSHA of a
  one-line script, answers: the least any Redis-backed grab must do.
- GET /bare/api/v1/terms/{term_id}/courses: answers at once: the floor of the course list every
  family refreshes before the opening; GET /sized/… answers a body of FLOOR_GET_BYTES bytes, the
  size of the product's course list answer, so that what the payload costs is not counted as
  the product's.

Both take the grab's own requests (path, Authorization header, body), only under another prefix.

    FLOOR_REDIS_URL=redis://127.0.0.1:6379/0 uvicorn loadtests.floor_app:create --factory
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from redis.asyncio import BlockingConnectionPool, Redis

PING = "return redis.call('EXISTS', KEYS[1])"


def create() -> FastAPI:
    url = os.environ.get("FLOOR_REDIS_URL", "redis://127.0.0.1:6379/0")
    key = os.environ.get("FLOOR_KEY", "kehou-floor:x")
    held: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The product's pool: bounded and blocking (KEHOU_REDIS_MAX_CONNECTIONS' default), so
        # that 256 connections queue for Redis here as they do there instead of opening 256.
        redis = Redis(connection_pool=BlockingConnectionPool.from_url(url, max_connections=128))
        held["redis"], held["sha"] = redis, await redis.script_load(PING)
        try:
            yield
        finally:
            await redis.aclose()

    # OpenTelemetry's hooks off, as the product has them: the floor is the stack at its cheapest.
    app = FastAPI(
        lifespan=lifespan,
        openapi_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/bare/api/v1/terms/{term_id}/enrollments")
    async def bare(term_id: int, request: Request) -> dict[str, Any]:
        body = await request.json()
        return {"term_id": term_id, "course_id": body.get("course_id"), "ok": True}

    @app.get("/bare/api/v1/terms/{term_id}/courses")
    async def bare_get(term_id: int) -> dict[str, Any]:
        return {"term_id": term_id, "items": [], "ok": True}

    sized = b'"' + b"x" * max(0, int(os.environ.get("FLOOR_GET_BYTES", "2")) - 2) + b'"'

    @app.get("/sized/api/v1/terms/{term_id}/courses")
    async def sized_get(term_id: int) -> Response:
        return Response(sized, media_type="application/json")

    @app.post("/evalsha/api/v1/terms/{term_id}/enrollments")
    async def evalsha(term_id: int, request: Request) -> dict[str, Any]:
        body = await request.json()
        exists = await held["redis"].evalsha(held["sha"], 1, key)
        return {"term_id": term_id, "course_id": body.get("course_id"), "exists": int(exists)}

    return app
