"""Every route × six callers, against the checked-in table `authorization_matrix.csv`.

The subject of every request is school A, its class 301, its student 1 (parent-1's child) and its
term and course. The callers: nobody signed in; parent-1; parent-2 (a family of the same school,
not of student 1); the class teacher of 302 (not 301); the administrator of school B; the
district's administrator.

A cell says `U` (401: sign in first), `D` (403: denied), `A` (allowed: any answer but 401/403), or
`P` (public: the same answer with and without a token). A route missing from the table, or a row
for a route that no longer exists, fails the test.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from starlette.types import Message

from app.main import create_app
from app.settings import Settings
from tests.support.route_catalog import CATALOG, Call
from tests.support.world import World

TABLE = Path(__file__).with_name("authorization_matrix.csv")
CALLERS = {
    "anonymous": None,
    "parent": "parent-1",
    "other_parent": "parent-2",
    "other_class_teacher": "teacher-a302",
    "other_school_admin": "admin-b",
    "district_admin": "district-admin",
}


def _table() -> dict[tuple[str, str], dict[str, str]]:
    with TABLE.open(encoding="utf-8") as handle:
        return {(row.pop("method"), row.pop("path")): row for row in csv.DictReader(handle)}


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, included routers flattened."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            assert context.path == "/docs-assets", f"unexpected mount {context.path}"
            continue
        assert context.path is not None
        assert context.methods, f"a route without methods: {context.path}"
        for method in context.methods:
            if method != "HEAD":
                found.add((method, context.path))
    return found


def test_every_route_has_a_row_and_every_row_a_route(settings: Settings) -> None:
    routes = _app_routes(create_app(settings))
    table = set(_table())
    assert routes - table == set(), "routes without a row in authorization_matrix.csv"
    assert table - routes == set(), "rows for routes that do not exist"
    assert set(CATALOG) == table, "the request catalogue must cover exactly the table"


async def _call(
    client: httpx.AsyncClient, app: FastAPI, method: str, call: Call, token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= call.headers or {}
    if call.endless:
        return await _head_of_endless_answer(app, method, call, headers)
    return await client.request(
        method, call.path, json=call.json, params=call.params, files=call.files, headers=headers
    )


async def _head_of_endless_answer(
    app: FastAPI, method: str, call: Call, headers: dict[str, str]
) -> httpx.Response:
    """An answer that may never end (the seat stream), taken as soon as the app has said what it
    is: a refusal comes whole, an accepted stream comes as a status and a first chunk. The
    in-process transport would wait for a body that never ends."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": call.path, "raw_path": call.path.encode(),
        "query_string": str(httpx.QueryParams(call.params or {})).encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("t", 80), "root_path": "",
    }  # fmt: skip
    decided: asyncio.Future[httpx.Response] = asyncio.get_running_loop().create_future()
    disconnected = asyncio.Event()
    status, body = 0, b""
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = int(str(message["status"]))
        elif message["type"] == "http.response.body" and not decided.done():
            body += bytes(message.get("body", b""))
            if not message.get("more_body") or status == 200:
                content = body if not message.get("more_body") else b'{"stream": "open"}'
                decided.set_result(httpx.Response(status, content=content))

    answering = asyncio.create_task(app(scope, receive, send))
    try:
        return await decided
    finally:
        disconnected.set()
        answering.cancel()
        await asyncio.gather(answering, return_exceptions=True)


@pytest.mark.parametrize(("method", "path"), sorted(_table()), ids=lambda value: str(value))
async def test_route_authorisation(
    method: str, path: str, world: World, app: FastAPI, client: httpx.AsyncClient
) -> None:
    expected = _table()[(method, path)]
    call = CATALOG[(method, path)](world)
    outcomes = {}
    # Denials first, so that an allowed write cannot change what a later denial sees.
    order = sorted(CALLERS, key=lambda caller: expected[caller] != "D")
    for caller in order:
        login = CALLERS[caller]
        response = await _call(client, app, method, call, world.tokens[login] if login else None)
        outcomes[caller] = response.status_code
        want = expected[caller]
        if want == "U":
            assert response.status_code == 401, (caller, response.text)
        elif want == "D":
            assert response.status_code == 403, (caller, response.text)
            assert response.json()["slug"] in {"forbidden", "not-your-child"}
        elif want == "A":
            assert response.status_code not in (401, 403), (caller, response.text)
            assert response.status_code < 500, (caller, response.text)
        else:
            assert response.status_code == outcomes["anonymous"], (caller, response.text)
