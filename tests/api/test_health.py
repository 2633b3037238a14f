from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.embedded import RedisServer
from app.main import create_app
from app.settings import Settings
from tests.support.servers import create_database, drop_database, redis_binary

REDIS_BINARY = "/usr/bin/redis-server"


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert "every-write" in body.pop("redis_persistence")  # "every-write" or "not-every-write …"
    assert body == {"status": "ready", "postgres": "ok", "redis": "ok", "migrations": "at-head"}


@pytest.mark.parametrize(
    ("persistence", "reported"),
    [
        (["--appendonly", "yes", "--appendfsync", "always"], "every-write"),
        (["--appendonly", "yes", "--appendfsync", "everysec"],
         "not-every-write (appendonly yes, appendfsync everysec)"),
        ([], "not-every-write (appendonly no, appendfsync everysec)"),
    ],
)  # fmt: skip
async def test_readyz_says_whether_redis_keeps_every_write(
    settings: Settings, tmp_path: Path, persistence: list[str], reported: str
) -> None:
    redis = RedisServer(redis_binary(), tmp_path / "redis", extra_args=persistence).start()
    try:
        app = create_app(settings.model_copy(update={"redis_url": redis.url}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/readyz")
    finally:
        redis.stop()
    assert response.status_code == 200
    assert response.json()["redis_persistence"] == reported


async def test_readyz_is_not_ready_when_migrations_are_behind(settings: Settings) -> None:
    unmigrated = create_database(settings.database_url or "", prefix="kehou_test_unmigrated")
    try:
        app = create_app(settings.model_copy(update={"database_url": unmigrated}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/readyz")
    finally:
        drop_database(unmigrated)
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind"
    assert response.json()["status"] == "not-ready"


@pytest.mark.skipif(not Path(REDIS_BINARY).exists(), reason="needs the machine's redis-server")
async def test_readyz_is_not_ready_when_redis_goes_away(settings: Settings, tmp_path: Path) -> None:
    throwaway = RedisServer(REDIS_BINARY, tmp_path / "redis").start()
    try:
        # A deadline no busy machine reaches: the answer must come from the refused connection,
        # and Postgres must read as ok however long Redis takes to fail.
        app = create_app(
            settings.model_copy(update={"redis_url": throwaway.url, "readiness_timeout_s": 60.0})
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/readyz")).status_code == 200
                throwaway.kill()
                response = await client.get("/readyz")
    finally:
        throwaway.stop()
    assert response.status_code == 503
    assert response.json()["redis"] == "failing"
    assert response.json()["postgres"] == "ok"
