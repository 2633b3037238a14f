"""The opening second over real HTTP: 500 families grab one course of 30 at once, against a
server with two worker processes. Ten rounds, each on a fresh course."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.crc import key_slot
from sqlalchemy import func, select

from app.main import create_app
from app.models import Course, Enrollment
from app.resources import Resources
from app.settings import Settings
from tests.support import redis_cluster
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.redis_cluster import ThrowawayCluster
from tests.support.server import ServerProcess, serving
from tests.support.world import World, build_world

STUDENTS = 500
CAPACITY = 30
ROUNDS = 10
SLOTS = [
    (day, start, end)
    for day in range(1, 6)
    for start, end in ((time(16, 0), time(16, 40)), (time(16, 50), time(17, 30)))
]


@pytest.fixture
def two_workers(server_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    with serving(server_env, tmp_path / "race-server.log", workers=2) as process:
        yield process


async def _grab(
    client: httpx.AsyncClient, term_id: int, family: Family, course_id: int
) -> tuple[int, str]:
    try:
        response = await client.post(
            f"/api/v1/terms/{term_id}/enrollments",
            json={"student_id": family.student_id, "course_id": course_id},
            headers={**family.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
    except httpx.HTTPError as error:  # counted, so that a failure says what happened
        return 0, type(error).__name__
    body = response.json()
    return response.status_code, str(body.get("slug", body.get("status")))


@pytest.mark.timeout(300)
async def test_five_hundred_at_once_exactly_thirty_win(
    app: FastAPI, world: World, two_workers: ServerProcess
) -> None:
    resources: Resources = app.state.resources
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, STUDENTS)
    courses = [
        await add_course(resources, world.term_a, CAPACITY, [day], start, end)
        for day, start, end in SLOTS[:ROUNDS]
    ]
    await open_and_arm(resources, world.term_a, max_courses=ROUNDS + 1)
    limits = httpx.Limits(
        max_connections=250,
        max_keepalive_connections=250,
        # Drop idle connections before uvicorn does (5 s), or a reused one may be reset.
        keepalive_expiry=2.0,
    )
    async with httpx.AsyncClient(
        base_url=two_workers.base_url, limits=limits, timeout=None
    ) as client:
        for course_id in courses:
            answers = Counter(
                await asyncio.gather(*(_grab(client, world.term_a, f, course_id) for f in crowd))
            )
            assert answers == {
                (201, "confirmed"): CAPACITY,
                (409, "course-full"): STUDENTS - CAPACITY,
            }, answers
            async with resources.sessionmaker() as session:
                rows = await session.scalar(
                    select(func.count())
                    .select_from(Enrollment)
                    .where(Enrollment.course_id == course_id)
                )
                taken = await session.scalar(
                    select(Course.seats_taken).where(Course.id == course_id)
                )
            left = (await resources.engine.seats_left(world.term_a))[course_id]
            assert (rows, taken, left) == (CAPACITY, CAPACITY, 0)
    assert "Traceback" not in two_workers.log()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ThrowawayCluster]:
    nodes = ThrowawayCluster(tmp_path / "cluster", redis_cluster.cluster_ports(3)).start()
    try:
        yield nodes
    finally:
        nodes.stop()


@pytest.mark.skipif(
    not redis_cluster.available(), reason="needs the machine's redis-server and redis-cli"
)
@pytest.mark.timeout(300)
async def test_the_same_race_on_a_three_master_redis_cluster(
    settings: Settings, cluster: ThrowawayCluster, clean_tables: None
) -> None:
    app = create_app(settings.model_copy(update={"redis_url": cluster.url}))
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world = await build_world(resources.sessionmaker)
        crowd = await add_families(
            resources, world.school_a, world.class_a301, world.term_a, STUDENTS
        )
        course = await add_course(resources, world.term_a, CAPACITY, [1], time(16, 0), time(16, 40))
        await open_and_arm(resources, world.term_a)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", timeout=None
        ) as client:
            answers = Counter(
                await asyncio.gather(*(_grab(client, world.term_a, f, course) for f in crowd))
            )
        assert answers == {
            (201, "confirmed"): CAPACITY,
            (409, "course-full"): STUDENTS - CAPACITY,
        }, answers
        async with resources.sessionmaker() as session:
            rows = await session.scalar(
                select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course)
            )
        assert rows == CAPACITY
        assert (await resources.engine.seats_left(world.term_a))[course] == 0
        slot_keys = resources.engine.keys(world.term_a).armed_state_keys
        assert len({key_slot(key.encode()) for key in slot_keys}) == 1  # one slot holds the term
