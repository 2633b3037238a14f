"""The reconciler and the second round, end to end through the API."""

from __future__ import annotations

import asyncio
import uuid
from datetime import time

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.domain.statuses import CourseStatus, EnrollmentStatus
from app.grab.reconciler import reconcile
from app.models import Course, Enrollment, Notice, Term
from app.resources import Resources
from tests.support.grabbing import Family, add_course, add_families, open_and_arm, set_window
from tests.support.world import World, build_world, sign_in_everyone


async def grab(
    client: httpx.AsyncClient, term_id: int, family: Family, course_id: int
) -> httpx.Response:
    return await client.post(
        f"/api/v1/terms/{term_id}/enrollments",
        json={"student_id": family.student_id, "course_id": course_id},
        headers={**family.headers, "Idempotency-Key": uuid.uuid4().hex},
    )


async def statuses(
    resources: Resources, course_id: int
) -> tuple[CourseStatus, int, list[EnrollmentStatus]]:
    async with resources.sessionmaker() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        rows = list(
            await session.scalars(
                select(Enrollment.status).where(
                    Enrollment.course_id == course_id,
                    Enrollment.status != EnrollmentStatus.DISMISSED,  # the world's removed seat
                )
            )
        )
    return course.status, course.seats_taken, rows


async def test_the_whole_round(quiet_app: FastAPI, quiet_client: httpx.AsyncClient) -> None:
    resources: Resources = quiet_app.state.resources
    world: World = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    popular = await add_course(resources, world.term_a, 30, [1], time(16, 0), time(16, 40))
    unpopular = await add_course(resources, world.term_a, 30, [3], time(16, 0), time(16, 40))
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 25)
    await open_and_arm(resources, world.term_a)
    for family in crowd[:16]:
        assert (await grab(quiet_client, world.term_a, family, popular)).status_code == 201
    for family in crowd[16:21]:
        assert (await grab(quiet_client, world.term_a, family, unpopular)).status_code == 201

    early = await quiet_client.post(
        f"/api/v1/terms/{world.term_a}/reconcile", headers=world.auth("admin-a")
    )
    assert (early.status_code, early.json()["slug"]) == (409, "conflict")

    await set_window(resources.sessionmaker, world.term_a, "between")
    report = await quiet_client.post(
        f"/api/v1/terms/{world.term_a}/reconcile", headers=world.auth("admin-a")
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["round"] == 1
    assert body["opened"] == [popular]
    assert body["cancelled"] == sorted([world.course_a, unpopular])
    assert body["students_affected"] == sorted(f.student_id for f in crowd[16:21])
    assert body["drift"] == []
    assert await statuses(resources, unpopular) == (
        CourseStatus.CANCELLED,
        0,
        [EnrollmentStatus.CANCELLED_BY_SCHOOL] * 5,
    )
    assert (await statuses(resources, popular))[:2] == (CourseStatus.CONFIRMED, 16)

    again = await quiet_client.post(
        f"/api/v1/terms/{world.term_a}/reconcile", headers=world.auth("admin-a")
    )
    assert (again.json()["opened"], again.json()["cancelled"]) == ([], [])  # idempotent

    await open_and_arm(resources, world.term_a, "round2")
    moved = crowd[16]
    second_round = await grab(quiet_client, world.term_a, moved, popular)
    assert second_round.status_code == 201, second_round.text
    assert second_round.json()["round"] == 2
    outsider = await grab(quiet_client, world.term_a, crowd[21], popular)
    assert outsider.json()["slug"] == "not-in-round"
    back_to_cancelled = await grab(quiet_client, world.term_a, crowd[17], unpopular)
    assert back_to_cancelled.json()["slug"] == "course-cancelled"
    listing = await quiet_client.get(
        f"/api/v1/students/{moved.student_id}/enrollments", headers=moved.headers
    )
    assert sorted(e["status"] for e in listing.json()["items"]) == [
        "cancelled_by_school",
        "confirmed",
    ]


async def test_two_runs_at_once_are_one_run(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 3)
    await open_and_arm(resources, world.term_a)
    for family in crowd:
        outcome = await resources.grabs.grab(
            world.term_a, family.student_id, world.course_a, family.user_id, "k"
        )
        assert outcome.confirmed
    await set_window(resources.sessionmaker, world.term_a, "between")
    first, second = await asyncio.gather(
        reconcile(resources.sessionmaker, resources.engine, world.term_a),
        reconcile(resources.sessionmaker, resources.engine, world.term_a),
    )
    effective = [r for r in (first, second) if r.cancelled]
    assert len(effective) == 1
    assert effective[0].cancelled == [world.course_a]
    assert len(effective[0].students_affected) == 3
    assert next(r for r in (first, second) if not r.cancelled).students_affected == []
    assert await statuses(resources, world.course_a) == (
        CourseStatus.CANCELLED, 0, [EnrollmentStatus.CANCELLED_BY_SCHOOL] * 3
    )  # fmt: skip
    # The guardians were told once, in the run's transaction: the cancellation now, round two
    # when it opens.
    async with resources.sessionmaker() as session:
        term = await session.get(Term, world.term_a)
        notices = (
            await session.execute(select(Notice.kind, Notice.user_id, Notice.deliver_after))
        ).all()
    assert term is not None
    guardians = sorted(f.user_id for f in crowd)
    assert sorted(u for k, u, _ in notices if k == "course_cancelled") == guardians
    assert sorted(u for k, u, _ in notices if k == "round_two_open") == guardians
    assert {d for k, _, d in notices if k == "round_two_open"} == {term.round2_opens_at}


async def test_drift_in_redis_is_found_and_repaired(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 15)
    await open_and_arm(resources, world.term_a)
    for family in crowd:
        assert (
            await resources.grabs.grab(
                world.term_a, family.student_id, world.course_a, family.user_id, "k"
            )
        ).confirmed
    seats = resources.engine.keys(world.term_a).seats
    await resources.engine.redis.hset(seats, str(world.course_a), 7)  # drift: should be 15
    await set_window(resources.sessionmaker, world.term_a, "between")
    report = await reconcile(resources.sessionmaker, resources.engine, world.term_a)
    assert report.opened == [world.course_a]  # 15 students: exactly the minimum
    assert report.drift == [
        {"course_id": world.course_a, "redis_seats_left": 7, "confirmed": 15, "capacity": 30}
    ]
    assert (await resources.engine.seats_left(world.term_a))[world.course_a] == 15
