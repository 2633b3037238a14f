"""Arming: the whole term from Postgres into the engine, swapped in at once, one arming at a time
per term, without losing a seat granted while another arming was under way."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.grab import arming
from app.grab.arming import (
    arm_if_unarmed,
    arm_term,
    armed_courses,
    armed_students,
    armed_window,
    lock_engine_term,
)
from app.grab.audit import audit_term
from app.grab.engine import ArmedStudent
from app.models import Term
from app.resources import Resources
from tests.support.grabbing import add_course, add_families, counts, open_and_arm
from tests.support.waiting import eventually
from tests.support.world import World, build_world

WAITING_FOR_A_TERM_LOCK = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def finish_the_arming_under_way(
    resources: Resources, session: AsyncSession, term_id: int
) -> None:
    """Once another arming waits for the term's lock, which `session` holds, swap the term in
    as the arming that holds the lock does."""

    async def another_waits() -> bool:
        async with resources.sessionmaker() as probe:
            return bool(await probe.scalar(WAITING_FOR_A_TERM_LOCK))

    await eventually(another_waits)
    term = await session.get(Term, term_id)
    assert term is not None
    await resources.engine.arm(
        term_id,
        armed_window(term),
        await armed_courses(session, term),
        await armed_students(session, term),
    )


async def test_an_arming_that_waited_for_another_keeps_the_seats_granted_meanwhile(
    quiet_app: FastAPI,
) -> None:
    """Two armings of one term (an administrator's and a worker's re-arm, say): the later one
    waits for the earlier, while families grab on the term as the earlier one armed it. What the
    later one swaps in must count those seats; an arming that took the term out of service and
    wrote its stream before it waited would read Postgres without them, and hand them out again."""
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    first, second = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    course = await add_course(resources, world.term_a, 10, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    engine = resources.engine
    _, before = await engine.grab(world.term_a, first.student_id, course, first.user_id, "a")
    assert before.code == "ok"  # granted; its write to Postgres is still to come
    async with resources.sessionmaker() as session, session.begin():
        await lock_engine_term(session, world.term_a)  # the earlier arming, under way
        later = asyncio.create_task(arm_term(resources.sessionmaker, engine, world.term_a))
        await finish_the_arming_under_way(resources, session, world.term_a)
        _, meanwhile = await engine.grab(
            world.term_a, second.student_id, course, second.user_id, "b"
        )
        assert meanwhile.code == "ok"
    await later
    assert (await engine.seats_left(world.term_a))[course] == 8
    assert await counts(resources, world.term_a, course) == (2, 2, 8)
    report = await audit_term(resources.sessionmaker, engine, world.term_a)
    assert report.ok, report.lines()


async def test_a_worker_finding_the_term_unarmed_leaves_alone_what_another_armed_meanwhile(
    quiet_app: FastAPI,
) -> None:
    """A worker sees the term out of service while an administrator's arming is under way, and
    asks for a re-arm: once the arming is done, the term is not taken out of service again, and
    a seat granted on it since stays where the engine put it (in its stream, for the writer)."""
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    course = await add_course(resources, world.term_a, 10, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    engine = resources.engine
    async with resources.sessionmaker() as session, session.begin():
        await lock_engine_term(session, world.term_a)  # the administrator's arming, under way
        await engine.disarm(world.term_a)
        rearm = asyncio.create_task(arm_if_unarmed(resources.sessionmaker, engine, world.term_a))
        await finish_the_arming_under_way(resources, session, world.term_a)
        _, granted = await engine.grab(world.term_a, family.student_id, course, family.user_id, "a")
        assert granted.code == "ok"
    assert await rearm is None
    # Not re-armed: the grant is still only in the engine (a re-arm would have written it).
    assert await counts(resources, world.term_a, course) == (0, 0, 9)


async def test_a_seat_given_while_an_arming_reads_the_term_is_counted_once(
    app: FastAPI, client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An administrator's override commits after the arming has read the courses and before it
    reads the students. Read at two moments, the term would be armed with the student holding
    the seat and the course with that seat still free; the override's own sync, finding the seat
    held, would not take it, and the seat would be handed out twice. The arming reads one
    snapshot of Postgres: the override is in it whole or not at all, and its sync does the rest."""
    resources: Resources = app.state.resources
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    course = await add_course(resources, world.term_a, 3, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    read_students = arming.armed_students
    override: asyncio.Task[httpx.Response] | None = None

    async def committed() -> bool:
        rows, taken, _ = await counts(resources, world.term_a, course)
        return (rows, taken) == (1, 1)

    async def override_while_reading(
        session: AsyncSession, term: Term, only: Collection[int] | None = None
    ) -> list[ArmedStudent]:
        nonlocal override
        if override is None:
            override = asyncio.create_task(
                client.post(
                    f"/api/v1/terms/{world.term_a}/override-enrollments",
                    headers=world.auth("admin-a"),
                    json={"student_id": family.student_id, "course_id": course,
                          "above_capacity": False, "reason": "补录"},
                )
            )  # fmt: skip
            await eventually(committed)  # its sync now waits for the arming's lock
        return await read_students(session, term, only)

    monkeypatch.setattr(arming, "armed_students", override_while_reading)
    await arm_term(resources.sessionmaker, resources.engine, world.term_a)
    assert override is not None
    assert (await override).status_code == 201
    assert await counts(resources, world.term_a, course) == (1, 1, 2)
    report = await audit_term(resources.sessionmaker, resources.engine, world.term_a)
    assert report.ok, report.lines()
