"""Administrators' overrides and the waitlist, through the API: reasons required, rules that no
override lifts still hold, every step in the append-only audit log, Redis rebuilt to agree."""

from __future__ import annotations

from datetime import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from app.domain.statuses import EnrollmentStatus
from app.models import AuditEvent, Course, Enrollment, Notice, Term
from app.resources import Resources
from tests.grab.test_reconciler import grab
from tests.support.grabbing import Family, add_course, add_families, open_and_arm, set_window
from tests.support.world import World, build_world, sign_in_everyone

API = "/api/v1"


@pytest.fixture
async def setting(
    quiet_app: FastAPI, quiet_client: httpx.AsyncClient
) -> tuple[Resources, World, list[Family]]:
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 6)
    return resources, world, crowd


async def course_row(resources: Resources, course_id: int) -> Course:
    async with resources.sessionmaker() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        return course


async def audit(resources: Resources) -> list[AuditEvent]:
    async with resources.sessionmaker() as session:
        return list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


async def engine_agrees(resources: Resources, term_id: int, course_id: int) -> bool:
    course = await course_row(resources, course_id)
    left = (await resources.engine.seats_left(term_id))[course_id]
    return left == course.capacity - course.seats_taken


async def test_enrol_outside_the_window_with_a_reason(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    await set_window(resources.sessionmaker, world.term_a, "after")
    body = {"student_id": crowd[0].student_id, "course_id": world.course_a, "reason": "住院补报"}
    url = f"{API}/terms/{world.term_a}/override-enrollments"
    for blank in ("", "   "):
        refused = await quiet_client.post(
            url, json={**body, "reason": blank}, headers=world.auth("admin-a")
        )
        assert refused.status_code == 422
    assert await audit(resources) == []
    made = await quiet_client.post(url, json=body, headers=world.auth("admin-a"))
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "confirmed"
    assert made.json()["round"] == 2  # after the window: counted with round two
    assert (await course_row(resources, world.course_a)).seats_taken == 1
    [event] = await audit(resources)
    assert (event.action, event.reason, event.student_id) == (
        "enrol",
        "住院补报",
        body["student_id"],
    )
    assert event.actor_id == world.users["admin-a"]
    again = await quiet_client.post(url, json=body, headers=world.auth("admin-a"))
    assert (again.status_code, again.json()["slug"]) == (409, "already-enrolled")
    parent = await quiet_client.post(url, json=body, headers=crowd[0].headers)
    assert parent.status_code == 403


async def test_above_capacity_only_when_asked_and_the_engine_follows(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    small = await add_course(resources, world.term_a, 2, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    for family in crowd[:2]:
        assert (await grab(quiet_client, world.term_a, family, small)).status_code == 201
    url = f"{API}/terms/{world.term_a}/override-enrollments"
    body = {"student_id": crowd[2].student_id, "course_id": small, "reason": "优先保障"}
    full = await quiet_client.post(url, json=body, headers=world.auth("admin-a"))
    assert (full.status_code, full.json()["slug"]) == (409, "course-full")
    over = await quiet_client.post(
        url, json={**body, "above_capacity": True}, headers=world.auth("admin-a")
    )
    assert over.status_code == 201, over.text
    course = await course_row(resources, small)
    assert (course.capacity, course.seats_taken) == (3, 3)
    assert await engine_agrees(resources, world.term_a, small)  # re-armed after the commit
    late = await grab(quiet_client, world.term_a, crowd[3], small)
    assert late.json()["slug"] == "course-full"
    [event] = await audit(resources)
    assert event.detail["capacity_before"] == 2
    assert event.detail["capacity_after"] == 3


async def test_an_override_never_lifts_a_time_conflict(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    clash = await add_course(resources, world.term_a, 30, [2], time(16, 20), time(17, 0))
    await open_and_arm(resources, world.term_a)
    assert (await grab(quiet_client, world.term_a, crowd[0], world.course_a)).status_code == 201
    refused = await quiet_client.post(
        f"{API}/terms/{world.term_a}/override-enrollments",
        json={"student_id": crowd[0].student_id, "course_id": clash, "reason": "x"},
        headers=world.auth("admin-a"),
    )
    assert (refused.status_code, refused.json()["slug"]) == (409, "time-conflict")
    assert (await course_row(resources, clash)).seats_taken == 0


async def test_move_and_remove_hand_the_seat_to_the_waitlist(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    full = await add_course(resources, world.term_a, 2, [1], time(16, 0), time(16, 40))
    other = await add_course(resources, world.term_a, 30, [5], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    seats = []
    for family in crowd[:2]:
        answer = await grab(quiet_client, world.term_a, family, full)
        seats.append(answer.json()["id"])
    join = {"course_id": full}
    off = await quiet_client.post(
        f"{API}/terms/{world.term_a}/waitlist",
        json={**join, "student_id": crowd[2].student_id},
        headers=crowd[2].headers,
    )
    assert (off.status_code, off.json()["slug"]) == (422, "rule-violation")  # off by default
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term).where(Term.id == world.term_a).values(waitlist_enabled=True)
        )
    has_seats = await quiet_client.post(
        f"{API}/terms/{world.term_a}/waitlist",
        json={"course_id": other, "student_id": crowd[2].student_id},
        headers=crowd[2].headers,
    )
    assert has_seats.status_code == 409
    for family in crowd[2:4]:
        joined = await quiet_client.post(
            f"{API}/terms/{world.term_a}/waitlist",
            json={**join, "student_id": family.student_id},
            headers=family.headers,
        )
        assert joined.status_code == 201, joined.text
    moved = await quiet_client.post(
        f"{API}/enrollments/{seats[0]}/move",
        json={"to_course_id": other, "reason": "家长申请调课"},
        headers=world.auth("admin-a"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["course_id"] == other
    queue = await quiet_client.get(f"{API}/courses/{full}/waitlist", headers=world.auth("admin-a"))
    assert [e["state"] for e in queue.json()] == ["admitted", "waiting"]
    assert (await course_row(resources, full)).seats_taken == 2
    assert (await course_row(resources, other)).seats_taken == 1

    removed = await quiet_client.post(
        f"{API}/enrollments/{seats[1]}/remove",
        json={"reason": "家长书面申请退出"},
        headers=world.auth("admin-a"),
    )
    assert (removed.status_code, removed.json()["status"]) == (200, "dismissed")
    queue = await quiet_client.get(f"{API}/courses/{full}/waitlist", headers=world.auth("admin-a"))
    assert [e["state"] for e in queue.json()] == ["admitted", "admitted"]
    assert await engine_agrees(resources, world.term_a, full)
    assert await engine_agrees(resources, world.term_a, other)
    async with resources.sessionmaker() as session:
        told = set(
            await session.scalars(select(Notice.user_id).where(Notice.kind == "waitlist_admitted"))
        )
        confirmed = set(
            await session.scalars(
                select(Enrollment.student_id).where(
                    Enrollment.course_id == full, Enrollment.status == EnrollmentStatus.CONFIRMED
                )
            )
        )
    assert told == {crowd[2].user_id, crowd[3].user_id}
    assert confirmed == {crowd[2].student_id, crowd[3].student_id}
    assert [e.action for e in await audit(resources)] == ["move", "remove"]


async def test_the_audit_log_is_append_only(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    await set_window(resources.sessionmaker, world.term_a, "after")
    made = await quiet_client.post(
        f"{API}/terms/{world.term_a}/override-enrollments",
        json={"student_id": crowd[0].student_id, "course_id": world.course_a, "reason": "补录"},
        headers=world.auth("admin-a"),
    )
    assert made.status_code == 201
    for statement in ("UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with resources.sessionmaker() as session, session.begin():
                await session.execute(text(statement))
    listed = await quiet_client.get(
        f"{API}/schools/{world.school_a}/audit-events", headers=world.auth("admin-a")
    )
    assert [e["reason"] for e in listed.json()["items"]] == ["补录"]


async def test_a_reopened_course_takes_round_two_and_the_term_decides_its_fate(
    setting: tuple[Resources, World, list[Family]], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, crowd = setting
    await open_and_arm(resources, world.term_a)
    for family in crowd[:3]:
        assert (await grab(quiet_client, world.term_a, family, world.course_a)).status_code == 201
    await set_window(resources.sessionmaker, world.term_a, "between")
    admin = world.auth("admin-a")
    first = await quiet_client.post(f"{API}/terms/{world.term_a}/reconcile", headers=admin)
    assert first.json()["cancelled"] == [world.course_a]
    reopened = await quiet_client.post(
        f"{API}/courses/{world.course_a}/reopen", json={"reason": "家长联名申请"}, headers=admin
    )
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")
    twice = await quiet_client.post(
        f"{API}/courses/{world.course_a}/reopen", json={"reason": "again"}, headers=admin
    )
    assert twice.status_code == 409
    await open_and_arm(resources, world.term_a, "round2")
    for family in crowd[:2]:
        again = await grab(quiet_client, world.term_a, family, world.course_a)
        assert again.status_code == 201, again.text
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term).where(Term.id == world.term_a).values(under_min_after_round2="open")
        )
    await set_window(resources.sessionmaker, world.term_a, "after")
    last = await quiet_client.post(f"{API}/terms/{world.term_a}/reconcile", headers=admin)
    assert last.json()["round"] == 2
    assert (last.json()["opened"], last.json()["cancelled"]) == ([world.course_a], [])
    assert (await course_row(resources, world.course_a)).status.value == "confirmed"
