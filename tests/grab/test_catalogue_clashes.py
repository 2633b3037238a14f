"""The course list warns before the grab: with `student_id`, a course that meets when one the
child holds does names it in `clashes_with`, and the grab of it is then refused as
`time-conflict`. What the child holds is the seat engine's word while it holds the term, and
Postgres's after."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.schemas.base import Page
from app.api.schemas.courses import CourseOut
from app.resources import Resources
from tests.support.grabbing import Family, add_course, add_families, grab, open_and_arm
from tests.support.world import World

MON, TUE = 1, 2


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


async def _listed(
    client: httpx.AsyncClient, term_id: int, family: Family, **params: Any
) -> dict[int, dict[str, Any]]:
    response = await client.get(
        f"/api/v1/terms/{term_id}/courses",
        params={"student_id": family.student_id, "size": 100, **params},
        headers=family.headers,
    )
    assert response.status_code == 200, response.text
    # Joined from JSON made course by course: byte for byte what the declared model writes.
    page = Page[CourseOut].model_validate_json(response.content)
    assert page.model_dump_json().encode() == response.content
    return {course["id"]: course for course in response.json()["items"]}


async def test_a_course_that_clashes_with_one_held_says_so_before_the_grab(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    clock = Clock()
    resources.reads.clock = clock
    resources.reads.entries.clear()
    tuesday = await add_course(resources, world.term_a, 20, [TUE], time(16, 0), time(16, 40))
    overlapping = await add_course(resources, world.term_a, 20, [TUE], time(16, 20), time(17, 0))
    after = await add_course(resources, world.term_a, 20, [TUE], time(16, 40), time(17, 20))
    monday = await add_course(resources, world.term_a, 20, [MON], time(16, 0), time(16, 40))
    family, sibling_grade = await add_families(
        resources, world.school_a, world.class_a301, world.term_a, 2
    )
    await open_and_arm(resources, world.term_a)

    before = await _listed(client, world.term_a, family)
    assert {c["id"]: c["clashes_with"] for c in before.values()} == {key: [] for key in before}
    assert not any(c["held"] for c in before.values())

    assert (await grab(client, world.term_a, family, tuesday)).status_code == 201
    clock.now += 1.5  # what the term's children hold is read again after a second
    held = await _listed(client, world.term_a, family)
    assert held[tuesday]["held"] is True
    assert held[tuesday]["clashes_with"] == []
    assert held[overlapping]["clashes_with"] == [tuesday]
    assert held[after]["clashes_with"] == []  # 16:40 ends one and starts the other
    assert held[monday]["clashes_with"] == []
    assert held[overlapping]["eligible"] is True  # the grade may take it; the clash is apart
    # The other child of the same grade holds nothing: its answer is not the first child's.
    other = await _listed(client, world.term_a, sibling_grade)
    assert other[overlapping]["clashes_with"] == []
    assert other[tuesday]["held"] is False
    # The warning and the grab agree.
    refused = await grab(client, world.term_a, family, overlapping)
    assert (refused.status_code, refused.json()["slug"]) == (409, "time-conflict")
    assert (await grab(client, world.term_a, family, after)).status_code == 201

    # Once the engine lets go of the term, Postgres says what the child holds.
    assert await resources.engine.disarm(world.term_a)
    clock.now += 1.5
    written = await _listed(client, world.term_a, family)
    assert written[overlapping]["clashes_with"] == [tuesday, after]
    assert {c for c, course in written.items() if course["held"]} == {tuesday, after}


async def test_without_a_student_the_list_says_nothing_of_clashes(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"/api/v1/terms/{world.term_a}/courses", headers=world.auth("admin-a")
    )
    assert response.status_code == 200
    assert all(c["clashes_with"] is None and c["held"] is None for c in response.json()["items"])


async def test_a_child_s_list_is_answered_with_one_load_at_a_time(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    """The answer for a set of courses held is made from the grade's page; with one load slot
    (a small pool), the page must not be loaded from inside the answer's own load."""
    resources.reads.entries.clear()
    resources.reads.load_slots = asyncio.Semaphore(1)
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    await open_and_arm(resources, world.term_a)
    listed = await asyncio.wait_for(_listed(client, world.term_a, family), timeout=60)
    assert world.course_a in listed
