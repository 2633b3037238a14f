"""The product's app plus the comparison endpoints the grab benchmark measures against. These
routes exist only in this factory, never in the product:

- POST /bench/bare: answers at once, touching nothing (the HTTP stack's ceiling);
- POST /bench/evalsha: one EVALSHA of a one-line script (the floor of any Redis-backed grab);
- POST /bench/naive-grab: the grab a school would otherwise write: one Postgres transaction that
  locks the course row (SELECT … FOR UPDATE), then inserts the enrollment and counts the seat.

    uvicorn loadtests.bench_app:create --factory
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.grab.scripts import LuaScript
from app.main import create_app
from app.resources import Resources

PING = LuaScript("bench_ping", "return redis.call('EXISTS', KEYS[1])")

_LOCK = text("SELECT capacity, seats_taken FROM course WHERE id = :course FOR UPDATE")
_INSERT = text(
    """
    INSERT INTO enrollment (term_id, student_id, course_id, round, grabbed_at)
    SELECT term_id, :student, id, 1, :now FROM course WHERE id = :course
    RETURNING id
    """
)
_COUNT = text("UPDATE course SET seats_taken = seats_taken + 1 WHERE id = :course")


def create() -> FastAPI:
    app = create_app()

    def resources(request: Request) -> Resources:
        found: Resources = request.app.state.resources
        return found

    @app.post("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/bench/evalsha", include_in_schema=False)
    async def evalsha(request: Request) -> dict[str, int]:
        held = resources(request)
        return {"exists": int(await PING.run(held.redis, [f"{held.settings.redis_key_prefix}x"]))}

    @app.post("/bench/naive-grab", include_in_schema=False)
    async def naive_grab(request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        course, student = int(body["course_id"]), int(body["student_id"])
        async with resources(request).sessionmaker() as session, session.begin():
            capacity, taken = (await session.execute(_LOCK, {"course": course})).one()
            if taken >= capacity:
                return JSONResponse({"slug": "course-full"}, status_code=409)
            params = {"course": course, "student": student, "now": datetime.now(UTC)}
            enrollment_id = await session.scalar(_INSERT, params)
            await session.execute(_COUNT, {"course": course})
        return JSONResponse({"id": enrollment_id, "status": "confirmed"}, status_code=201)

    return app
