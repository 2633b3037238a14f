"""Input no one should send, sent anyway: every route answers it with a 4xx problem, never a 5xx.

The routes come from the OpenAPI document and their valid requests from the route catalog, so a
new route is covered the day it is added.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.support.route_catalog import CATALOG, Call
from tests.support.world import World

BEYOND_INTEGER = 2**31
PATH_ID = re.compile(r"\{\w+_id\}")


class _AnyUser(dict[str, int]):
    def __missing__(self, login: str) -> int:
        return 1


JSON_WRITES = [
    (method, path)
    for (method, path), spec in CATALOG.items()
    if method in ("POST", "PUT", "PATCH") and spec(World(users=_AnyUser())).json
]


def _string_fields(body: Any, where: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(body, str):
        return [where]
    if isinstance(body, dict):
        return [
            found for key, inner in body.items() for found in _string_fields(inner, (*where, key))
        ]
    if isinstance(body, list):
        return [
            found for i, inner in enumerate(body) for found in _string_fields(inner, (*where, i))
        ]
    return []


def _with(body: Any, where: tuple[str | int, ...], value: str) -> Any:
    if not where:
        return value
    head, *rest = where
    if isinstance(body, dict):
        return {**body, head: _with(body[head], tuple(rest), value)}
    copy = list(body)
    copy[int(head)] = _with(copy[int(head)], tuple(rest), value)
    return copy


async def test_ids_beyond_a_postgres_integer_are_a_422_on_every_route(
    client: httpx.AsyncClient, world: World, app: FastAPI
) -> None:
    answers: dict[str, int] = {}
    for route, operations in app.openapi()["paths"].items():
        if not PATH_ID.search(route):
            continue
        for method in operations:
            call = CATALOG[(method.upper(), route)](world)
            path = PATH_ID.sub(str(BEYOND_INTEGER), route)
            response = await client.request(
                method.upper(), path, json=call.json, params=call.params,
                files=call.files, headers=world.auth("district-admin"),
            )  # fmt: skip
            answers[f"{method.upper()} {route}"] = response.status_code
            if response.status_code == 422:
                assert response.headers["content-type"] == "application/problem+json"
    assert len(answers) > 80
    assert {route: status for route, status in answers.items() if status != 422} == {}


async def test_pages_and_query_ids_beyond_integer_are_a_422(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin-a")
    for path, params in (
        (f"/api/v1/schools/{world.school_a}/students", {"page": 2**63}),
        (f"/api/v1/schools/{world.school_a}/students", {"class_id": BEYOND_INTEGER}),
        (f"/api/v1/terms/{world.term_a}/sessions", {"course_id": BEYOND_INTEGER}),
        (f"/api/v1/students/{world.student_1}/readiness", {"term_id": BEYOND_INTEGER}),
    ):
        response = await client.get(path, params=params, headers=admin)
        assert response.status_code == 422, (path, params, response.text)


@pytest.mark.parametrize(("method", "path"), JSON_WRITES, ids=[f"{m} {p}" for m, p in JSON_WRITES])
async def test_control_characters_in_any_text_field_are_a_422_naming_it(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    call: Call = CATALOG[(method, path)](world)
    fields = _string_fields(call.json)
    for where in fields:
        for poison in ("\u0000", "\u0007", "\u009b"):
            body = _with(call.json, where, f"a{poison}b")
            response = await client.request(
                method, call.path, json=body, params=call.params,
                headers=world.auth("district-admin"),
            )  # fmt: skip
            assert response.status_code == 422, (where, poison, response.text)
            problem = response.json()
            assert problem["slug"] == "validation-error"
            named = [error["loc"] for error in problem["errors"]]
            field = ".".join(str(part) for part in ("body", *where))
            assert any(loc.startswith(field) for loc in named), (field, named)


async def test_a_nul_in_an_unauthenticated_sign_in_is_a_422_and_the_app_goes_on(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:\u0000admin-a"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == "body.auth_code"
    signed_in = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:admin-a"})
    assert signed_in.status_code == 200


async def test_a_signed_token_naming_an_impossible_user_is_a_401(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    signer = app.state.resources.signer
    for user_id in (2**63, 2**31, 0):
        token = signer.issue(user_id)
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (user_id, response.text)
        assert response.json()["slug"] == "unauthenticated"


async def test_null_for_a_field_that_cannot_be_empty_is_a_422(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin-a")
    term = (await client.get(f"/api/v1/terms/{world.term_a}", headers=admin)).json()
    for field in ("opens_at", "name", "starts_on"):
        response = await client.patch(
            f"/api/v1/terms/{world.term_a}",
            json={"version": term["version"], field: None},
            headers=admin,
        )
        assert response.status_code == 422, (field, response.text)
    student = (await client.get(f"/api/v1/students/{world.student_1}", headers=admin)).json()
    response = await client.patch(
        f"/api/v1/students/{world.student_1}",
        json={"version": student["version"], "class_id": None},
        headers=admin,
    )
    assert response.status_code == 422
    unchanged = (await client.get(f"/api/v1/terms/{world.term_a}", headers=admin)).json()
    assert unchanged == term


async def test_a_course_for_a_grade_that_does_not_exist_is_a_422(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin-a")
    course = (await client.get(f"/api/v1/courses/{world.course_a}", headers=admin)).json()
    response = await client.patch(
        f"/api/v1/courses/{world.course_a}",
        json={"version": course["version"], "grades": [0]},
        headers=admin,
    )
    assert response.status_code == 422, response.text


async def test_an_exhausted_database_pool_is_a_503_with_retry_after(settings: Settings) -> None:
    crowded = settings.model_copy(
        update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_s": 0.2}
    )
    app = create_app(crowded)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            database = app.state.resources.database
            async with database.connect() as held:  # the pool's only connection
                await held.exec_driver_sql("SELECT 1")
                response = await client.post(
                    "/api/v1/auth/dingtalk", json={"auth_code": "dev:nobody"}
                )
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["slug"] == "database-unavailable"
            after = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:nobody"})
            assert after.status_code != 503


async def test_a_time_of_day_is_text_on_the_school_clock(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin-a")
    for bad in (0, 3600, "16:00+08:00", "16:00:00.5", "24:00"):
        response = await client.put(
            f"/api/v1/terms/{world.term_a}/grade-schedules/3",
            json={
                "start_time": "15:05", "end_time": "17:30", "summer_end_time": bad,
                "weekdays": [1, 3, 5],
            },
            headers=admin,
        )  # fmt: skip
        assert response.status_code == 422, (bad, response.text)
