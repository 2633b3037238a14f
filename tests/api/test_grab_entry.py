"""The grab's fast entry answers the requests it can vouch for exactly as the documented route
does, and leaves to the route every request it cannot vouch for.

Two apps on one database and one engine: the app as built, and the same app without the entry
(the route alone). Each attempt goes to both, as two families in the same place of the same
sequence, and the two answers must agree. A spy on the entry's call of `answer_grab`, which only
the entry makes, tells which of the app's answers the entry gave."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api import grab_entry
from app.api.enrollments import answer_grab
from app.api.grab_entry import GrabEntry
from app.api.schemas.enrollments import GrabIn
from app.main import create_app
from app.resources import Resources
from app.settings import Settings
from tests.support.grabbing import Family, add_families, open_and_arm
from tests.support.world import World, build_world

# The parents' grab limit in these apps, low enough for a family's last attempt to be turned away.
PER_PARENT = 6
HEADERS_COMPARED = ("content-type", "retry-after", "www-authenticate", "location")
# What a client sees of an answer, less the values that name the family's own rows: the status,
# the slug (or the seat's status), the body's fields and the headers above.
Seen = tuple[int, str, list[str], dict[str, str]]


@dataclass(frozen=True)
class Side:
    """One of the two apps and the family that grabs through it."""

    name: str
    client: httpx.AsyncClient
    family: Family


@dataclass(frozen=True)
class Apps:
    resources: Resources
    world: World
    entry: Side  # the app as built: the entry in front of the route
    route: Side  # the same app without the entry
    stranger: Family  # a family of neither side
    by_entry: list[int]  # the status of every answer the entry gave


@dataclass(frozen=True)
class Attempt:
    what: str
    term_id: int
    key: str | None  # made the side's own; None sends no Idempotency-Key
    body: dict[str, Any] | bytes
    token: str | None = None  # else the side's family's
    content_type: str = "application/json"


def _without_entry(app: FastAPI) -> FastAPI:
    """The app with the entry taken out of its middleware, before its stack is first built."""
    entry: object = GrabEntry  # a middleware factory of its own, to the type checker
    app.user_middleware = [m for m in app.user_middleware if m.cls is not entry]
    return app


@pytest.fixture
async def apps(
    settings: Settings, clean_tables: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Apps]:
    by_entry: list[int] = []

    async def spy(
        request: Request, resources: Resources, term_id: int, body: GrabIn, user_id: int, key: str
    ) -> JSONResponse:
        answer = await answer_grab(request, resources, term_id, body, user_id, key)
        by_entry.append(answer.status_code)
        return answer

    monkeypatch.setattr(grab_entry, "answer_grab", spy)
    limited = settings.model_copy(
        update={"grab_limit_per_parent": f"{PER_PARENT}/minute", "background_tasks": False}
    )
    entry_app, route_app = create_app(limited), _without_entry(create_app(limited))
    async with (
        entry_app.router.lifespan_context(entry_app),
        route_app.router.lifespan_context(route_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=entry_app), base_url="http://t") as e,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=route_app), base_url="http://t") as r,
    ):
        resources: Resources = entry_app.state.resources
        world = await build_world(resources.sessionmaker)
        mine, theirs, stranger = await add_families(
            resources, world.school_a, world.class_a301, world.term_a, 3
        )
        await open_and_arm(resources, world.term_a)
        yield Apps(resources, world, Side("e", e, mine), Side("r", r, theirs), stranger, by_entry)


def _seen(response: httpx.Response) -> Seen:
    body = response.json()
    headers = {n: response.headers[n] for n in HEADERS_COMPARED if n in response.headers}
    return response.status_code, str(body.get("slug") or body.get("status")), sorted(body), headers


async def _send(side: Side, attempt: Attempt) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {side.family.token if attempt.token is None else attempt.token}",
        "Content-Type": attempt.content_type,
    }
    if attempt.key is not None:
        headers["Idempotency-Key"] = f"{side.name}-{attempt.key}"
    body = attempt.body
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await side.client.post(
        f"/api/v1/terms/{attempt.term_id}/enrollments", content=content, headers=headers
    )


async def _alike(
    apps: Apps, attempts: Callable[[Side], list[Attempt]], served: bool
) -> list[tuple[httpx.Response, Seen]]:
    """Each attempt through the app, then its twin through the route alone. The two answers
    agree; the entry gave the app's answer exactly when `served`, and never the route app's.
    The app's answers, in order."""
    answers = []
    for attempt, twin in zip(attempts(apps.entry), attempts(apps.route), strict=True):
        before = len(apps.by_entry)
        answer = await _send(apps.entry, attempt)
        by_entry = apps.by_entry[before:]
        assert by_entry == ([answer.status_code] if served else []), (
            f"{attempt.what}: {'not ' if served else ''}answered by the entry"
        )
        alone = await _send(apps.route, twin)
        assert len(apps.by_entry) == before + served, f"{attempt.what}: the route app's entry"
        assert _seen(answer) == _seen(alone), attempt.what
        answers.append((answer, _seen(answer)))
    return answers


async def test_what_the_entry_serves_it_answers_as_the_route_does(apps: Apps) -> None:
    world, stranger = apps.world, apps.stranger
    gone = apps.resources.signer.issue(2**31 - 2)  # a good signature for no account

    def attempts(side: Side) -> list[Attempt]:
        seat = {"student_id": side.family.student_id, "course_id": world.course_a}
        term = world.term_a
        return [
            Attempt("a seat", term, "k1", seat),
            Attempt("the same attempt again", term, "k1", seat),
            Attempt("another attempt at the seat held", term, "k2", seat),
            Attempt("the key again, for another course", term, "k1",
                    {**seat, "course_id": world.course_a + 10_000}),
            Attempt("a child not the caller's", term, "k3",
                    {**seat, "student_id": stranger.student_id}),
            Attempt("an account that is gone", term, "k4", seat, token=gone),
            Attempt("a term of another school", world.term_b, "k5", seat),
            Attempt("one more", term, "k6", seat),
            Attempt("past the parent's limit", term, "k7", seat),
        ]  # fmt: skip

    answers = await _alike(apps, attempts, served=True)
    assert [(status, slug) for _, (status, slug, _, _) in answers] == [
        (201, "confirmed"),
        (201, "confirmed"),
        (409, "already-enrolled"),
        (422, "idempotency-key-reused"),
        (403, "not-your-child"),
        (401, "unauthenticated"),
        (422, "rule-violation"),
        (409, "already-enrolled"),
        (429, "rate-limited"),
    ]
    (seat, _), (again, _) = answers[:2]
    assert again.json() == seat.json()  # the attempt sent again is the same seat
    assert sorted(seat.json()) == ["course_id", "created_at", "id", "round", "status", "student_id"]
    assert seat.headers["content-type"] == "application/json"
    assert {answer.headers["content-type"] for answer, _ in answers[2:]} == {
        "application/problem+json"
    }
    assert answers[5][0].headers["www-authenticate"] == "Bearer"
    assert int(answers[-1][0].headers["retry-after"]) > 0


async def test_what_the_entry_cannot_vouch_for_gets_the_routes_errors(apps: Apps) -> None:
    world = apps.world

    def attempts(side: Side) -> list[Attempt]:
        seat = {"student_id": side.family.student_id, "course_id": world.course_a}
        term = world.term_a
        return [
            Attempt("no Idempotency-Key", term, None, seat),
            Attempt("a key of spaces", term, "has spaces", seat),
            Attempt("a key too long", term, "k" * 64, seat),
            Attempt("a token that is not one", term, "k1", seat, token="nonsense"),
            Attempt("no token", term, "k2", seat, token=""),
            Attempt("a field too many", term, "k3", {**seat, "extra": 1}),
            Attempt("a field of the wrong type", term, "k4", {**seat, "student_id": "x"}),
            Attempt("not JSON", term, "k5", b"student_id=1"),
            Attempt("a term id past the column's", 2**31, "k6", seat),
            # The entry takes application/json only; the route also reads a `+json` type.
            Attempt("a JSON type of ours", term, "k7", seat,
                    content_type="application/vnd.kehou+json"),
        ]  # fmt: skip

    answers = await _alike(apps, attempts, served=False)
    assert [(status, slug) for _, (status, slug, _, _) in answers] == [
        (400, "idempotency-key-missing"),
        (422, "validation-error"),
        (422, "validation-error"),
        (401, "unauthenticated"),
        (401, "unauthenticated"),
        (422, "validation-error"),
        (422, "validation-error"),
        (422, "validation-error"),
        (422, "validation-error"),
        (201, "confirmed"),
    ]

    def then(side: Side) -> list[Attempt]:
        seat = {"student_id": side.family.student_id, "course_id": world.course_a}
        return [Attempt("the same, as application/json", world.term_a, "k8", seat)]

    [(answer, _)] = await _alike(apps, then, served=True)  # and the entry is there
    assert answer.json()["slug"] == "already-enrolled"
