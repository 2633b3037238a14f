from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest

from app.main import create_app
from app.observability import AccessLog, configure_logging
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


def _memory_handler() -> tuple[logging.StreamHandler[io.StringIO], io.StringIO]:
    stream = io.StringIO()
    return logging.StreamHandler(stream), stream


async def test_access_lines_are_written_in_batches_and_none_is_lost() -> None:
    configure_logging("INFO", json=True)
    handler, stream = _memory_handler()
    access = AccessLog(handler, flush_s=3600, batch=4)
    for n in range(3):
        access.record(f"id-{n}", "POST", f"/p/{n}", 201, 1.5)
    assert stream.getvalue() == ""  # held: one write per batch
    access.record("id-3", "GET", "/p/3", 404, 0.25)  # the fourth fills the batch
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["id-0", "id-1", "id-2", "id-3"]
    assert lines[3] == {
        "method": "GET", "path": "/p/3", "status": 404, "duration_ms": 0.25, "event": "request",
        "request_id": "id-3", "level": "info", "logger": "app.access",
        "timestamp": lines[3]["timestamp"],
    }  # fmt: skip
    assert lines[3]["timestamp"].endswith("Z")
    access.record("id-4", "GET", "/p/4", 200, 1.0)
    access.flush()  # as the app does when it stops
    assert json.loads(stream.getvalue().splitlines()[-1])["request_id"] == "id-4"


async def test_a_lone_access_line_is_written_soon_after() -> None:
    configure_logging("INFO", json=True)
    handler, stream = _memory_handler()
    access = AccessLog(handler, flush_s=0.01, batch=1000)
    access.record("lone", "GET", "/healthz", 200, 0.5)
    for _ in range(500):  # the timer's turn comes after a few of the loop's
        if stream.getvalue():
            break
        await asyncio.sleep(0.01)
    assert json.loads(stream.getvalue())["request_id"] == "lone"


def test_no_access_lines_below_the_configured_level() -> None:
    configure_logging("WARNING", json=True)
    handler, stream = _memory_handler()
    access = AccessLog(handler, batch=1)
    access.record("quiet", "GET", "/healthz", 200, 0.5)
    assert stream.getvalue() == ""
