"""The route table: the resource routers' routes flat in the app's own table, dispatched by the
index of their leading segments to exactly the route the framework's in-order matching picks."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, Route

from app.api.route_table import RouteIndex
from app.main import create_app
from app.settings import Settings


def _scope(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http", "method": method, "path": path, "root_path": "", "headers": [],
        "query_string": b"",
    }  # fmt: skip


def _first_in_order(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            return route
    return None


def _index(app: FastAPI) -> RouteIndex:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    return index


def test_the_app_table_holds_the_routes_themselves(settings: Settings) -> None:
    app = create_app(settings)
    api_routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
    assert len(api_routes) > 100
    others = [r for r in app.router.routes if not isinstance(r, Route)]
    assert [getattr(r, "path", None) for r in others] == ["/docs-assets"]  # the docs' files
    assert {r.path for r in api_routes} >= {"/healthz", "/api/v1/terms/{term_id}/enrollments"}


def test_every_request_reaches_the_route_in_order_matching_would(settings: Settings) -> None:
    app = create_app(settings)
    index = _index(app)
    requests = [
        (method, re.sub(r"{[^}]+}", value, route.path))
        for route in app.router.routes
        if isinstance(route, Route)
        for method in sorted(route.methods or {"GET"})
        for value in ("1", "me", "2147483648")
    ]
    assert len(requests) > 300
    for method, path in requests:
        scope = _scope(method, path)
        found = index.match(scope)
        expected = _first_in_order(app.router.routes, scope)
        assert (found[0] if found else None) is expected, (method, path)


async def test_what_the_index_cannot_settle_is_the_framework_s(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/v1/added-after/{thing}", include_in_schema=False)
    async def added_after(thing: int) -> dict[str, int]:
        return {"thing": thing}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        added = await client.get("/api/v1/added-after/7")
        wrong_method = await client.delete("/healthz")
        unknown = await client.get("/api/v1/no-such-resource")
        slash = await client.get("/healthz/", follow_redirects=False)
        typed = await client.get("/api/v1/added-after/seven")
    assert (added.status_code, added.json()) == (200, {"thing": 7})
    assert wrong_method.status_code == 405
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert slash.status_code == 307
    assert slash.headers["location"].endswith("/healthz")
    assert typed.status_code == 422
