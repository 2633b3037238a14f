"""Browsers on the district's own origins may call the API (CORS, `KEHOU_CORS_ORIGINS`); others
are not answered with an allowance, and without the setting no origin is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings

ORIGIN = "https://kehou.example.edu.cn"


@pytest.fixture
async def cors_app(settings: Settings, clean_tables: None) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"cors_origins": [ORIGIN], "background_tasks": False})
    )
    async with application.router.lifespan_context(application):
        yield application


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }


async def test_the_grab_may_be_called_from_the_districts_origin(cors_app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=cors_app), base_url="http://t"
    ) as browser:
        asked = await browser.options("/api/v1/terms/1/enrollments", headers=preflight(ORIGIN))
        assert asked.status_code == 200
        assert asked.headers["access-control-allow-origin"] == ORIGIN
        allowed = asked.headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type", "idempotency-key"} <= {
            header.strip() for header in allowed.split(",")
        }
        read = await browser.get("/healthz", headers={"Origin": ORIGIN})
        assert read.headers["access-control-allow-origin"] == ORIGIN
        assert "etag" in read.headers["access-control-expose-headers"].lower()


async def test_another_origin_gets_no_allowance(cors_app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=cors_app), base_url="http://t"
    ) as browser:
        asked = await browser.options(
            "/api/v1/terms/1/enrollments", headers=preflight("https://elsewhere.example")
        )
        assert asked.status_code == 400
        assert "access-control-allow-origin" not in asked.headers
        read = await browser.get("/healthz", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in read.headers


async def test_without_the_setting_no_origin_is_allowed(client: httpx.AsyncClient) -> None:
    read = await client.get("/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in read.headers


@pytest.mark.parametrize(
    "origins", ["kehou.example.edu.cn", "https://kehou.example.edu.cn/app", "ftp://x.example"]
)
def test_an_origin_setting_that_is_no_origin_is_refused(origins: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        Settings(_env_file=None, cors_origins=origins)
