"""Live seat counts over server-sent events, from a real server process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.resources import Resources
from tests.support.grabbing import open_and_arm
from tests.support.server import ServerProcess
from tests.support.world import World


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, int]]:
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            yield {k: int(v) for k, v in json.loads(line.removeprefix("data:").strip()).items()}


@pytest.mark.timeout(300)
async def test_watchers_see_the_counts_fall(
    app: FastAPI, client: httpx.AsyncClient, world: World, server: ServerProcess
) -> None:
    resources: Resources = app.state.resources
    await open_and_arm(resources, world.term_a)
    path = f"/api/v1/terms/{world.term_a}/seats/stream"
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=None) as watcher,
        watcher.stream("GET", path, headers=world.auth("parent-2")) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream)
        first = await anext(events)
        assert first == {str(world.course_a): 30}
        grabbed = await client.post(
            f"/api/v1/terms/{world.term_a}/enrollments",
            json={"student_id": world.student_1, "course_id": world.course_a},
            headers={**world.auth("parent-1"), "Idempotency-Key": "watch-1"},
        )
        assert grabbed.status_code == 201, grabbed.text
        assert await anext(events) == {str(world.course_a): 29}


async def test_another_schools_admin_may_not_watch(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        f"/api/v1/terms/{world.term_a}/seats/stream", headers=world.auth("admin-b")
    )
    assert response.status_code == 403
