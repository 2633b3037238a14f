"""Faults, each on a throwaway server of its own (never the shared ones): Redis killed and back
empty, the script cache flushed again and again, a persister dying between write and ack."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import select

from app.embedded import RedisServer
from app.grab.audit import AuditReport, audit_term
from app.grab.persister import GROUP, Entries, Persister, sort_entries, write_seats
from app.main import create_app
from app.models import Course, Enrollment
from app.persistence.migrations import upgrade_to_head
from app.resources import Resources
from app.settings import Settings
from tests.support import throwaway_postgres as throwaway
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.servers import redis_binary
from tests.support.throwaway_postgres import ThrowawayPostgres
from tests.support.waiting import eventually
from tests.support.world import World, build_world

SLOTS = [(1, time(16, 0), time(16, 40)), (2, time(16, 0), time(16, 40)), (3, time(16, 0), time(16, 40)),
         (4, time(16, 0), time(16, 40)), (5, time(16, 0), time(16, 40))]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def grab_until_answered(
    client: httpx.AsyncClient,
    term_id: int,
    family: Family,
    course_id: int,
    retry: bool = True,
    seen: Counter[tuple[int, str]] | None = None,
) -> httpx.Response:
    """As a well-behaved mini-app: the same Idempotency-Key on every retry, backing off on 503
    for as long as it is told to (the test's timeout guards against a hang); or, without
    `retry`, one attempt."""
    key = uuid.uuid4().hex
    while True:
        response = await client.post(
            f"/api/v1/terms/{term_id}/enrollments",
            json={"student_id": family.student_id, "course_id": course_id},
            headers={**family.headers, "Idempotency-Key": key},
        )
        if seen is not None:
            seen[(response.status_code, response.json().get("slug", ""))] += 1
        if response.status_code != 503 or not retry:
            return response
        await asyncio.sleep(0.1)


async def crowd_through_a_fault(
    app: FastAPI,
    term_id: int,
    crowd: list[Family],
    course: int,
    fault: Callable[[], Awaitable[None]],
    *,
    after: int,
    concurrency: int,
    seen: Counter[tuple[int, str]] | None = None,
) -> list[tuple[int, int]]:
    """Every family grabs `course` (retrying on 503 like the mini-app); `fault` strikes once
    `after` answers have come back. Returns (student, status) per family."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=None) as client:
        gate = asyncio.Semaphore(concurrency)
        answered = 0
        midway = asyncio.Event()

        async def attempt(family: Family) -> tuple[int, int]:
            nonlocal answered
            async with gate:
                response = await grab_until_answered(client, term_id, family, course, seen=seen)
                answered += 1
                if answered == after:
                    midway.set()
                return family.student_id, response.status_code

        async def strike() -> None:
            await midway.wait()
            await fault()

        striking = asyncio.create_task(strike())
        results = await asyncio.gather(*(attempt(f) for f in crowd))
        await striking
    return results


async def a_crowd_for_one_course(
    resources: Resources, families: int, capacity: int
) -> tuple[World, list[Family], int]:
    """The world, `families` ready families and one course of `capacity` seats, armed and open."""
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, families)
    course = await add_course(resources, world.term_a, capacity, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    return world, crowd, course


async def rows_and_taken(resources: Resources, course_id: int) -> tuple[set[int], int]:
    async with resources.sessionmaker() as session:
        students = set(
            await session.scalars(
                select(Enrollment.student_id).where(Enrollment.course_id == course_id)
            )
        )
        taken = await session.scalar(select(Course.seats_taken).where(Course.id == course_id))
    return students, int(taken or 0)


@pytest.mark.timeout(180)
async def test_flushing_scripts_every_100ms_during_1000_grabs_gives_no_5xx(
    scratch_settings: Settings, clean_tables: None
) -> None:
    app = create_app(scratch_settings)  # SCRIPT FLUSH hits the whole server: a Redis of its own
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world = await build_world(resources.sessionmaker)
        crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 200)
        courses = [
            await add_course(resources, world.term_a, 150, [day], start, end)
            for day, start, end in SLOTS
        ]
        await open_and_arm(resources, world.term_a, max_courses=5)
        stop = asyncio.Event()

        async def flusher() -> int:
            flushes = 0
            while not stop.is_set():
                await resources.engine.redis.script_flush()
                flushes += 1
                await asyncio.sleep(0.1)
            return flushes

        flushing = asyncio.create_task(flusher())
        gate = asyncio.Semaphore(50)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", timeout=None
        ) as client:

            async def one_family(family: Family) -> list[int]:
                """A family's five grabs one after another, as the mini-app sends them."""
                async with gate:
                    return [
                        (
                            await grab_until_answered(client, world.term_a, family, c, retry=False)
                        ).status_code
                        for c in courses
                    ]

            statuses = [s for f in await asyncio.gather(*map(one_family, crowd)) for s in f]
        stop.set()
        flushes = await flushing
        taken_per_course = [await rows_and_taken(resources, course_id) for course_id in courses]
    assert len(statuses) == 1000
    assert flushes >= 3
    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(201) == 5 * 150
    assert [(len(students), taken) for students, taken in taken_per_course] == [(150, 150)] * 5


@pytest.mark.timeout(180)
async def test_connections_dropped_by_redis_during_grabs_give_no_5xx_but_503(
    scratch_settings: Settings, scratch_redis: RedisServer, clean_tables: None
) -> None:
    """Redis drops every client connection again and again (CLIENT KILL, as a failover or a
    proxy timeout would): a grab is tried again on a fresh connection, and one that still
    cannot reach Redis answers 503, never 500; every seat ends with one taker and one row."""
    app = create_app(scratch_settings)
    seen: Counter[tuple[int, str]] = Counter()
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world, crowd, course = await a_crowd_for_one_course(resources, 200, 150)
        killer = Redis.from_url(scratch_redis.url, decode_responses=True)
        kills = 0

        async def drop_connections_repeatedly() -> None:
            nonlocal kills
            for _ in range(20):
                await killer.client_kill_filter(_type="normal", skipme=True)
                kills += 1
                await asyncio.sleep(0.05)

        try:
            results = await crowd_through_a_fault(
                app, world.term_a, crowd, course, drop_connections_repeatedly,
                after=20, concurrency=40, seen=seen,
            )  # fmt: skip
            # Every connection the pool keeps is now closed by the server: the next commands
            # find that out on use, and are sent again on a fresh connection.
            await killer.client_kill_filter(_type="normal", skipme=True)
        finally:
            await killer.aclose()
        students, taken = await rows_and_taken(resources, course)
        report = await audit_term(resources.sessionmaker, resources.engine, world.term_a)
    assert kills == 20
    assert {status for status, _ in seen if status >= 500} <= {503}
    assert {status for _, status in results} <= {201, 409}
    acknowledged = {student for student, status in results if status == 201}
    assert acknowledged == students
    assert len(students) == taken == 150
    assert report.ok, report.lines()


@pytest.mark.timeout(180)
async def test_redis_killed_and_back_empty_loses_no_acknowledged_grab(
    scratch_settings: Settings, scratch_redis: RedisServer, clean_tables: None
) -> None:
    app = create_app(scratch_settings)
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world, crowd, course = await a_crowd_for_one_course(resources, 300, 120)

        async def kill_and_restart_empty() -> None:
            scratch_redis.kill()  # SIGKILL: no save, no goodbye
            await asyncio.sleep(0.3)
            scratch_redis.start()  # back, and empty

        results = await crowd_through_a_fault(
            app, world.term_a, crowd, course, kill_and_restart_empty, after=60, concurrency=40
        )
        acknowledged = {student for student, status in results if status in (201, 202)}
        refused = [status for _, status in results if status not in (201, 202, 409)]
        students, taken = await rows_and_taken(resources, course)
        left = (await resources.engine.seats_left(world.term_a))[course]
    assert refused == []
    assert acknowledged - students == set()  # no acknowledged grab missing
    assert len(students) == taken <= 120  # no oversell
    assert left == 120 - taken  # Redis and Postgres agree after the re-arm
    assert len(acknowledged) == 120  # every seat found a taker: the crowd outnumbers them


async def test_a_persister_dying_between_write_and_ack_writes_each_grab_once(
    quiet_app: FastAPI,
) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 20)
    course = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    for family in crowd:  # granted by the engine, never written by the API (as after a 202)
        _, result = await resources.engine.grab(
            world.term_a, family.student_id, course, family.user_id, "k"
        )
        assert result.code == "ok"
    first = Persister(resources.sessionmaker, resources.engine, consumer="dies")
    grabs = await first.read(world.term_a)
    assert len(grabs) == 20
    half = grabs[:10]
    async with resources.sessionmaker() as session, session.begin():  # writes half, then dies
        await write_seats(session, world.term_a, half, from_stream=True)
    stream = resources.engine.keys(world.term_a).stream
    pending = await resources.engine.redis.xpending(stream, GROUP)
    assert pending["pending"] == 20
    survivor = Persister(resources.sessionmaker, resources.engine, consumer="survives", stale_ms=0)
    assert await survivor.run_once(world.term_a) == 20
    students, taken = await rows_and_taken(resources, course)
    assert len(students) == taken == 20
    assert (await resources.engine.redis.xpending(stream, GROUP))["pending"] == 0
    assert await survivor.run_once(world.term_a) == 0


@pytest.fixture
def throwaway_postgres(folder_outside_pytest: Path) -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres(folder_outside_pytest / "pg", free_port()).init()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def a_redis(tmp_path: Path, *, every_write_kept: bool) -> RedisServer:
    """A Redis of the test's own; with `every_write_kept`, as deploy/compose.yaml runs it."""
    persistence = ["--appendonly", "yes", "--appendfsync", "always"] if every_write_kept else []
    return RedisServer(redis_binary(), tmp_path / "redis", port=free_port(), extra_args=persistence)


async def grabs_through_a_postgres_outage(
    settings: Settings,
    postgres: ThrowawayPostgres,
    redis: RedisServer,
    seen: Counter[tuple[int, str]],
) -> tuple[list[tuple[int, int]], AuditReport, set[int], set[int], int]:
    """200 families grab one course of 150 while Postgres stops and starts again, each retrying
    on 503 (every answer counted in `seen`). Returns each family's last answer, the audit once
    the persister is done, the students acknowledged (201 or 202), the students with a row and
    the course's seats taken."""
    await asyncio.to_thread(upgrade_to_head, postgres.url)
    fast = settings.model_copy(
        update={
            "database_url": postgres.url,
            "redis_url": redis.url,
            "background_poll_s": 0.2,
            "db_pool_timeout_s": 2.0,
        }
    )
    app = create_app(fast)
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world = await build_world(resources.sessionmaker)
        crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 200)
        course = await add_course(resources, world.term_a, 150, [1], time(16, 0), time(16, 40))
        await open_and_arm(resources, world.term_a)

        async def outage() -> None:
            await asyncio.to_thread(postgres.stop_immediately)
            await asyncio.sleep(1.0)
            await asyncio.to_thread(postgres.start)

        results = await crowd_through_a_fault(
            app, world.term_a, crowd, course, outage, after=50, concurrency=20, seen=seen
        )
        acknowledged = {student for student, status in results if status in (201, 202)}

        async def written() -> bool:  # the persister writes what was pending
            return acknowledged <= (await rows_and_taken(resources, course))[0]

        await eventually(written)
        await eventually(lambda: persister_done(resources, world.term_a))
        students, taken = await rows_and_taken(resources, course)
        report = await audit_term(resources.sessionmaker, resources.engine, world.term_a)
    return results, report, acknowledged, students, taken


async def persister_done(resources: Resources, term_id: int) -> bool:
    return int(await resources.redis.xlen(resources.engine.keys(term_id).stream)) == 0


@pytest.mark.skipif(not throwaway.available(), reason="needs runuser to run Postgres under root")
@pytest.mark.timeout(300)
async def test_postgres_stopped_mid_run_every_acknowledged_grab_ends_as_one_row(
    settings: Settings, throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    redis = a_redis(tmp_path, every_write_kept=True).start()
    seen: Counter[tuple[int, str]] = Counter()
    try:
        results, report, acknowledged, students, taken = await grabs_through_a_postgres_outage(
            settings, throwaway_postgres, redis, seen
        )
    finally:
        redis.stop()
    statuses = [status for _, status in results]
    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(202) > 0, "the outage should have produced pending answers"
    assert acknowledged == students  # every 201 and 202 is a row, and no row without an answer
    assert len(students) == taken == len(acknowledged)
    assert report.ok, report.lines()


@pytest.mark.skipif(not throwaway.available(), reason="needs runuser to run Postgres under root")
@pytest.mark.timeout(300)
async def test_without_a_redis_that_keeps_every_write_an_outage_promises_nothing(
    settings: Settings, throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    """Redis with `appendonly no` would lose what it was given in a crash: while Postgres is
    away, a grab is answered 503 `database-unavailable` with its seat given back, never 202."""
    redis = a_redis(tmp_path, every_write_kept=False).start()
    seen: Counter[tuple[int, str]] = Counter()
    try:
        results, report, acknowledged, students, taken = await grabs_through_a_postgres_outage(
            settings, throwaway_postgres, redis, seen
        )
    finally:
        redis.stop()
    assert seen[(202, "")] == 0
    assert seen[(503, "database-unavailable")] > 0, "the outage should have refused some grabs"
    assert {status for status, _ in seen if status >= 500} == {503}
    assert {status for _, status in results} <= {201, 409}  # answered in the end, by retrying
    assert acknowledged == students  # the refused left no row, and took no seat in Redis
    assert len(students) == taken == len(acknowledged)
    assert report.ok, report.lines()


async def test_a_persister_retries_what_it_failed_to_write_at_once(quiet_app: FastAPI) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 5)
    course = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    for family in crowd:
        _, result = await resources.engine.grab(
            world.term_a, family.student_id, course, family.user_id, "k"
        )
        assert result.code == "ok"
    persister = Persister(
        resources.sessionmaker, resources.engine, consumer="unlucky"
    )  # stale_ms: 15 s
    assert (
        len(await persister.read(world.term_a)) == 5
    )  # read, then the write fails (Postgres away)
    assert await persister.run_once(world.term_a) == 5  # retried now, not after 15 s
    students, taken = await rows_and_taken(resources, course)
    assert len(students) == taken == 5
    assert await persister.run_once(world.term_a) == 0


async def test_a_seat_the_api_wrote_leaves_the_stream_with_its_answer(quiet_app: FastAPI) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 12)
    course = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    for family in crowd:
        outcome = await resources.grabs.grab(
            world.term_a, family.student_id, course, family.user_id, uuid.uuid4().hex
        )
        assert outcome.confirmed
    stream = resources.engine.keys(world.term_a).stream

    async def stream_empty() -> bool:  # committed and answered, then taken out of the stream
        return int(await resources.redis.xlen(stream)) == 0

    await eventually(stream_empty)
    persister = Persister(resources.sessionmaker, resources.engine, consumer="tidy")
    assert await persister.run_once(world.term_a) == 0  # nothing written twice
    students, taken = await rows_and_taken(resources, course)
    assert len(students) == taken == 12


async def test_the_apps_persister_leaves_young_grabs_to_the_api_writer(quiet_app: FastAPI) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 5)
    course = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    for family in crowd:  # granted by the engine; the API's writer has not written them yet
        _, result = await resources.engine.grab(
            world.term_a, family.student_id, course, family.user_id, f"k{family.user_id}"
        )
        assert result.code == "ok"
    stream = resources.engine.keys(world.term_a).stream
    patient = Persister(
        resources.sessionmaker, resources.engine, consumer="patient", grace_ms=60_000
    )
    assert await patient.run_once(world.term_a) == 0  # all younger than the grace
    assert (await resources.redis.xpending(stream, GROUP))["pending"] == 5  # kept, not lost
    assert await rows_and_taken(resources, course) == (set(), 0)
    # The API's writer commits two of them and takes them out of the stream.
    entries: Entries = await resources.redis.xrange(stream)  # type: ignore[assignment]
    grabs, _ = sort_entries(resources.engine, entries)
    async with resources.sessionmaker() as session, session.begin():
        await write_seats(session, world.term_a, grabs[:2])
    await resources.engine.forget_written({world.term_a: [g.entry_id for g in grabs[:2]]})
    patient.grace_ms = 50  # the other three outlive a short grace, and are written then

    async def the_rest_written() -> bool:
        return await patient.run_once(world.term_a) == 3

    await eventually(the_rest_written)
    students, taken = await rows_and_taken(resources, course)
    assert len(students) == taken == 5
    assert (await resources.redis.xpending(stream, GROUP))["pending"] == 0
    assert await resources.redis.xlen(stream) == 0
