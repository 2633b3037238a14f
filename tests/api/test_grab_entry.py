"""The grab's fast entry answers exactly as the documented route does, and leaves to the route
every request it cannot vouch for."""

from __future__ import annotations

import uuid

import httpx

from app.resources import Resources
from tests.support.grabbing import Family, add_families, open_and_arm
from tests.support.world import World


def _shape(answer: httpx.Response) -> tuple[int, str, list[str]]:
    body = answer.json()
    return answer.status_code, str(body.get("slug") or body.get("status")), sorted(body)


async def test_the_entry_and_the_route_answer_alike(
    client: httpx.AsyncClient, app: object, world: World
) -> None:
    resources: Resources = app.state.resources  # type: ignore[attr-defined]
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 4)
    await open_and_arm(resources, world.term_a)
    url = f"/api/v1/terms/{world.term_a}/enrollments"

    async def send(family: Family, via_route: bool, **extra: str) -> httpx.Response:
        headers = {**family.headers, "Idempotency-Key": uuid.uuid4().hex, **extra}
        body = f'{{"student_id": {family.student_id}, "course_id": {world.course_a}}}'
        # The entry takes application/json only; the route also reads a `+json` type.
        headers["Content-Type"] = "application/vnd.kehou+json" if via_route else "application/json"
        return await client.post(url, content=body.encode(), headers=headers)

    entry_seat, route_seat = await send(families[0], False), await send(families[1], True)
    assert _shape(entry_seat) == _shape(route_seat) == (201, "confirmed", sorted(
        ["id", "student_id", "course_id", "status", "round", "created_at"]
    ))  # fmt: skip
    entry_again, route_again = await send(families[0], False), await send(families[1], True)
    assert _shape(entry_again) == _shape(route_again)
    assert entry_again.json()["slug"] == "already-enrolled"
    assert entry_again.headers["content-type"] == route_again.headers["content-type"]
    stranger = Family(families[2].student_id, families[3].user_id, families[3].token)
    assert _shape(await send(stranger, False)) == _shape(await send(stranger, True))
    assert (await send(stranger, False)).status_code == 403


async def test_what_the_entry_cannot_vouch_for_gets_the_routes_errors(
    client: httpx.AsyncClient, app: object, world: World
) -> None:
    resources: Resources = app.state.resources  # type: ignore[attr-defined]
    [family] = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    await open_and_arm(resources, world.term_a)
    url = f"/api/v1/terms/{world.term_a}/enrollments"
    good = {"student_id": family.student_id, "course_id": world.course_a}
    cases = [
        ({**family.headers}, good, 400, "idempotency-key-missing"),
        ({**family.headers, "Idempotency-Key": "has spaces"}, good, 422, "validation-error"),
        ({"Authorization": "Bearer nonsense", "Idempotency-Key": "k1"}, good, 401, "unauthenticated"),
        ({**family.headers, "Idempotency-Key": "k2"}, {**good, "extra": 1}, 422, "validation-error"),
        ({**family.headers, "Idempotency-Key": "k3"}, {"student_id": "x"}, 422, "validation-error"),
    ]  # fmt: skip
    for headers, body, status, slug in cases:
        answer = await client.post(url, json=body, headers=headers)
        assert (answer.status_code, answer.json()["slug"]) == (status, slug), answer.text
