"""A roster import, the heaviest request a school sends, runs beside the others: a one-worker
server goes on answering while it reads the largest file allowed, and refuses a hostile one
at once, with one problem."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from app.domain.roster import MAX_ROWS
from tests.support.server import ServerProcess
from tests.support.waiting import eventually
from tests.support.workbooks import million_bad_rows, roster
from tests.support.world import World

PROBES = 9
# Far above what /healthz takes beside a file being read on a worker thread (a few ms up to a
# few tens on a busy machine), far below what it took when the file was read on the event loop
# (the whole read, seconds).
HEALTH_BAR_S = 0.1
READING = '"event": "import_file_reading"'
READ = '"event": "import_file_read"'


async def _upload(http: httpx.AsyncClient, world: World, content: bytes) -> httpx.Response:
    return await http.post(
        f"/api/v1/schools/{world.school_a}/imports",
        params={"dry_run": "true"},
        files={"file": ("名单.xlsx", content, "application/octet-stream")},
        headers=world.auth("admin-a"),
    )


async def _health_round_trip(http: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    response = await http.get("/healthz")
    assert response.status_code == 200
    return time.perf_counter() - started


@pytest.mark.timeout(300)
async def test_health_answers_at_once_while_the_largest_import_is_read(
    world: World, server: ServerProcess
) -> None:
    content = roster(MAX_ROWS)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=None) as http:
        await _health_round_trip(http)  # the probes' connection is open before the import

        async def reading_began() -> bool:
            return READING in server.log()

        importing = asyncio.create_task(_upload(http, world, content))
        await eventually(reading_began)
        probes = [await _health_round_trip(http) for _ in range(PROBES)]
        # Had the loop been busy reading, no probe could have been answered before the read
        # ended and was logged.
        answered_while_reading = READ not in server.log()
        imported = await importing
    print(f"/healthz during the import: {', '.join(f'{p * 1000:.1f}' for p in probes)} ms")
    assert imported.status_code == 200, imported.text[:500]
    assert (imported.json()["valid"], imported.json()["rows"]) == (True, MAX_ROWS)
    assert answered_while_reading
    assert statistics.median(probes) < HEALTH_BAR_S


@pytest.mark.timeout(300)
async def test_a_million_row_file_is_refused_with_one_problem(
    world: World, server: ServerProcess
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=None) as http:
        refused = await _upload(http, world, million_bad_rows())
    assert refused.status_code == 413, refused.text[:500]
    problem = refused.json()
    assert (problem["slug"], problem["max_rows"]) == ("import-too-large", MAX_ROWS)
    assert "errors" not in problem
    assert READ not in server.log()  # refused while reading, not after a million rows
