"""Setting a school up through the API, as its administrators would before a window opens."""

from __future__ import annotations

import httpx

from tests.support.world import World

API = "/api/v1"


async def test_district_admin_adds_a_school_and_lists_it(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("district-admin")
    created = await client.post(
        f"{API}/districts/{world.district_id}/schools",
        json={"name": "第三小学", "code": "no3"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    duplicate = await client.post(
        f"{API}/districts/{world.district_id}/schools",
        json={"name": "x", "code": "no3"},
        headers=auth,
    )
    assert duplicate.status_code == 409
    listing = await client.get(
        f"{API}/districts/{world.district_id}/schools", params={"size": 2}, headers=auth
    )
    body = listing.json()
    assert body["total"] == 3
    assert body["size"] == 2
    assert len(body["items"]) == 2
    second = await client.get(
        f"{API}/districts/{world.district_id}/schools", params={"size": 2, "page": 2}, headers=auth
    )
    assert [s["code"] for s in second.json()["items"]] == ["no3"]


async def test_a_term_gets_the_seed_defaults(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{API}/schools/{world.school_a}/terms",
        json={
            "name": "2027春",
            "starts_on": "2027-02-22",
            "ends_on": "2027-07-02",
            "opens_at": "2027-02-15T11:00:00+08:00",
        },
        headers=world.auth("admin-a"),
    )
    assert response.status_code == 201, response.text
    term = response.json()
    assert term["closes_at"] == "2027-02-16T11:00:00+08:00"  # 24 hours later
    assert term["grab_opens_at"] == term["opens_at"]
    assert term["round2_opens_at"] == term["closes_at"]
    assert term["withdrawal_allowed"] is False
    schedules = {s["grade"]: s for s in term["grade_schedules"]}
    assert schedules[1]["start_time"] == "15:05:00"
    assert schedules[1]["weekdays"] == [1, 3, 5]
    assert schedules[4]["start_time"] == "15:50:00"
    assert schedules[6]["start_time"] == "16:00:00"
    assert {s["end_time"] for s in schedules.values()} == {"17:30:00"}
    assert {s["summer_end_time"] for s in schedules.values()} == {"18:00:00"}


async def test_term_window_out_of_order_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("admin-a")
    bad = await client.post(
        f"{API}/schools/{world.school_a}/terms",
        json={
            "name": "x",
            "starts_on": "2027-02-22",
            "ends_on": "2027-07-02",
            "opens_at": "2027-02-15T11:00:00+08:00",
            "grab_opens_at": "2027-02-14T11:00:00+08:00",
        },
        headers=auth,
    )
    assert bad.status_code == 422
    assert bad.json()["slug"] == "rule-violation"
    naive = await client.post(
        f"{API}/schools/{world.school_a}/terms",
        json={
            "name": "x",
            "starts_on": "2027-02-22",
            "ends_on": "2027-07-02",
            "opens_at": "2027-02-15T11:00:00",
        },
        headers=auth,
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["loc"] == "body.opens_at"
    terms = await client.get(f"{API}/schools/{world.school_a}/terms", headers=auth)
    assert terms.json()["total"] == 1


async def test_course_defaults_sessions_and_eligibility(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("admin-a")
    created = await client.post(
        f"{API}/terms/{world.term_a}/courses",
        json={"kind": "extension", "name": "书法", "grades": [3, 4], "weekdays": [3]},
        headers=auth,
    )
    assert created.status_code == 422  # an extension course needs a capacity
    created = await client.post(
        f"{API}/terms/{world.term_a}/courses",
        json={
            "kind": "extension",
            "name": "书法",
            "grades": [3, 4],
            "weekdays": [3],
            "capacity": 25,
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    course = created.json()
    assert (course["min_size"], course["fee_per_session_fen"], course["status"]) == (
        15,
        2000,
        "open",
    )
    assert (course["start_time"], course["end_time"]) == ("15:50:00", "17:30:00")
    # Wednesdays from 2026-09-01 to 2027-01-20, less the sports day (2026-10-21) and holidays.
    assert 15 <= course["sessions"] <= 21
    basic = await client.post(
        f"{API}/terms/{world.term_a}/courses",
        json={"kind": "basic", "name": "基础托管", "grades": [1], "weekdays": [1, 3, 5]},
        headers=auth,
    )
    assert basic.status_code == 201, basic.text
    assert (
        basic.json()["capacity"],
        basic.json()["fee_per_session_fen"],
        basic.json()["min_size"],
    ) == (40, 0, 0)
    listing = await client.get(
        f"{API}/terms/{world.term_a}/courses",
        params={"student_id": world.student_1},
        headers=world.auth("parent-1"),
    )
    by_name = {c["name"]: c for c in listing.json()["items"]}
    assert by_name["书法"]["eligible"] is True
    assert by_name["基础托管"]["eligible"] is False
    assert by_name["基础托管"]["ineligible_reason"] == "grade"


async def test_a_course_contradicting_the_timetable_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("admin-a")
    cases = [
        {
            "kind": "extension",
            "name": "早",
            "grades": [3],
            "weekdays": [1],
            "capacity": 20,
            "start_time": "15:00",
            "end_time": "15:40",
        },
        {"kind": "extension", "name": "周二", "grades": [1], "weekdays": [2], "capacity": 20},
        {
            "kind": "basic",
            "name": "收费的基础托管",
            "grades": [3],
            "weekdays": [1],
            "fee_per_session_fen": 100,
        },
        {"kind": "extension", "name": "年级", "grades": [7], "weekdays": [1], "capacity": 20},
        {"kind": "extension", "name": "星期", "grades": [3], "weekdays": [0], "capacity": 20},
        {
            "kind": "extension",
            "name": "人数",
            "grades": [3],
            "weekdays": [1],
            "capacity": 10,
            "min_size": 12,
        },
        {
            "kind": "extension",
            "name": "多余字段",
            "grades": [3],
            "weekdays": [1],
            "capacity": 20,
            "colour": "red",
        },
    ]
    for body in cases:
        response = await client.post(f"{API}/terms/{world.term_a}/courses", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    listing = await client.get(f"{API}/terms/{world.term_a}/courses", headers=auth)
    assert listing.json()["total"] == 1  # only the world's course


async def test_stale_updates_are_refused(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("admin-a")
    first = await client.patch(
        f"{API}/courses/{world.course_a}", json={"version": 1, "room": "201"}, headers=auth
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = await client.patch(
        f"{API}/courses/{world.course_a}", json={"version": 1, "room": "305"}, headers=auth
    )
    assert stale.status_code == 409
    assert stale.json()["slug"] == "stale-version"
    assert stale.json()["current_version"] == 2
    current = await client.get(f"{API}/courses/{world.course_a}", headers=auth)
    assert current.json()["room"] == "201"


async def test_suspensions_and_holidays_shape_the_calendar(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("admin-a")
    before = (await client.get(f"{API}/courses/{world.course_a}", headers=auth)).json()["sessions"]
    added = await client.post(
        f"{API}/terms/{world.term_a}/suspensions",
        json={"on_date": "2026-11-12", "reason": "秋游"},
        headers=auth,
    )
    assert added.status_code == 201
    outside = await client.post(
        f"{API}/terms/{world.term_a}/suspensions",
        json={"on_date": "2027-03-01", "reason": "x"},
        headers=auth,
    )
    assert outside.status_code == 422
    after = (await client.get(f"{API}/courses/{world.course_a}", headers=auth)).json()["sessions"]
    assert after == before - 1  # 2026-11-12 is a Thursday, a day the course meets
    calendar = (await client.get(f"{API}/terms/{world.term_a}/calendar", headers=auth)).json()
    assert "2026-10-01" in calendar["holidays"]  # National Day
    assert "2026-11-12" in calendar["suspensions"]


async def test_binding_readiness_end_to_end(client: httpx.AsyncClient, world: World) -> None:
    code = await client.post(
        f"{API}/students/{world.student_2}/binding-codes", headers=world.auth("teacher-a302")
    )
    assert code.status_code == 201, code.text
    stranger = world.auth("stranger")
    before = await client.get(f"{API}/students/{world.student_2}", headers=stranger)
    assert before.status_code == 403
    assert before.json()["slug"] == "not-your-child"
    bound = await client.post(
        f"{API}/bindings",
        json={"code": code.json()["code"], "relation": "grandparent"},
        headers=stranger,
    )
    assert bound.status_code == 201, bound.text
    again = await client.post(
        f"{API}/bindings", json={"code": code.json()["code"]}, headers=stranger
    )
    assert again.status_code == 422  # one use
    readiness = await client.get(
        f"{API}/students/{world.student_2}/readiness",
        params={"term_id": world.term_a},
        headers=stranger,
    )
    assert readiness.json() == {
        "student_id": world.student_2,
        "term_id": world.term_a,
        "ready": False,
        "missing": ["agreement", "insurance"],
    }
    signed = await client.post(
        f"{API}/students/{world.student_2}/agreements",
        json={"term_id": world.term_a, "agreement_version": "v1"},
        headers=stranger,
    )
    assert signed.status_code == 201
    short = await client.post(
        f"{API}/students/{world.student_2}/insurance",
        json={
            "insurer": "平安",
            "policy_number": "A",
            "valid_from": "2026-09-01",
            "valid_to": "2026-12-31",
        },
        headers=stranger,
    )
    assert short.status_code == 201
    still = await client.get(
        f"{API}/students/{world.student_2}/readiness",
        params={"term_id": world.term_a},
        headers=stranger,
    )
    assert still.json()["missing"] == ["insurance"]  # the policy ends before the term
    await client.post(
        f"{API}/students/{world.student_2}/insurance",
        json={
            "insurer": "平安",
            "policy_number": "B",
            "valid_from": "2026-08-31",
            "valid_to": "2027-08-31",
        },
        headers=stranger,
    )
    ready = await client.get(
        f"{API}/students/{world.student_2}/readiness",
        params={"term_id": world.term_a},
        headers=stranger,
    )
    assert ready.json()["ready"] is True


async def test_binding_request_waits_for_the_class_teacher(
    client: httpx.AsyncClient, world: World
) -> None:
    teacher = world.auth("teacher-a301")
    pending = await client.get(f"{API}/schools/{world.school_a}/bindings/pending", headers=teacher)
    assert [b["id"] for b in pending.json()["items"]] == [world.pending_binding]
    other_teacher = await client.get(
        f"{API}/schools/{world.school_a}/bindings/pending", headers=world.auth("teacher-a302")
    )
    assert other_teacher.json()["items"] == []
    wrong_name = await client.post(
        f"{API}/bindings",
        json={
            "school_id": world.school_a,
            "student_number": "A0001",
            "student_name": "别人",
            "relation": "other",
        },
        headers=world.auth("parent-2"),
    )
    assert wrong_name.status_code == 422
    approved = await client.post(
        f"{API}/bindings/{world.pending_binding}/review", json={"approve": True}, headers=teacher
    )
    assert approved.json()["status"] == "confirmed"
    twice = await client.post(
        f"{API}/bindings/{world.pending_binding}/review", json={"approve": False}, headers=teacher
    )
    assert twice.status_code == 409
    me = await client.get(f"{API}/me", headers=world.auth("stranger"))
    assert [c["id"] for c in me.json()["children"]] == [world.student_1]


async def test_priority_flags_only_for_admins_and_the_class_teacher(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"{API}/students/{world.student_1}"
    seen = {}
    for login in (
        "admin-a",
        "teacher-a301",
        "teacher-a302",
        "care-a",
        "parent-1",
        "district-admin",
    ):
        response = await client.get(path, headers=world.auth(login))
        assert response.status_code == 200, (login, response.text)
        seen[login] = response.json()["priority"]
    assert seen["admin-a"]["left_behind"] is True
    assert seen["teacher-a301"]["left_behind"] is True
    assert seen["district-admin"]["left_behind"] is True
    assert seen["teacher-a302"] is None
    assert seen["care-a"] is None
    assert seen["parent-1"] is None
    roster = await client.get(
        f"{API}/schools/{world.school_a}/students", headers=world.auth("care-a")
    )
    assert all(item["priority"] is None for item in roster.json()["items"])
    assert "left_behind" not in roster.text
