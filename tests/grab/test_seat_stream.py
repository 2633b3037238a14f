"""Live seat counts over server-sent events, from a real server process."""

from __future__ import annotations

import json
import uuid
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


async def _counts_fall(
    client: httpx.AsyncClient,
    world: World,
    server: ServerProcess,
    path: str,
    headers: dict[str, str],
) -> None:
    """Follow the stream at `path` on the real server: 30 seats left, a grab, then 29."""
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=None) as watcher,
        watcher.stream("GET", path, headers=headers) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream)
        assert await anext(events) == {str(world.course_a): 30}
        grabbed = await client.post(
            f"/api/v1/terms/{world.term_a}/enrollments",
            json={"student_id": world.student_1, "course_id": world.course_a},
            headers={**world.auth("parent-1"), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert grabbed.status_code == 201, grabbed.text
        assert await anext(events) == {str(world.course_a): 29}


@pytest.mark.timeout(300)
async def test_watchers_see_the_counts_fall(
    app: FastAPI, client: httpx.AsyncClient, world: World, server: ServerProcess
) -> None:
    resources: Resources = app.state.resources
    await open_and_arm(resources, world.term_a)
    path = f"/api/v1/terms/{world.term_a}/seats/stream"
    await _counts_fall(client, world, server, path, world.auth("parent-2"))


async def test_another_schools_admin_may_not_watch(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        f"/api/v1/terms/{world.term_a}/seats/stream", headers=world.auth("admin-b")
    )
    assert response.status_code == 403


@pytest.mark.timeout(300)
async def test_a_browser_follows_the_stream_with_a_ticket_and_no_header(
    app: FastAPI, client: httpx.AsyncClient, world: World, server: ServerProcess
) -> None:
    """As an `EventSource` does: the URL alone, no `Authorization` header."""
    resources: Resources = app.state.resources
    await open_and_arm(resources, world.term_a)
    issued = await client.post(
        f"/api/v1/terms/{world.term_a}/seats/stream-tickets", headers=world.auth("parent-2")
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    assert ticket["stream_url"] == (
        f"/api/v1/terms/{world.term_a}/seats/stream?ticket={ticket['ticket']}"
    )
    await _counts_fall(client, world, server, ticket["stream_url"], {})  # no header


async def test_a_ticket_opens_only_its_own_terms_stream(
    client: httpx.AsyncClient, world: World
) -> None:
    issued = await client.post(
        f"/api/v1/terms/{world.term_a}/seats/stream-tickets", headers=world.auth("admin-a")
    )
    ticket = issued.json()["ticket"]
    other = await client.get(f"/api/v1/terms/{world.term_b}/seats/stream?ticket={ticket}")
    assert (other.status_code, other.json()["slug"]) == (403, "forbidden")
    forged = await client.get(f"/api/v1/terms/{world.term_a}/seats/stream?ticket={ticket}x")
    assert (forged.status_code, forged.json()["slug"]) == (401, "unauthenticated")
    bare = await client.get(f"/api/v1/terms/{world.term_a}/seats/stream")
    assert bare.status_code == 401


async def test_another_schools_admin_gets_no_ticket(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"/api/v1/terms/{world.term_a}/seats/stream-tickets", headers=world.auth("admin-b")
    )
    assert response.status_code == 403
