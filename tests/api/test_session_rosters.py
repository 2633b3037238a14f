"""A basic-care group's session is for the children due that day: a group of grades 2 and 3
meets every school day, but grade 2 attends on Monday, Wednesday and Friday only, so its
Thursday roll call lists grade 3 alone and never marks a grade-2 child absent."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, update

from app.models import CareGroup, CareGroupMember, SchoolClass
from app.resources import Resources
from app.services.common import school_today
from tests.support.grabbing import Family, add_families
from tests.support.term import Api, a_term_around_today, take_roll_call
from tests.support.world import World, build_world, sign_in_everyone

THURSDAY, SATURDAY = 4, 6


async def a_group_of_grades_two_and_three(
    resources: Resources, world: World, client: httpx.AsyncClient
) -> tuple[Api, list[Family], list[Family]]:
    """Care group 1 of term A with two grade-3 and three grade-2 children; a Saturday worked
    as a Thursday (调休) and the next one as a Monday; sessions generated."""
    api = Api(client, world)
    third = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    await a_term_around_today(resources, world, third)
    async with resources.sessionmaker() as session, session.begin():
        class_201 = await session.scalar(
            insert(SchoolClass).returning(SchoolClass.id),
            {"school_id": world.school_a, "grade": 2, "number": 1},
        )
    assert class_201 is not None
    second = await add_families(resources, world.school_a, class_201, world.term_a, 3)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(CareGroup).where(CareGroup.id == world.care_group).values(grades=[2, 3])
        )
        await session.execute(
            insert(CareGroupMember),
            [{"group_id": world.care_group, "term_id": world.term_a, "student_id": f.student_id}
             for f in second],
        )  # fmt: skip
    first_saturday = next_weekday(school_today(), SATURDAY)
    for saturday, follows in ((first_saturday, THURSDAY), (first_saturday + timedelta(7), 1)):
        await api.call(
            "POST", f"/districts/{world.district_id}/calendar-overrides", "district-admin", 201,
            json={"on_date": saturday.isoformat(), "is_workday": True,
                  "follows_weekday": follows, "name": "调休"},
        )  # fmt: skip
    await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    return api, second, third


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.isoweekday()) % 7 or 7)


async def care_sessions(api: Api, world: World) -> dict[date, dict[str, object]]:
    page = await api.call(
        "GET", f"/terms/{world.term_a}/sessions", "admin-a",
        params={"care_group_id": world.care_group, "size": 200},
    )  # fmt: skip
    return {date.fromisoformat(s["on_date"]): s for s in page["items"]}


async def roster(api: Api, session_id: object) -> set[int]:
    sheet = await api.call("GET", f"/sessions/{session_id}/attendance", "care-a")
    return {int(s["student_id"]) for s in sheet["students"]}


MixedGroup = tuple[World, Api, list[Family], set[int]]
"""The world, an API caller, the group's grade-2 families, and its grade-3 students (the world's
member among them)."""


@pytest.fixture
async def mixed_group(
    school_day: date, quiet_app: FastAPI, quiet_client: httpx.AsyncClient
) -> MixedGroup:
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    api, second, third = await a_group_of_grades_two_and_three(resources, world, quiet_client)
    return world, api, second, {f.student_id for f in third} | {world.student_1}


async def test_each_session_of_a_mixed_group_lists_the_grades_due_that_day(
    mixed_group: MixedGroup,
) -> None:
    world, api, second, grade_three = mixed_group
    everyone = grade_three | {f.student_id for f in second}
    sessions = await care_sessions(api, world)
    by_weekday: dict[int, list[date]] = {}
    for day in sessions:
        by_weekday.setdefault(day.isoweekday(), []).append(day)
    assert {1, 2, 3, 4, 5} <= set(by_weekday)  # the group meets every school day
    for weekday, days in by_weekday.items():
        for day in days:
            expected = everyone if weekday in (1, 3, 5) else grade_three
            if weekday == SATURDAY:  # the 调休 Saturdays keep the weekday they follow
                expected = grade_three if day == next_weekday(school_today(), 6) else everyone
            assert await roster(api, sessions[day]["id"]) == expected, day
    thursday = by_weekday[THURSDAY][0]
    monday = by_weekday[1][0]
    # Grade 3 alone arrives at 15:50; with grade 2 the group opens at 15:05.
    assert str(sessions[thursday]["starts_at"]).endswith("T15:50:00+08:00")
    assert str(sessions[monday]["starts_at"]).endswith("T15:05:00+08:00")


async def test_a_thursday_roll_call_marks_no_grade_two_child_absent(
    mixed_group: MixedGroup,
) -> None:
    world, api, second, grade_three = mixed_group
    sessions = await care_sessions(api, world)
    thursday = min(
        d for d in sessions if d.isoweekday() == THURSDAY and d <= school_today()
    )  # a day already come, so the roll call is taken
    result = await take_roll_call(api, int(str(sessions[thursday]["id"])))
    sheet = await api.call("GET", f"/sessions/{sessions[thursday]['id']}/attendance", "care-a")
    marked = {int(s["student_id"]): s["status"] for s in sheet["students"]}
    assert marked == dict.fromkeys(grade_three, "present")
    assert {m["student_id"] for m in result["marks"]} == grade_three
    # A roll call that names a grade-2 child on Thursday is refused: they are not on it.
    intruder = {"student_id": second[0].student_id, "status": "absent"}
    await api.call(
        "PUT", f"/sessions/{sessions[thursday]['id']}/attendance", "care-a", 422,
        json={"marks": [*({"student_id": s, "status": "present"} for s in grade_three),
                        intruder]},
    )  # fmt: skip
