"""`/metrics`: grabs by outcome, the database pool, and what is read live when scraped (seats left,
the grab stream, notices, Redis's round trip); and, with two workers, the same sums whichever
worker answers the scrape."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncConnection

from app.main import create_app
from app.metrics import LiveFigures, forget_dead_workers
from app.resources import Resources
from app.settings import Settings
from tests.support.grabbing import add_families, grab, open_and_arm
from tests.support.server import serving
from tests.support.waiting import eventually
from tests.support.world import World

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return samples(response.text)


async def test_grabs_by_outcome_and_the_engines_figures(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    resources: Resources = app.state.resources
    await open_and_arm(resources, world.term_a)
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    await open_and_arm(resources, world.term_a)
    assert (await grab(client, world.term_a, family, world.course_a)).status_code == 201
    assert (await grab(client, world.term_a, family, world.course_a)).status_code == 409
    found = await scrape(client)
    assert value(found, "kehou_grabs_total", outcome="confirmed") == 1
    assert value(found, "kehou_grabs_total", outcome="already-enrolled") == 1
    term, course = str(world.term_a), str(world.course_a)
    assert value(found, "kehou_seats_left", term_id=term, course_id=course) == 29

    # The grab's own write took it out of the stream once committed.
    async def forgotten() -> bool:
        now = await scrape(client)
        return value(now, "kehou_grab_stream_length", term_id=term) == 0

    await eventually(forgotten)
    found = await scrape(client)
    assert value(found, "kehou_persister_lag_seconds", term_id=term) == 0
    assert value(found, "kehou_live_figures_ok") == 1
    roundtrip = value(found, "kehou_redis_roundtrip_seconds")
    assert roundtrip is not None
    assert roundtrip > 0
    assert value(found, "http_requests_total", method="POST",
                 handler="/api/v1/terms/{term_id}/enrollments", status="4xx") == 1  # fmt: skip


async def test_a_grab_postgres_lacks_shows_as_persister_lag(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    """A seat granted in the engine and not yet written (as in a database outage) waits in the
    stream: its age is the lag an operator is alerted on."""
    resources: Resources = app.state.resources
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    await open_and_arm(resources, world.term_a)
    _, granted = await resources.engine.grab(
        world.term_a, family.student_id, world.course_a, family.user_id, uuid.uuid4().hex
    )
    assert granted.code == "ok"

    async def lagging() -> bool:
        found = await scrape(client)
        lag = value(found, "kehou_persister_lag_seconds", term_id=str(world.term_a))
        return lag is not None and lag > 0

    await eventually(lagging)
    found = await scrape(client)
    assert value(found, "kehou_grab_stream_length", term_id=str(world.term_a)) == 1


@pytest.fixture
async def small_pool_app(settings: Settings, clean_tables: None) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(
            update={"db_pool_size": 2, "db_max_overflow": 0, "background_tasks": False}
        )
    )
    async with application.router.lifespan_context(application):
        yield application


def pool_figures(app: FastAPI) -> tuple[float | None, float | None]:
    """(in use, waiting) as this worker's metrics say, without a scrape's own checkout."""
    found = samples(app.state.metrics.exposition(LiveFigures()).decode())
    return value(found, "kehou_db_pool_in_use"), value(found, "kehou_db_pool_waiting")


async def test_the_pool_in_use_and_the_checkouts_waiting_for_it(small_pool_app: FastAPI) -> None:
    resources: Resources = small_pool_app.state.resources

    async def checkout() -> AsyncConnection:
        return await resources.database.connect()

    held = [await checkout() for _ in range(2)]
    third = asyncio.create_task(checkout())

    async def one_waits() -> bool:
        return pool_figures(small_pool_app) == (2, 1)

    await eventually(one_waits)
    await held.pop().close()
    held.append(await third)  # it had the connection given back
    assert pool_figures(small_pool_app) == (2, 0)
    for connection in held:
        await connection.close()
    assert pool_figures(small_pool_app) == (0, 0)


@pytest.mark.timeout(300)
async def test_two_workers_answer_every_scrape_with_the_same_sums(
    app: FastAPI, world: World, server_env: dict[str, str], tmp_path: Path
) -> None:
    """Attempts over fresh connections land on both workers (each keeps its own file in the
    folder); every scrape, whichever worker answers it, counts them all."""
    resources: Resources = app.state.resources
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 4)
    await open_and_arm(resources, world.term_a)
    folder = tmp_path / "metrics"
    env = {**server_env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with serving(env, tmp_path / "server.log", workers=2) as server:
        answers: list[int] = []

        async def attempt(n: int) -> int:
            family = families[n % len(families)]
            async with httpx.AsyncClient(base_url=server.base_url, timeout=None) as fresh:
                response = await grab(fresh, world.term_a, family, world.course_a)
                return response.status_code

        # Rounds of attempts over fresh connections until both workers have counted some: the
        # kernel chooses which worker accepts a connection.
        while len(list(folder.glob("counter_*.db"))) < 2:
            answers += await asyncio.gather(*(attempt(n) for n in range(20)))
        attempts = len(answers)
        assert answers.count(201) == len(families)
        for _ in range(8):
            async with httpx.AsyncClient(base_url=server.base_url, timeout=None) as fresh:
                found = await scrape(fresh)
            grabs = {
                dict(labels)["outcome"]: count
                for (name, labels), count in found.items()
                if name == "kehou_grabs_total"
            }
            assert sum(grabs.values()) == attempts, grabs
            assert grabs["confirmed"] == len(families)


def test_a_dead_workers_pool_gauges_leave_the_sums(tmp_path: Path) -> None:
    """A worker killed without stopping leaves its gauge file; the next scrape drops it, and
    keeps every live worker's (and every counter: what was counted stays counted)."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    for name in (f"gauge_livesum_{dead.pid}.db", f"gauge_livesum_{os.getpid()}.db",
                 f"counter_{dead.pid}.db"):  # fmt: skip
        (tmp_path / name).write_bytes(b"")
    forget_dead_workers(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"counter_{dead.pid}.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]
