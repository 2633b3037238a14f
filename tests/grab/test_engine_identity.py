"""A Redis shared with another database: a term armed from that database, under the same key
prefix and term id, is never trusted, and what its grabs left in the stream is never written
here. Also: a persister whose consumer group Redis lost makes it again by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.grab.persister import GROUP, Persister
from app.main import create_app
from app.models import Enrollment
from app.persistence.migrations import upgrade_to_head
from app.resources import Resources
from app.settings import Settings
from tests.support.grabbing import (
    add_course,
    add_families,
    counts,
    grab,
    open_and_arm,
    set_window,
)
from tests.support.servers import ServerUrls, create_database, drop_database
from tests.support.waiting import eventually
from tests.support.world import World, build_world


@pytest.fixture
async def other_database_app(settings: Settings, servers: ServerUrls) -> AsyncIterator[FastAPI]:
    """The app on a second, fresh database, beside the same Redis and key prefix."""
    url = create_database(servers.server_database_url, prefix="kehou_test_other")
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        app = create_app(
            settings.model_copy(update={"database_url": url, "background_tasks": False})
        )
        async with app.router.lifespan_context(app):
            yield app
    finally:
        drop_database(url)


async def enrollments(resources: Resources) -> int:
    async with resources.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Enrollment)) or 0)


async def test_a_term_armed_from_another_database_is_not_trusted(
    app: FastAPI, world: World, other_database_app: FastAPI
) -> None:
    first: Resources = app.state.resources
    second: Resources = other_database_app.state.resources
    assert first.engine.database_id != second.engine.database_id
    families = await add_families(first, world.school_a, world.class_a301, world.term_a, 3)
    await open_and_arm(first, world.term_a)
    for family in families:  # the first database's seats, in Redis and in its stream
        _, taken = await first.engine.grab(
            world.term_a, family.student_id, world.course_a, family.user_id, f"k{family.user_id}"
        )
        assert taken.code == "ok"
    # The second database has a term and a course of the same ids, and nobody enrolled.
    other_world = await build_world(second.sessionmaker)
    assert (other_world.term_a, other_world.course_a) == (world.term_a, world.course_a)
    assert not await second.engine.is_armed(world.term_a)
    before = await enrollments(second)
    await open_and_arm(second, world.term_a)
    assert await enrollments(second) == before  # the other database's stream is not written here
    assert (await second.engine.seats_left(world.term_a))[world.course_a] == 30
    assert not await first.engine.is_armed(world.term_a)  # and the first learns it is not armed


async def test_a_grab_on_a_foreign_armed_term_rebuilds_it_from_this_database(
    app: FastAPI, world: World, other_database_app: FastAPI
) -> None:
    first: Resources = app.state.resources
    second: Resources = other_database_app.state.resources
    # Both databases hold the same ids: the same world, then one family each.
    theirs = await add_families(first, world.school_a, world.class_a301, world.term_a, 1)
    other_world = await build_world(second.sessionmaker)
    (family,) = await add_families(
        second, other_world.school_a, other_world.class_a301, other_world.term_a, 1
    )
    assert (family.student_id, family.user_id) == (theirs[0].student_id, theirs[0].user_id)
    await open_and_arm(first, world.term_a)
    seats = first.engine.keys(world.term_a).seats
    await first.redis.hset(seats, str(world.course_a), 0)  # the first database sold out
    await set_window(second.sessionmaker, other_world.term_a)
    transport = httpx.ASGITransport(app=other_database_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        refused = await grab(client, other_world.term_a, family, other_world.course_a)
        assert (refused.status_code, refused.json()["slug"]) == (503, "engine-rebuilding")
        await eventually(lambda: second.engine.is_armed(other_world.term_a))
        granted = await grab(client, other_world.term_a, family, other_world.course_a)
    assert granted.status_code == 201, granted.text
    assert await counts(second, other_world.term_a, other_world.course_a) == (1, 1, 29)


async def test_a_persister_makes_its_group_again_when_redis_lost_it(quiet_app: FastAPI) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 4)
    course = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    persister = Persister(resources.sessionmaker, resources.engine, consumer="remembers")
    assert await persister.run_once(world.term_a) == 0  # it has made the group, and knows it
    stream = resources.engine.keys(world.term_a).stream
    await resources.redis.xgroup_destroy(stream, GROUP)  # Redis came back without the group
    for family in crowd:  # seats granted while Postgres could not take them (answered 202)
        _, result = await resources.engine.grab(
            world.term_a, family.student_id, course, family.user_id, f"k{family.user_id}"
        )
        assert result.code == "ok"
    assert await persister.run_once(world.term_a) == 4
    assert await counts(resources, world.term_a, course) == (4, 4, 26)
