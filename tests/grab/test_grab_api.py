"""The grab through the API, in process, on real Postgres and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.domain.statuses import BindingStatus
from app.grab.arming import arm_if_unarmed, arm_term
from app.main import create_app
from app.models import CourseKind, Enrollment, Guardianship
from app.resources import Resources
from app.settings import Settings
from tests.support.grabbing import Family, add_course, add_families, counts, grab, open_and_arm
from tests.support.world import World, build_world

MON, TUE, WED = 1, 2, 3


@pytest.fixture
def resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


@pytest.fixture
async def families(resources: Resources, world: World) -> list[Family]:
    added = await add_families(resources, world.school_a, world.class_a301, world.term_a, 6)
    await open_and_arm(resources, world.term_a)
    return added


async def test_a_grab_is_confirmed_written_and_replayable(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    await open_and_arm(resources, world.term_a)
    first = await grab(client, world.term_a, families[0], world.course_a, key="attempt-1")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "confirmed"
    assert body["round"] == 1
    assert body["id"] is not None
    assert body["created_at"].endswith("+08:00")
    replay = await grab(client, world.term_a, families[0], world.course_a, key="attempt-1")
    assert (replay.status_code, replay.json()) == (201, body)
    other_key = await grab(client, world.term_a, families[0], world.course_a)
    assert (other_key.status_code, other_key.json()["slug"]) == (409, "already-enrolled")
    assert await counts(resources, world.term_a, world.course_a) == (1, 1, 29)
    listing = await client.get(
        f"/api/v1/students/{families[0].student_id}/enrollments", headers=families[0].headers
    )
    assert [(e["course_id"], e["status"]) for e in listing.json()["items"]] == [
        (world.course_a, "confirmed")
    ]
    courses = await client.get(f"/api/v1/terms/{world.term_a}/courses", headers=families[0].headers)
    assert courses.json()["items"][0]["seats_left"] == 29


async def test_the_idempotency_key_is_required(
    client: httpx.AsyncClient, world: World, families: list[Family]
) -> None:
    response = await client.post(
        f"/api/v1/terms/{world.term_a}/enrollments",
        json={"student_id": families[0].student_id, "course_id": world.course_a},
        headers=families[0].headers,
    )
    assert (response.status_code, response.json()["slug"]) == (400, "idempotency-key-missing")


async def test_bad_targets_change_no_counter(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    other_term_course = await add_course(
        resources, world.term_b, 10, [MON], time(16, 0), time(16, 40)
    )
    basic = await add_course(
        resources, world.term_a, 40, [MON], time(15, 50), time(17, 30), kind=CourseKind.BASIC
    )
    someone_else = Family(world.student_2, families[0].user_id, families[0].token)
    nobody = Family(999_999, families[0].user_id, families[0].token)
    cases = [
        (await grab(client, world.term_a, someone_else, world.course_a), 403, "not-your-child"),
        (await grab(client, world.term_a, nobody, world.course_a), 403, "not-your-child"),
        (await grab(client, world.term_a, families[0], 999_999), 404, "not-found"),
        (await grab(client, world.term_a, families[0], other_term_course), 422, "rule-violation"),
        (await grab(client, world.term_a, families[0], basic), 422, "rule-violation"),
        (await grab(client, 999_999, families[0], world.course_a), 404, "not-found"),
        (await grab(client, world.term_b, families[0], world.course_a), 422, "rule-violation"),
    ]
    for response, status, slug in cases:
        assert (response.status_code, response.json()["slug"]) == (status, slug), response.text
    malformed = await client.post(
        f"/api/v1/terms/{world.term_a}/enrollments",
        json={"student_id": "eleven", "course_id": world.course_a},
        headers={**families[0].headers, "Idempotency-Key": "k"},
    )
    assert malformed.status_code == 422
    assert await counts(resources, world.term_a, world.course_a) == (0, 0, 30)


async def test_refusals_name_the_rule(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    clash = await add_course(resources, world.term_a, 20, [TUE], time(16, 20), time(17, 0))
    grade_five = await add_course(
        resources, world.term_a, 20, [WED], time(16, 0), time(16, 40), grades=[5, 6]
    )
    tiny = await add_course(resources, world.term_a, 1, [MON], time(16, 0), time(16, 40))
    extra = await add_course(resources, world.term_a, 20, [WED], time(16, 50), time(17, 30))
    unready = (
        await add_families(
            resources, world.school_a, world.class_a301, world.term_a, 1, ready=False
        )
    )[0]
    await open_and_arm(resources, world.term_a, max_courses=2)
    a, b = families[0], families[1]
    assert (await grab(client, world.term_a, a, world.course_a)).status_code == 201
    expectations = [
        (await grab(client, world.term_a, a, clash), "time-conflict"),
        (await grab(client, world.term_a, a, grade_five), "not-eligible"),
        (await grab(client, world.term_a, unready, world.course_a), "prerequisites-missing"),
        (await grab(client, world.term_a, b, tiny), None),
        (await grab(client, world.term_a, a, tiny), "course-full"),
        (await grab(client, world.term_a, a, extra), None),
        (
            await grab(
                client,
                world.term_a,
                a,
                await add_course(resources, world.term_a, 5, [5], time(16, 0), time(16, 40)),
            ),
            "engine-rebuilding",
        ),
    ]
    await asyncio.sleep(0.5)  # the engine re-arms itself for the course added after arming
    expectations.append((await grab(client, world.term_a, families[2], extra), None))
    for response, slug in expectations:
        if slug is None:
            assert response.status_code == 201, response.text
        else:
            assert response.json()["slug"] == slug, response.text
    limit = await add_course(resources, world.term_a, 5, [MON], time(16, 50), time(17, 30))
    await open_and_arm(resources, world.term_a, max_courses=2)
    assert (await grab(client, world.term_a, a, limit)).json()["slug"] == "limit-reached"


@pytest.mark.parametrize("engine_holds_term", [True, False], ids=["armed", "not-armed"])
@pytest.mark.parametrize(
    ("phase", "slug"),
    [("before", "window-not-open"), ("after", "window-closed"), ("between", "window-closed")],
)
async def test_outside_the_window_nobody_grabs(
    client: httpx.AsyncClient,
    resources: Resources,
    world: World,
    families: list[Family],
    phase: str,
    slug: str,
    engine_holds_term: bool,
) -> None:
    """Terms are armed shortly before their grab: outside the window, a term the engine does
    not hold is a 409 like any grab out of time, not a 503 "being restored"."""
    await open_and_arm(resources, world.term_a, phase)
    if not engine_holds_term:
        keys = resources.engine.keys(world.term_a)
        await resources.engine.redis.delete(*keys.armed_state_keys)
    response = await grab(client, world.term_a, families[0], world.course_a)
    assert (response.status_code, response.json()["slug"]) == (409, slug)


async def test_round_two_is_only_for_students_of_cancelled_courses(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    await open_and_arm(resources, world.term_a, "round2")
    response = await grab(client, world.term_a, families[0], world.course_a)
    assert response.json()["slug"] == "not-in-round"


async def test_a_lost_engine_answers_503_then_rebuilds_itself(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201
    keys = resources.engine.keys(world.term_a)
    await resources.engine.redis.delete(*keys.armed_state_keys)  # as if Redis restarted empty
    lost = await grab(client, world.term_a, families[1], world.course_a)
    assert (lost.status_code, lost.json()["slug"]) == (503, "engine-rebuilding")
    assert lost.headers["retry-after"] == "2"
    for _ in range(50):
        if await resources.engine.is_armed(world.term_a):
            break
        await asyncio.sleep(0.05)
    again = await grab(client, world.term_a, families[1], world.course_a)
    assert again.status_code == 201, again.text
    replay_of_first = await grab(client, world.term_a, families[0], world.course_a)
    assert replay_of_first.json()["slug"] == "already-enrolled"  # rebuilt from Postgres
    assert await counts(resources, world.term_a, world.course_a) == (2, 2, 28)


async def test_concurrent_grabs_never_oversell(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    course = await add_course(resources, world.term_a, 7, [MON], time(16, 0), time(16, 40))
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 60)
    await open_and_arm(resources, world.term_a)
    answers = await asyncio.gather(*(grab(client, world.term_a, f, course) for f in crowd))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 7
    assert {a.json()["slug"] for a in answers if a.status_code != 201} == {"course-full"}
    assert await counts(resources, world.term_a, course) == (7, 7, 0)


async def test_one_student_fifty_times_at_once(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    same_key = await asyncio.gather(
        *(grab(client, world.term_a, families[0], world.course_a, "same") for _ in range(50))
    )
    bodies = {a.text for a in same_key}
    assert len(bodies) == 1
    assert same_key[0].status_code == 201
    replays = await asyncio.gather(
        *(grab(client, world.term_a, families[0], world.course_a, "same") for _ in range(50))
    )
    assert {a.text for a in replays} == bodies
    assert await counts(resources, world.term_a, world.course_a) == (1, 1, 29)


async def test_arming_twice_changes_nothing(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201
    before = await resources.engine.redis.hgetall(resources.engine.keys(world.term_a).held)
    arm = await client.post(f"/api/v1/terms/{world.term_a}/arm", headers=world.auth("admin-a"))
    assert arm.status_code == 200, arm.text
    assert arm.json()["courses"] == 1
    await client.post(f"/api/v1/terms/{world.term_a}/arm", headers=world.auth("admin-a"))
    after = await resources.engine.redis.hgetall(resources.engine.keys(world.term_a).held)
    assert before == after
    assert await counts(resources, world.term_a, world.course_a) == (1, 1, 29)


async def test_two_hundred_students_grab_two_clashing_courses_at_once(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    first = await add_course(resources, world.term_a, 300, [MON], time(16, 0), time(16, 40))
    second = await add_course(resources, world.term_a, 300, [MON], time(16, 30), time(17, 10))
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 200)
    await open_and_arm(resources, world.term_a)
    answers = await asyncio.gather(
        *(
            grab(client, world.term_a, family, course)
            for family in crowd
            for course in (first, second)
        )
    )
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    refusals = {a.json()["slug"] for a in answers if a.status_code != 201}
    assert refusals <= {"time-conflict", "rate-limited"}  # the gate runs one grab per parent
    # Past the gate, straight at the engine: both grabs of each student truly at once.
    outcomes = await asyncio.gather(
        *(
            resources.grabs.grab(world.term_a, f.student_id, course, f.user_id, uuid.uuid4().hex)
            for f in crowd
            for course in (first, second)
        ),
        return_exceptions=True,
    )
    failures = {type(o).__name__ for o in outcomes if isinstance(o, BaseException)}
    assert failures <= {"TimeConflict", "AlreadyEnrolled"}
    async with resources.sessionmaker() as session:
        held = list(
            await session.scalars(
                select(Enrollment.student_id).where(Enrollment.course_id.in_([first, second]))
            )
        )
    assert len(held) == len(set(held)) == 200  # each holds exactly one of the two


async def test_grab_limits_bind_per_parent_and_one_at_a_time(
    settings: Settings, clean_tables: None
) -> None:
    strict = settings.model_copy(
        update={"grab_limit_per_parent": "3/minute", "background_tasks": False}
    )
    app = create_app(strict)
    async with app.router.lifespan_context(app):
        resources: Resources = app.state.resources
        world = await build_world(resources.sessionmaker)
        family = (await add_families(resources, world.school_a, world.class_a301, world.term_a, 1))[
            0
        ]
        await open_and_arm(resources, world.term_a)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            statuses = [
                (await grab(client, world.term_a, family, world.course_a)).status_code
                for _ in range(3)
            ]
            limited = await grab(client, world.term_a, family, world.course_a)
    assert statuses == [201, 409, 409]
    assert (limited.status_code, limited.json()["slug"]) == (429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60


async def test_a_second_grab_while_one_is_in_flight_is_turned_away(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    marker = resources.engine.keys(world.term_a).in_flight(families[0].user_id)
    await resources.gate.redis.set(marker, "another-attempt", px=2000)  # the first still runs
    busy = await grab(client, world.term_a, families[0], world.course_a)
    assert (busy.status_code, busy.json()["slug"], busy.headers["retry-after"]) == (
        429,
        "rate-limited",
        "1",
    )
    await resources.gate.redis.delete(marker)
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code == 201


async def test_a_term_sets_its_own_limit(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    term = (await client.get(f"/api/v1/terms/{world.term_a}", headers=world.auth("admin-a"))).json()
    changed = await client.patch(
        f"/api/v1/terms/{world.term_a}",
        json={"version": term["version"], "grab_limit_per_parent": "2/minute"},
        headers=world.auth("admin-a"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["grab_limit_per_parent"] == "2/minute"
    nonsense = await client.patch(
        f"/api/v1/terms/{world.term_a}",
        json={"version": changed.json()["version"], "grab_limit_per_parent": "lots"},
        headers=world.auth("admin-a"),
    )
    assert nonsense.status_code == 422
    await client.post(f"/api/v1/terms/{world.term_a}/arm", headers=world.auth("admin-a"))
    statuses = [
        (await grab(client, world.term_a, families[3], world.course_a)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 409, 429]


async def test_readiness_and_bindings_recorded_during_the_window_reach_the_engine(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    [late] = await add_families(
        resources, world.school_a, world.class_a301, world.term_a, 1, ready=False
    )
    second = await add_course(resources, world.term_a, 5, [MON], time(16, 0), time(16, 40))
    third = await add_course(resources, world.term_a, 5, [WED], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    before = await grab(client, world.term_a, late, world.course_a)
    assert before.json()["slug"] == "prerequisites-missing"
    signed = await client.post(
        f"/api/v1/students/{late.student_id}/agreements",
        json={"term_id": world.term_a, "agreement_version": "v1"},
        headers=late.headers,
    )
    assert signed.status_code == 201, signed.text
    insured = await client.post(
        f"/api/v1/students/{late.student_id}/insurance",
        json={"insurer": "人保", "policy_number": "P-late", "valid_from": "2020-01-01",
              "valid_to": "2035-01-01"},
        headers=late.headers,
    )  # fmt: skip
    assert insured.status_code == 201, insured.text
    # No re-arm of the term: the student's own record in the engine was brought up to date.
    after = await grab(client, world.term_a, late, world.course_a)
    assert after.status_code == 201, after.text

    # A parent bound after arming is vouched for by Postgres, and the engine catches up.
    stranger = resources.signer.issue(world.users["parent-2"])
    code = await client.post(
        f"/api/v1/students/{late.student_id}/binding-codes", headers=world.auth("admin-a")
    )
    bound = await client.post(
        "/api/v1/bindings",
        json={"code": code.json()["code"], "relation": "father"},
        headers={"Authorization": f"Bearer {stranger}"},
    )
    assert bound.status_code == 201, bound.text
    as_stranger = Family(late.student_id, world.users["parent-2"], stranger)
    assert (await grab(client, world.term_a, as_stranger, second)).status_code == 201

    # A binding the engine never heard of (written behind the API's back): Postgres vouches for
    # the parent, the engine catches up, and the retry the 503 asks for goes through.
    [other] = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    async with resources.sessionmaker() as session, session.begin():
        session.add(
            Guardianship(
                student_id=other.student_id, user_id=world.users["parent-2"], relation="father",
                status=BindingStatus.CONFIRMED,
            )
        )  # fmt: skip
    behind = Family(other.student_id, world.users["parent-2"], stranger)
    first_try = await grab(client, world.term_a, behind, third)
    assert (first_try.status_code, first_try.json()["slug"]) == (503, "engine-rebuilding")
    assert (await grab(client, world.term_a, behind, third)).status_code == 201
    outsider = Family(other.student_id, world.users["parent-1"], world.tokens["parent-1"])
    assert (await grab(client, world.term_a, outsider, third)).status_code == 403


async def test_the_503s_of_one_rearm_do_not_start_another(
    client: httpx.AsyncClient,
    resources: Resources,
    world: World,
    families: list[Family],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    armings: list[int] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        armings.append(1)
        return await arm_term(*args, **kwargs)

    async def counted_if_armed(*args: Any, **kwargs: Any) -> Any:
        report = await arm_if_unarmed(*args, **kwargs)
        if report is not None:
            armings.append(1)
        return report

    monkeypatch.setattr("app.grab.service.arm_term", counted)
    monkeypatch.setattr("app.grab.service.arm_if_unarmed", counted_if_armed)
    # A grab answered 503 just before someone else's arming finished asks for a re-arm of a term
    # that is armed again by now: nothing happens.
    await resources.grabs.rearm_soon(world.term_a)
    await asyncio.sleep(0.5)
    assert armings == []
    # Redis came back empty: waves of grabs answer 503 while one re-arm runs, and only one runs.
    await resources.engine.disarm(world.term_a)
    for _ in range(5):
        answers = await asyncio.gather(
            *(grab(client, world.term_a, f, world.course_a) for f in families)
        )
        assert {a.status_code for a in answers} <= {201, 409, 503}
        await asyncio.sleep(0.3)
    assert await resources.engine.is_armed(world.term_a)
    assert len(armings) == 1
    assert (await grab(client, world.term_a, families[0], world.course_a)).status_code in (201, 409)


async def test_a_resend_of_the_attempt_in_flight_is_answered_like_it(
    client: httpx.AsyncClient, resources: Resources, world: World, families: list[Family]
) -> None:
    turn = resources.engine.keys(world.term_a).in_flight(families[0].user_id)
    await resources.redis.set(turn, "attempt-7", px=2000)  # the first send still holds the turn
    resent = await grab(client, world.term_a, families[0], world.course_a, key="attempt-7")
    assert resent.status_code == 201, resent.text
    assert await resources.redis.get(turn) is None  # the grab gave the turn back
    again = await grab(client, world.term_a, families[0], world.course_a, key="attempt-7")
    assert (again.status_code, again.json()) == (201, resent.json())  # the first answer
