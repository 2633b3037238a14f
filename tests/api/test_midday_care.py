"""Midday care (午托, 篇九: 11:00–13:30 on school days) beside after-school care: the term's
midday window, courses and basic care of either period, the grab's clash check, sessions, roll
calls, workload and the sign-in sheet, each knowing which period it is."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select, update

from app.domain.statuses import ApplicationState, CourseStatus
from app.models import CareApplication, CareGroupMember, Course
from app.resources import Resources
from app.services.common import school_today
from tests.support.grabbing import add_families, counts, grab, open_and_arm, set_window
from tests.support.term import Api, RunningTerm, take_roll_call
from tests.support.workbooks import sheet_tables
from tests.support.world import World, build_world, sign_in_everyone

MIDDAY = {"start_time": "11:00", "end_time": "13:30"}


def midday_course(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "basic", "name": "午托", "period": "midday", "grades": [1, 2, 3],
        "weekdays": [1, 2, 3, 4, 5], **overrides,
    }  # fmt: skip


@pytest.fixture
async def ready(
    quiet_app: FastAPI, quiet_client: httpx.AsyncClient
) -> tuple[Resources, World, Api]:
    """The world, its registration window moved around the real clock by the tests that grab."""
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    return resources, world, Api(quiet_client, world)


async def test_midday_courses_wait_for_the_term_s_midday_window_and_keep_within_it(
    ready: tuple[Resources, World, Api],
) -> None:
    _, world, api = ready
    term = f"/terms/{world.term_a}"
    # As before: an after-school course at midday contradicts the grades' care hours.
    refused = await api.call(
        "POST", f"{term}/courses", "admin-a", 422,
        json=midday_course(period="after_school", start_time="11:00", end_time="13:30"),
    )  # fmt: skip
    assert refused["type"].endswith("/rule-violation")
    not_offered = await api.call("POST", f"{term}/courses", "admin-a", 422, json=midday_course())
    assert "no midday care" in not_offered["detail"]
    assert (await api.call("GET", term, "admin-a"))["midday_window"] is None
    # Stopping what is not offered is no change.
    assert (await api.call("DELETE", f"{term}/midday-window", "admin-a"))["midday_window"] is None

    detail = await api.call("PUT", f"{term}/midday-window", "admin-a", json=MIDDAY)
    assert detail["midday_window"] == {
        "start_time": "11:00:00", "end_time": "13:30:00", "summer_end_time": "13:30:00"
    }  # fmt: skip
    basic = await api.call("POST", f"{term}/courses", "admin-a", 201, json=midday_course())
    assert (basic["period"], basic["start_time"], basic["end_time"]) == (
        "midday", "11:00:00", "13:30:00"
    )  # fmt: skip
    # Grade 1 attends after-school care on Mon/Wed/Fri only, midday care every school day.
    tuesday = await api.call(
        "POST", f"{term}/courses", "admin-a", 201,
        json=midday_course(kind="extension", name="午间阅读", grades=[1], weekdays=[2],
                           start_time="12:00", end_time="12:40", capacity=20),
    )  # fmt: skip
    assert tuesday["period"] == "midday"
    await api.call(
        "POST", f"{term}/courses", "admin-a", 422,
        json=midday_course(start_time="10:30", end_time="12:00"),
    )  # fmt: skip
    # The window cannot be narrowed past a course's own times, nor taken away while courses
    # stand; a course without times of its own follows the window.
    narrowed = await api.call(
        "PUT", f"{term}/midday-window", "admin-a", 422,
        json={"start_time": "12:10", "end_time": "13:30"},
    )  # fmt: skip
    assert narrowed["courses"] == [tuesday["id"]]
    gone = await api.call("DELETE", f"{term}/midday-window", "admin-a", 422)
    assert sorted(gone["courses"]) == sorted([basic["id"], tuesday["id"]])
    await api.call(
        "PUT", f"{term}/midday-window", "admin-a", 422,
        json={"start_time": "13:30", "end_time": "11:00"},
    )  # fmt: skip
    assert (await api.call("GET", term, "admin-a"))["midday_window"]["start_time"] == "11:00:00"
    await api.call("PUT", f"{term}/midday-window", "teacher-a301", 403, json=MIDDAY)
    # Midday care ends before after-school care starts (grades 1–2 at 15:05), summer included;
    # and a grade's care cannot start while midday care still runs.
    late = await api.call(
        "PUT", f"{term}/midday-window", "admin-a", 422,
        json={**MIDDAY, "summer_end_time": "15:30"},
    )  # fmt: skip
    assert "must end by 15:05" in late["detail"]
    early = await api.call(
        "PUT", f"{term}/grade-schedules/3", "admin-a", 422,
        json={"start_time": "13:00", "end_time": "17:30", "summer_end_time": "18:00",
              "weekdays": [1, 2, 3, 4, 5]},
    )  # fmt: skip
    assert "must end by 13:00" in early["detail"]


async def test_a_cancelled_midday_course_keeps_the_term_offering_midday_care(
    ready: tuple[Resources, World, Api],
) -> None:
    """The engine and the catalogue still place a cancelled course in the week."""
    resources, world, api = ready
    term = f"/terms/{world.term_a}"
    await api.call("PUT", f"{term}/midday-window", "admin-a", json=MIDDAY)
    course = await api.call(
        "POST", f"{term}/courses", "admin-a", 201,
        json=midday_course(kind="extension", grades=[3], start_time="12:00", end_time="12:40",
                           capacity=20),
    )  # fmt: skip
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Course).where(Course.id == course["id"]).values(status=CourseStatus.CANCELLED)
        )
    gone = await api.call("DELETE", f"{term}/midday-window", "admin-a", 422)
    assert gone["courses"] == [course["id"]]
    moved = await api.call(
        "PUT", f"{term}/midday-window", "admin-a", 422,
        json={"start_time": "12:30", "end_time": "13:30"},
    )  # fmt: skip
    assert moved["courses"] == [course["id"]]
    listed = await api.call("GET", f"{term}/courses", "admin-a")
    assert course["id"] in {c["id"] for c in listed["items"]}


async def test_a_child_grabs_a_midday_and_an_after_school_course_and_midday_ones_clash(
    ready: tuple[Resources, World, Api], quiet_client: httpx.AsyncClient
) -> None:
    resources, world, api = ready
    term = f"/terms/{world.term_a}"
    await api.call("PUT", f"{term}/midday-window", "admin-a", json=MIDDAY)
    await set_window(resources.sessionmaker, world.term_a)
    extension = {"kind": "extension", "grades": [3], "weekdays": [2, 4], "capacity": 2}
    ids = [
        (await api.call("POST", f"{term}/courses", "admin-a", 201, json=body))["id"]
        for body in (
            {**extension, "name": "午间书法", "period": "midday",
             "start_time": "12:00", "end_time": "12:40"},
            {**extension, "name": "午间围棋", "period": "midday",
             "start_time": "12:20", "end_time": "13:00"},
            {**extension, "name": "课后篮球", "start_time": "16:00", "end_time": "16:40"},
        )
    ]  # fmt: skip
    calligraphy, go, basketball = ids
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 3)
    await open_and_arm(resources, world.term_a)
    first, second, third = families
    first_grab = await grab(quiet_client, world.term_a, first, calligraphy)
    assert first_grab.status_code == 201, first_grab.text
    held = await grab(quiet_client, world.term_a, first, basketball)
    assert held.status_code == 201, held.text
    clash = await grab(quiet_client, world.term_a, first, go)
    assert clash.status_code == 409
    assert clash.json()["type"].endswith("/time-conflict")
    listed = await api.call(
        "GET", f"{term}/courses", first, params={"student_id": first.student_id, "size": 50}
    )
    by_id = {course["id"]: course for course in listed["items"]}
    assert by_id[go]["clashes_with"] == [calligraphy]
    assert by_id[basketball]["held"]
    assert by_id[basketball]["clashes_with"] == []
    assert (await grab(quiet_client, world.term_a, second, calligraphy)).status_code == 201
    full = await grab(quiet_client, world.term_a, third, calligraphy)
    assert full.status_code == 409
    for course_id, taken in ((calligraphy, 2), (basketball, 1), (go, 0)):
        assert await counts(resources, world.term_a, course_id) == (taken, taken, 2 - taken)


async def test_midday_care_is_applied_for_apart_from_after_school_care(
    ready: tuple[Resources, World, Api],
) -> None:
    resources, world, api = ready
    term = f"/terms/{world.term_a}"
    await set_window(resources.sessionmaker, world.term_a)
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    apply = f"{term}/care-applications"
    body = {"student_id": family.student_id, "period": "midday"}
    refused = await api.call("POST", apply, family, 422, json=body)
    assert "no midday care" in refused["detail"]
    await api.call("PUT", f"{term}/midday-window", "admin-a", json=MIDDAY)
    midday = await api.call("POST", apply, family, 201, json=body)
    after_school = await api.call(
        "POST", apply, family, 201, json={"student_id": family.student_id}
    )
    assert (midday["period"], after_school["period"]) == ("midday", "after_school")
    await api.call("POST", apply, family, 409, json=body)
    listed = await api.call("GET", apply, "admin-a", params={"period": "midday"})
    assert [(a["id"], a["period"]) for a in listed["items"]] == [(midday["id"], "midday")]
    allocated = await api.call(
        "POST", f"{term}/care-allocation", "admin-a", 422, params={"period": "midday"}
    )  # the term sets no places: approved one by one
    assert "no limit" in allocated["detail"]
    # Midday care applied for: the term keeps offering it.
    kept = await api.call("DELETE", f"{term}/midday-window", "admin-a", 409)
    assert kept["type"].endswith("/conflict")


async def approved(
    resources: Resources, term_id: int, student_ids: list[int], applied_by: int
) -> None:
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            insert(CareApplication),
            [
                {"term_id": term_id, "student_id": s, "period": "midday",
                 "state": ApplicationState.APPROVED, "applied_by_id": applied_by}
                for s in student_ids
            ],
        )  # fmt: skip


async def test_midday_groups_meet_at_midday_and_their_roll_calls_count_as_midday(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    term = f"/terms/{world.term_a}"
    await api.call(
        "PUT", f"{term}/midday-window", "admin-a",
        json={**MIDDAY, "summer_end_time": "14:00"},
    )  # fmt: skip
    children = [f.student_id for f in families[:3]]
    await approved(resources, world.term_a, children, world.users["admin-a"])
    formed = await api.call("POST", f"{term}/care-groups", "admin-a", params={"period": "midday"})
    (group,) = (g for g in formed if g["period"] == "midday")
    assert (group["period"], group["number"], group["size"]) == ("midday", 1, 3)
    groups = await api.call("GET", f"{term}/care-groups", "admin-a")
    assert [(g["period"], g["number"]) for g in groups] == [
        ("after_school", 1), ("midday", 1)
    ]  # fmt: skip
    # Forming the midday groups again leaves the after-school groups as they were.
    async with resources.sessionmaker() as session:
        after_school = (
            await session.scalars(
                select(CareGroupMember.student_id).where(
                    CareGroupMember.group_id == world.care_group
                )
            )
        ).all()
    assert len(after_school) >= 4

    report = await api.call("POST", f"{term}/sessions/generate", "admin-a")
    assert report["care_groups"] == 2
    today = school_today().isoformat()
    sessions = await api.call(
        "GET", f"{term}/sessions", "admin-a",
        params={"care_group_id": group["id"], "from": today, "to": today},
    )  # fmt: skip
    (midday,) = sessions["items"]
    assert midday["period"] == "midday"
    assert (midday["starts_at"][11:16], midday["ends_at"][11:16]) == ("11:00", "13:30")
    kept = await api.call(
        "GET", f"{term}/sessions", "admin-a",
        params={"care_group_id": world.care_group, "from": today, "to": today},
    )  # fmt: skip
    assert [s["period"] for s in kept["items"]] == ["after_school"]

    sheet_for_roll_call = await api.call("GET", f"/sessions/{midday['id']}/attendance", "care-a")
    assert sorted(s["student_id"] for s in sheet_for_roll_call["students"]) == sorted(children)
    await take_roll_call(api, int(midday["id"]))
    lines = await api.call("GET", f"{term}/workload", "admin-a")
    (care,) = (line for line in lines if line["user_id"] == world.users["care-a"])
    assert (care["sessions"], care["midday_sessions"]) == (1, 1)

    mine = await api.call("GET", f"/students/{families[0].student_id}/sessions", families[0],
                          params={"from": today, "to": today})  # fmt: skip
    assert {(s["name"], s["period"]) for s in mine} >= {("午托1组", "midday")}
    sheet = await api.call("GET", f"/sessions/{midday['id']}/sign-in-sheet.xlsx", "care-a")
    ((heading, table),) = sheet_tables(sheet.content).values()
    assert "午托1组 签到表" in heading[0]
    assert "时间:11:00–13:30" in heading[1]
    assert "时段:午托" in heading[1]
    assert len(table) == 1 + len(children)


async def test_a_family_leaves_midday_care_and_keeps_the_after_school_place(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    term = f"/terms/{world.term_a}"
    await api.call("PUT", f"{term}/midday-window", "admin-a", json=MIDDAY)
    child = families[0]  # in after-school care group 1
    async with resources.sessionmaker() as session, session.begin():
        for period in ("after_school", "midday"):
            await session.execute(
                insert(CareApplication).values(
                    term_id=world.term_a, student_id=child.student_id, period=period,
                    state=ApplicationState.APPROVED, applied_by_id=child.user_id,
                )
            )  # fmt: skip
    await api.call("POST", f"{term}/care-groups", "admin-a", params={"period": "midday"})
    ask = {"term_id": world.term_a, "period": "midday", "reason": "中午由家长接回午休"}
    requests = f"/students/{child.student_id}/exit-requests"
    with_course = {**ask, "course_id": world.course_a}
    await api.call("POST", requests, child, 422, json=with_course)
    asked = await api.call("POST", requests, child, 201, json=ask)
    assert asked["period"] == "midday"
    await api.call("POST", f"/exit-requests/{asked['id']}/decision", "admin-a",
                   json={"approve": True})  # fmt: skip
    async with resources.sessionmaker() as session:
        places = (
            await session.scalars(
                select(CareGroupMember.period).where(
                    CareGroupMember.term_id == world.term_a,
                    CareGroupMember.student_id == child.student_id,
                )
            )
        ).all()
        states = dict(
            (
                await session.execute(
                    select(CareApplication.period, CareApplication.state).where(
                        CareApplication.term_id == world.term_a,
                        CareApplication.student_id == child.student_id,
                    )
                )
            ).all()
        )
    assert places == ["after_school"]
    assert states == {
        "after_school": ApplicationState.APPROVED,
        "midday": ApplicationState.WITHDRAWN,
    }
