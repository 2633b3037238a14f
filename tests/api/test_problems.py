"""Every error leaves as application/problem+json with a stable slug and nothing internal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

import app.domain.grab_errors  # noqa: F401  (registers the grab refusals)
from app.api.problems import (
    DOMAIN_STATUS,
    PROBLEM_MEDIA_TYPE,
    UnhandledErrors,
    install_problem_handlers,
)
from app.domain.errors import DomainError

LEAKY_MESSAGE = "SELECT password FROM guardians -- internal"


class Grab(BaseModel):
    model_config = ConfigDict(extra="forbid")
    student_id: int = Field(gt=0)
    course_id: int


def _all_domain_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.__subclasses__())
    return found


def build_probe_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(UnhandledErrors)
    install_problem_handlers(app)

    @app.get("/raise/{slug}")
    async def raise_domain(slug: str) -> None:
        for error_type in _all_domain_errors():
            if error_type.slug == slug:
                raise error_type("the course has no seats left", course_id=7)

    @app.post("/grabs")
    async def grab(body: Grab) -> Grab:
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(LEAKY_MESSAGE)

    return app


@pytest.fixture
async def probe() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_probe_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def test_every_domain_error_slug_has_a_status() -> None:
    missing = [e.__name__ for e in _all_domain_errors() if e.slug not in DOMAIN_STATUS]
    assert missing == []


@pytest.mark.parametrize("error_type", _all_domain_errors(), ids=lambda e: e.slug)
async def test_domain_errors_map_to_their_status_and_slug(
    probe: httpx.AsyncClient, error_type: type[DomainError]
) -> None:
    response = await probe.get(f"/raise/{error_type.slug}")
    body = response.json()
    assert response.status_code == DOMAIN_STATUS[error_type.slug]
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert body["slug"] == error_type.slug
    assert body["type"].endswith("/" + error_type.slug)
    assert body["title"] == f"{error_type.title_zh} / {error_type.title_en}"
    assert body["detail"] == "the course has no seats left"
    assert body["course_id"] == 7
    assert body["instance"] == f"/raise/{error_type.slug}"


async def test_validation_errors_name_each_field(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/grabs", json={"student_id": 0, "colour": "red"})
    body = response.json()
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert body["slug"] == "validation-error"
    locs = {item["loc"] for item in body["errors"]}
    assert locs == {"body.student_id", "body.course_id", "body.colour"}
    assert {item["type"] for item in body["errors"]} == {
        "greater_than",
        "missing",
        "extra_forbidden",
    }


async def test_malformed_json_is_a_validation_problem(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        "/grabs", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["slug"] == "validation-error"


async def test_unknown_route_and_wrong_method_are_problems(probe: httpx.AsyncClient) -> None:
    missing = await probe.get("/nowhere")
    wrong = await probe.delete("/grabs")
    assert (missing.status_code, missing.json()["slug"]) == (404, "not-found")
    assert (wrong.status_code, wrong.json()["slug"]) == (405, "method-not-allowed")
    assert wrong.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_unexpected_errors_reveal_nothing_internal(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/boom")
    assert response.status_code == 500
    assert response.json()["slug"] == "internal-error"
    assert "SELECT" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
