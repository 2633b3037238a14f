from __future__ import annotations

import json
import logging

import httpx
import pytest

from app.main import create_app
from app.observability import configure_logging
from app.settings import Settings


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def test_requests_get_an_id_that_is_echoed_and_logged(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            kept = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
            fresh = await client.get("/healthz")
            hostile = await client.get("/healthz", headers={"X-Request-ID": 'x"}\n{evil'})
    assert kept.headers["x-request-id"] == "abc-123"
    assert len(fresh.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != 'x"}\n{evil'

    records = _json_lines(capsys.readouterr().out)
    access = [r for r in records if r.get("logger") == "app.access"]
    assert {r["request_id"] for r in access} >= {"abc-123", fresh.headers["x-request-id"]}
    assert all(r["path"] == "/healthz" and r["status"] == 200 for r in access)
    engines = [r for r in records if r.get("event") == "engines"]
    assert engines
    assert engines[0]["postgres_version"]
    assert engines[0]["redis_version"]


async def test_metrics_are_exposed_for_prometheus(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/docs")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" in response.text
    assert 'handler="/docs"' in response.text


def test_a_worker_uvicorn_replaces_is_logged_as_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("WARNING", json=True)
    supervisor = logging.getLogger("uvicorn.error")
    supervisor.info("Child process [4242] died")
    supervisor.info("Started parent process [4241]")
    records = _json_lines(capsys.readouterr().out)
    assert [(r["event"], r["level"]) for r in records] == [("Child process [4242] died", "warning")]
