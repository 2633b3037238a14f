"""The seat engine follows Postgres through the API: every change an administrator or a family
makes during an armed, open window reaches the very next grab, and `kehou audit` finds Redis and
Postgres agreeing after each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.grab.audit import audit_term
from app.models import Insurance
from app.resources import Resources
from tests.support.grabbing import (
    Family,
    add_course,
    add_families,
    counts,
    grab,
    open_and_arm,
    set_window,
)
from tests.support.server import ServerProcess
from tests.support.world import World

API = "/api/v1"
TUE, THU = 2, 4


@pytest.fixture
def resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


@pytest.fixture
async def families(resources: Resources, world: World) -> list[Family]:
    added = await add_families(resources, world.school_a, world.class_a301, world.term_a, 6)
    await open_and_arm(resources, world.term_a)
    return added


async def admin(
    client: httpx.AsyncClient, world: World, method: str, path: str, **kwargs: Any
) -> dict[str, Any]:
    response = await client.request(method, f"{API}{path}", headers=world.auth("admin-a"), **kwargs)
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


async def edit_course(
    client: httpx.AsyncClient, world: World, course_id: int, **changes: Any
) -> dict[str, Any]:
    course = await admin(client, world, "GET", f"/courses/{course_id}")
    return await admin(
        client,
        world,
        "PATCH",
        f"/courses/{course_id}",
        json={"version": course["version"], **changes},
    )


async def edit_term(client: httpx.AsyncClient, world: World, **changes: Any) -> dict[str, Any]:
    term = await admin(client, world, "GET", f"/terms/{world.term_a}")
    return await admin(
        client,
        world,
        "PATCH",
        f"/terms/{world.term_a}",
        json={"version": term["version"], **changes},
    )


async def assert_agree(resources: Resources, term_id: int) -> None:
    report = await audit_term(resources.sessionmaker, resources.engine, term_id)
    assert report.armed
    assert report.ok, report.lines()


async def test_raising_a_full_courses_capacity_opens_its_new_seats_at_once(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    course = await add_course(resources, world.term_a, 1, [TUE], time(16, 50), time(17, 30))
    await open_and_arm(resources, world.term_a)
    assert (await grab(client, world.term_a, families[0], course)).status_code == 201
    await edit_course(client, world, course, capacity=5)
    answers = [(await grab(client, world.term_a, f, course)).status_code for f in families[1:]]
    assert answers == [201, 201, 201, 201, 409]
    assert await counts(resources, world.term_a, course) == (5, 5, 0)
    await assert_agree(resources, world.term_a)


async def test_lowering_a_capacity_keeps_seats_left_and_confirmed_within_it(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    for family in families[:3]:
        assert (await grab(client, world.term_a, family, world.course_a)).status_code == 201
    await edit_course(client, world, world.course_a, capacity=4, min_size=2)
    assert await counts(resources, world.term_a, world.course_a) == (3, 3, 1)
    answers = [(await grab(client, world.term_a, f, world.course_a)).json() for f in families[3:]]
    assert [a.get("slug", a.get("status")) for a in answers] == [
        "confirmed", "course-full", "course-full"
    ]  # fmt: skip
    await assert_agree(resources, world.term_a)


async def test_a_course_moved_onto_another_courses_times_clashes_with_it(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    other = await add_course(resources, world.term_a, 10, [THU], time(17, 0), time(17, 30))
    await open_and_arm(resources, world.term_a)
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201
    # Course A meets Tue/Thu 16:00–16:40; the other course moves onto Thursday 16:20–17:00.
    await edit_course(client, world, other, start_time="16:20:00", end_time="17:00:00")
    clash = await grab(client, world.term_a, families[0], other)
    assert (clash.status_code, clash.json()["slug"]) == (409, "time-conflict")
    await edit_course(client, world, other, grades=[4])
    ineligible = await grab(client, world.term_a, families[1], other)  # families are grade 3
    assert ineligible.json()["slug"] == "not-eligible"
    await assert_agree(resources, world.term_a)


async def test_a_course_cannot_move_onto_the_times_of_a_course_its_students_hold(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    other = await add_course(resources, world.term_a, 10, [THU], time(17, 0), time(17, 30))
    await open_and_arm(resources, world.term_a)
    for course in (world.course_a, other):
        assert (await grab(client, world.term_a, families[0], course)).status_code == 201
    before = await admin(client, world, "GET", f"/courses/{other}")
    response = await client.patch(
        f"{API}/courses/{other}", headers=world.auth("admin-a"),
        json={"version": before["version"], "start_time": "16:20:00", "end_time": "17:00:00"},
    )  # fmt: skip
    assert response.status_code == 409, response.text
    assert response.json()["students"] == [families[0].student_id]
    after = await admin(client, world, "GET", f"/courses/{other}")
    assert (after["version"], after["start_time"]) == (before["version"], "17:00:00")
    await assert_agree(resources, world.term_a)


async def test_a_course_added_during_the_window_takes_grabs_at_once(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    course = await admin(
        client, world, "POST", f"/terms/{world.term_a}/courses",
        json={"kind": "extension", "name": "围棋", "grades": [3], "weekdays": [5],
              "start_time": "16:00:00", "end_time": "16:40:00", "capacity": 2, "min_size": 1,
              "fee_per_session_fen": 1500},
    )  # fmt: skip
    answers = [(await grab(client, world.term_a, f, course["id"])).status_code for f in families]
    assert answers == [201, 201, 409, 409, 409, 409]
    await assert_agree(resources, world.term_a)


async def test_the_terms_window_limit_and_timetable_reach_the_engine(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    friday = await add_course(resources, world.term_a, 10, [5], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201
    await edit_term(client, world, max_extension_courses=1)
    limited = await grab(client, world.term_a, families[0], friday)
    assert limited.json()["slug"] == "limit-reached"
    # Grade 3 to stop attending on Fridays while a Friday course is for it: refused, nothing
    # changes. Once the course is for grade 4 only, the timetable may change.
    no_fridays = {"start_time": "15:50:00", "end_time": "17:30:00",
                  "summer_end_time": "18:00:00", "weekdays": [1, 2, 3, 4]}  # fmt: skip
    refused = await client.put(
        f"{API}/terms/{world.term_a}/grade-schedules/3", json=no_fridays,
        headers=world.auth("admin-a"),
    )  # fmt: skip
    assert (refused.status_code, refused.json()["courses"]) == (422, [friday]), refused.text
    await edit_course(client, world, friday, grades=[4])
    await admin(client, world, "PUT", f"/terms/{world.term_a}/grade-schedules/3", json=no_fridays)
    assert (await grab(client, world.term_a, families[1], friday)).json()["slug"] == "not-eligible"
    now = datetime.now(UTC)
    await edit_term(
        client, world,
        grab_opens_at=(now + timedelta(hours=1)).isoformat(),
        opens_at=(now + timedelta(hours=1)).isoformat(),
        closes_at=(now + timedelta(hours=25)).isoformat(),
        round2_opens_at=(now + timedelta(hours=25)).isoformat(),
        round2_closes_at=(now + timedelta(hours=49)).isoformat(),
    )  # fmt: skip
    later = await grab(client, world.term_a, families[2], world.course_a)
    assert later.json()["slug"] == "window-not-open"
    await assert_agree(resources, world.term_a)


async def test_a_grades_new_hours_move_the_courses_that_keep_its_hours(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    """A course with no times of its own runs while all its grades are in care: when grade 4's
    care ends at 17:00 instead of 17:30, such a course for grades 3 and 4 ends at 17:00 too, and
    no longer clashes with a course from 17:00."""
    late = await add_course(resources, world.term_a, 10, [THU], time(17, 0), time(17, 30), [3])
    untimed = await add_course(resources, world.term_a, 10, [THU], None, None, [3, 4])
    await open_and_arm(resources, world.term_a)
    assert (await grab(client, world.term_a, families[0], late)).status_code == 201
    clash = await grab(client, world.term_a, families[0], untimed)
    assert clash.json()["slug"] == "time-conflict"  # 15:50–17:30 against 17:00–17:30
    await admin(
        client, world, "PUT", f"/terms/{world.term_a}/grade-schedules/4",
        json={"start_time": "15:50:00", "end_time": "17:00:00", "summer_end_time": "17:00:00",
              "weekdays": [1, 2, 3, 4, 5]},
    )  # fmt: skip
    assert (await grab(client, world.term_a, families[0], untimed)).status_code == 201
    await assert_agree(resources, world.term_a)


@pytest.mark.timeout(300)
async def test_the_grab_right_after_a_gate_is_recorded_sees_it(
    resources: Resources, world: World, server: ServerProcess
) -> None:
    """Over a real server, whose answer leaves before any work scheduled after it: a family
    records the agreement, the last gate missing, and grabs at once on another connection."""
    unready = await add_families(
        resources, world.school_a, world.class_a301, world.term_a, 8, ready=False
    )
    await open_and_arm(resources, world.term_a)
    async with resources.sessionmaker() as session, session.begin():
        session.add_all(
            Insurance(student_id=f.student_id, insurer="x", policy_number=f"P{f.student_id}",
                      valid_from=date(2020, 1, 1), valid_to=date(2035, 1, 1))
            for f in unready
        )  # fmt: skip
    answers = []
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=None) as gates,
        httpx.AsyncClient(base_url=server.base_url, timeout=None) as grabs,
    ):
        for family in unready:
            signed = await gates.post(
                f"{API}/students/{family.student_id}/agreements",
                json={"term_id": world.term_a, "agreement_version": "v1"},
                headers=family.headers,
            )
            assert signed.status_code == 201, signed.text
            answers.append((await grab(grabs, world.term_a, family, world.course_a)).status_code)
    assert answers == [201] * len(unready)
    await assert_agree(resources, world.term_a)


async def test_overrides_take_and_release_seats_without_rebuilding_the_term(
    client: httpx.AsyncClient,
    resources: Resources,
    world: World,
    families: list[Family],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each override reaches the engine as the seat it took or released: the term is never
    taken out of service (which would answer 503 to every other family meanwhile)."""
    other = await add_course(resources, world.term_a, 2, [5], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    taken_out: list[int] = []
    disarm = resources.engine.disarm

    async def counted(term_id: int) -> bool:
        taken_out.append(term_id)
        return await disarm(term_id)

    monkeypatch.setattr(resources.engine, "disarm", counted)
    assert (await grab(client, world.term_a, families[0], other)).status_code == 201
    assert (await grab(client, world.term_a, families[1], other)).status_code == 201
    enrolled = await admin(
        client, world, "POST", f"/terms/{world.term_a}/override-enrollments",
        json={"student_id": families[2].student_id, "course_id": other, "above_capacity": True,
              "reason": "特殊困难家庭"},
    )  # fmt: skip
    await assert_agree(resources, world.term_a)
    assert (await grab(client, world.term_a, families[3], other)).json()["slug"] == "course-full"
    await admin(
        client, world, "POST", f"/enrollments/{enrolled['id']}/move",
        json={"to_course_id": world.course_a, "reason": "家长申请调课"},
    )  # fmt: skip
    await assert_agree(resources, world.term_a)
    assert (await grab(client, world.term_a, families[2], world.course_a)).json()["slug"] == (
        "already-enrolled"
    )
    assert (await grab(client, world.term_a, families[3], other)).status_code == 201
    await admin(
        client, world, "POST", f"/enrollments/{enrolled['id']}/remove", json={"reason": "退出"}
    )
    await assert_agree(resources, world.term_a)
    assert (await grab(client, world.term_a, families[2], world.course_a)).status_code == 201
    assert taken_out == []


async def test_a_course_reopened_in_round_two_takes_grabs_at_once(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    for family in families[:3]:  # three of course A's fifteen: cancelled when round one closes
        assert (await grab(client, world.term_a, family, world.course_a)).status_code == 201
    await set_window(resources.sessionmaker, world.term_a, "between")
    await admin(client, world, "POST", f"/terms/{world.term_a}/reconcile")
    await open_and_arm(resources, world.term_a, "round2")
    cancelled = await grab(client, world.term_a, families[0], world.course_a)
    assert cancelled.json()["slug"] == "course-cancelled"
    await admin(
        client, world, "POST", f"/courses/{world.course_a}/reopen", json={"reason": "家长联名申请"}
    )
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201
    await assert_agree(resources, world.term_a)


async def test_an_idempotency_key_sent_again_with_another_course_is_refused(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    other = await add_course(resources, world.term_a, 5, [5], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    first = await grab(client, world.term_a, families[0], world.course_a, key="same-key")
    assert first.status_code == 201
    reused = await grab(client, world.term_a, families[0], other, key="same-key")
    assert (reused.status_code, reused.json()["slug"]) == (422, "idempotency-key-reused")
    assert await counts(resources, world.term_a, other) == (0, 0, 5)
    again = await grab(client, world.term_a, families[0], world.course_a, key="same-key")
    assert (again.status_code, again.json()) == (201, first.json())
