"""Authorisation ends when it should: a revoked grant, an account that does not exist, a refresh
token that was stolen and used twice."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from app.domain.access import Role
from app.domain.statuses import EnrollmentStatus
from app.models import Course, Enrollment, RoleGrant, User
from app.resources import Resources
from tests.support.world import World


async def _grant_of(client: httpx.AsyncClient, world: World, login: str, role: str) -> int:
    staff = await client.get(
        f"/api/v1/schools/{world.school_a}/staff", headers=world.auth("admin-a")
    )
    assert staff.status_code == 200, staff.text
    return next(
        int(grant["id"])
        for grant in staff.json()["items"]
        if grant["user_id"] == world.users[login] and grant["role"] == role
    )


async def test_a_revoked_class_teacher_loses_the_class_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    teacher = world.auth("teacher-a301")
    leave_of_class = f"/api/v1/classes/{world.class_a301}/leave-requests"
    assert (await client.get(leave_of_class, headers=teacher)).status_code == 200
    grant = await _grant_of(client, world, "teacher-a301", "class_teacher")

    revoked = await client.delete(f"/api/v1/staff/{grant}", headers=world.auth("admin-a"))

    assert revoked.status_code == 204, revoked.text
    assert (await client.get(leave_of_class, headers=teacher)).status_code == 403
    decision = await client.post(
        f"/api/v1/leave-requests/{world.leave_request}/decision",
        json={"approve": True},
        headers=teacher,
    )
    assert decision.status_code == 403, decision.text
    me = await client.get("/api/v1/me", headers=teacher)
    assert "class_teacher" not in me.json()["roles"]
    classes = await client.get(
        f"/api/v1/schools/{world.school_a}/classes", headers=world.auth("admin-a")
    )
    a301 = next(c for c in classes.json()["items"] if c["id"] == world.class_a301)
    assert a301["class_teacher_id"] is None


async def test_a_class_teacher_cannot_be_appointed_without_the_grant_after_revocation(
    client: httpx.AsyncClient, world: World
) -> None:
    grant = await _grant_of(client, world, "teacher-a301", "class_teacher")
    await client.delete(f"/api/v1/staff/{grant}", headers=world.auth("admin-a"))
    classes = await client.get(
        f"/api/v1/schools/{world.school_a}/classes", headers=world.auth("admin-a")
    )
    a301 = next(c for c in classes.json()["items"] if c["id"] == world.class_a301)

    appointed = await client.patch(
        f"/api/v1/classes/{world.class_a301}",
        json={"version": a301["version"], "class_teacher_id": world.users["teacher-a301"]},
        headers=world.auth("admin-a"),
    )

    assert appointed.status_code == 422, appointed.text


def _token_of_nobody(app: FastAPI) -> dict[str, str]:
    resources: Resources = app.state.resources
    return {"Authorization": f"Bearer {resources.signer.issue(987_654_321)}"}


async def test_a_signed_token_of_no_account_is_401_on_the_grab(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"/api/v1/terms/{world.term_a}/enrollments",
        json={"student_id": world.student_1, "course_id": world.course_a},
        headers=_token_of_nobody(app) | {"Idempotency-Key": "nobody-1"},
    )
    assert response.status_code == 401, response.text
    assert response.json()["slug"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_signed_token_of_no_account_is_401_everywhere_else(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    for path in (
        "/api/v1/me",
        f"/api/v1/students/{world.student_1}",
        f"/api/v1/schools/{world.school_a}",
    ):
        response = await client.get(path, headers=_token_of_nobody(app))
        assert response.status_code == 401, (path, response.text)
        assert response.json()["slug"] == "unauthenticated"


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_reusing_a_rotated_refresh_token_ends_its_whole_family(
    client: httpx.AsyncClient, world: World
) -> None:
    stolen = world.refresh_tokens["parent-1"]
    first = await _refresh(client, stolen)
    assert first.status_code == 200
    second = await _refresh(client, first.json()["refresh_token"])
    assert second.status_code == 200

    reused = await _refresh(client, stolen)

    assert reused.status_code == 401
    assert reused.json()["slug"] == "unauthenticated"
    assert (await _refresh(client, second.json()["refresh_token"])).status_code == 401


async def test_reuse_ends_only_its_own_family(client: httpx.AsyncClient, world: World) -> None:
    other_device = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:parent-1"})
    stolen = world.refresh_tokens["parent-1"]
    assert (await _refresh(client, stolen)).status_code == 200
    assert (await _refresh(client, stolen)).status_code == 401

    elsewhere = await _refresh(client, other_device.json()["refresh_token"])

    assert elsewhere.status_code == 200, elsewhere.text


CHILDS_RECORDS = (
    "/api/v1/students/{student}/attendance?term_id={term}",
    "/api/v1/students/{student}/statement?term_id={term}",
    "/api/v1/students/{student}/sessions",
    "/api/v1/students/{student}/sessions.ics",
)


async def test_a_childs_records_are_for_those_who_teach_the_child(
    client: httpx.AsyncClient, world: World
) -> None:
    for template in CHILDS_RECORDS:
        path = template.format(student=world.student_1, term=world.term_a)
        for login, status in (
            ("teacher-a301", 200),  # the child's class teacher
            ("care-a", 200),  # the child is in a basic-care group
            ("admin-a", 200),
            ("teacher-a302", 403),
        ):
            response = await client.get(path, headers=world.auth(login))
            assert response.status_code == status, (path, login, response.text)


async def test_a_care_teacher_follows_only_children_in_care_groups(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/students/{world.student_2}/attendance?term_id={world.term_a}"
    assert (await client.get(path, headers=world.auth("care-a"))).status_code == 403
    assert (await client.get(path, headers=world.auth("teacher-a302"))).status_code == 200


async def test_feedback_reaches_the_childs_teachers_and_the_administrators(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/schools/{world.school_a}/feedback"
    seen = {}
    for login in ("teacher-a301", "teacher-a302", "care-a", "admin-a", "parent-2"):
        response = await client.get(path, headers=world.auth(login))
        assert response.status_code == 200, (login, response.text)
        seen[login] = [item["id"] for item in response.json()["items"]]
    assert seen == {
        "teacher-a301": [world.feedback],
        "teacher-a302": [],
        "care-a": [world.feedback],
        "admin-a": [world.feedback],
        "parent-2": [],
    }
    answered = await client.post(
        f"/api/v1/feedback/{world.feedback}/answer",
        json={"text": "收到"},
        headers=world.auth("teacher-a301"),
    )
    assert answered.status_code == 200, answered.text


async def test_a_course_teacher_follows_the_children_of_their_course(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        teacher = User(name="编程老师", dev_login="coder")
        session.add(teacher)
        await session.flush()
        session.add(
            RoleGrant(user_id=teacher.id, role=Role.EXTERNAL_TEACHER, school_id=world.school_a)
        )
        course = await session.get(Course, world.course_a)
        assert course is not None
        course.teacher_id = teacher.id
    signed_in = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:coder"})
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    path = f"/api/v1/students/{world.student_1}/attendance?term_id={world.term_a}"
    assert (await client.get(path, headers=headers)).status_code == 403

    async with resources.sessionmaker() as session, session.begin():
        session.add(
            Enrollment(
                term_id=world.term_a, student_id=world.student_1, course_id=world.course_a,
                round=1, status=EnrollmentStatus.CONFIRMED, grabbed_at=datetime.now(UTC),
            )
        )  # fmt: skip

    assert (await client.get(path, headers=headers)).status_code == 200
