"""Fixtures: real servers once per run, a migrated database of the run's own, isolated Redis keys.

Engines: DATABASE_URL / REDIS_URL when set (CI's second pass uses the machine's servers), otherwise
embedded ones in `.data/test`. The run creates its own database on that server, migrates it with
`alembic upgrade head` and drops it at the end; tests share it and every table is emptied after
each test that touched it. Redis is never flushed: each test gets a key prefix of its own and the
run deletes exactly the keys under its prefix.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from app.embedded import RedisServer, servers_for
from app.grab.arming import arm_term
from app.main import create_app
from app.persistence.migrations import upgrade_to_head
from app.settings import Settings
from tests.support.clock import CHOSEN_DAY, school_clock
from tests.support.server import ServerProcess, free_port, serving
from tests.support.servers import (
    ServerUrls,
    create_database,
    drop_database,
    empty_every_table,
    redis_binary,
)
from tests.support.world import World, build_world, sign_in_everyone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]
RUN_KEY_PREFIX = f"kehou-test-{RUN_ID}:"


_test_numbers = itertools.count()


@pytest.fixture(scope="session")
def servers() -> Iterator[ServerUrls]:
    data_dir = Path(os.environ.get("KEHOU_TEST_DATA_DIR", PROJECT_ROOT / ".data" / "test"))
    configured = Settings(_env_file=None, data_dir=data_dir)
    with servers_for(configured) as running:
        assert running.database_url is not None
        assert running.redis_url is not None
        urls = ServerUrls(running.database_url, running.redis_url, configured.uses_embedded_servers)
        try:
            yield urls
        finally:
            delete_keys(urls.redis_url, RUN_KEY_PREFIX)


@pytest.fixture(scope="session")
def database_url(servers: ServerUrls) -> Iterator[str]:
    url = create_database(servers.server_database_url)
    try:
        upgrade_to_head(url)
        yield url
    finally:
        drop_database(url)


def delete_keys(redis_url: str, prefix: str) -> int:
    client = redis.Redis.from_url(redis_url)
    deleted = 0
    try:
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) == 500:
                deleted += client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += client.unlink(*batch)
    finally:
        client.close()
    return deleted


@pytest.fixture
def school_day(request: pytest.FixtureRequest) -> Iterator[date]:
    """The day the test runs on, as the app sees it: `CHOSEN_DAY` unless the test chooses
    another (`@pytest.mark.parametrize("school_day", [...], indirect=True)`). Request it before
    anything that reads the clock."""
    day: date = getattr(request, "param", CHOSEN_DAY)
    with school_clock(day):
        yield day


@pytest.fixture
def settings(servers: ServerUrls, database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        redis_url=servers.redis_url,
        redis_key_prefix=f"{RUN_KEY_PREFIX}{next(_test_numbers)}:",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        # Limits are tested on their own; elsewhere they would only get in the way.
        grab_limit_per_ip="1000000/minute",
        grab_limit_per_parent="1000000/minute",
        log_level="INFO",
    )


async def _empty_tables(database_url: str) -> None:
    database = create_async_engine(database_url)
    try:
        async with database.begin() as connection:
            await connection.execute(empty_every_table())
    finally:
        await database.dispose()


@pytest.fixture
async def clean_tables(settings: Settings) -> AsyncIterator[None]:
    """For tests that build an app of their own: empty every table afterwards."""
    yield
    await _empty_tables(settings.database_url or "")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    await _empty_tables(settings.database_url or "")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def quiet_app(settings: Settings, clean_tables: None) -> AsyncIterator[FastAPI]:
    """No background work (persister, scheduler, notice worker): the test decides what runs."""
    application = create_app(settings.model_copy(update={"background_tasks": False}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def quiet_client(quiet_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=quiet_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


@pytest.fixture
def server_env(settings: Settings) -> dict[str, str]:
    """Environment for a `kehou serve` child process on this test's database and key prefix."""
    return {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "KEHOU_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "KEHOU_ENVIRONMENT": "test",
        "KEHOU_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "KEHOU_ACCESS_LOG": "false",
        "KEHOU_GRAB_LIMIT_PER_IP": settings.grab_limit_per_ip,
        "KEHOU_GRAB_LIMIT_PER_PARENT": settings.grab_limit_per_parent,
    }


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    """The small fixed district of `tests.support.world`, everyone signed in."""
    resources = app.state.resources
    built = await build_world(resources.sessionmaker)
    await arm_term(resources.sessionmaker, resources.engine, built.term_a)
    return await sign_in_everyone(client, built)


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    """`kehou serve` as a real process on this test's database, ready to answer."""
    with serving(server_env, tmp_path / "server.log") as process:
        yield process


@pytest.fixture
def folder_outside_pytest() -> Iterator[Path]:
    """A temporary folder outside pytest's own, for a Postgres that runs as another user (under
    root): every pytest session run as root makes pytest's folder 0700 again when it starts, and
    one starting meanwhile would cut that Postgres off from its data mid-run."""
    folder = Path(tempfile.mkdtemp(prefix="kehou-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def scratch_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, for tests that flush the script cache or kill the server:
    never the shared one. The machine's redis-server when there is one, else the embedded one's."""
    server = RedisServer(redis_binary(), tmp_path / "scratch-redis", port=free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scratch_settings(settings: Settings, scratch_redis: RedisServer) -> Settings:
    return settings.model_copy(update={"redis_url": scratch_redis.url})
