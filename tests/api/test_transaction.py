"""The request's transaction commits before the answer leaves.

A deferred constraint is only checked at COMMIT. If the session dependency committed after the
response (FastAPI's default for dependencies with yield), the client would get 201 for a write that
then failed; here the failed commit must become the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.api.deps import SessionDep

TABLE = "probe_deferred_commit"


@pytest.fixture
async def probe_table(database_url: str) -> AsyncIterator[None]:
    database = create_async_engine(database_url)
    async with database.begin() as connection:
        await connection.execute(
            text(
                f"CREATE TABLE {TABLE} (key text, "
                "CONSTRAINT uq_probe UNIQUE (key) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    try:
        yield
    finally:
        async with database.begin() as connection:
            await connection.execute(text(f"DROP TABLE {TABLE}"))
        await database.dispose()


@pytest.fixture
async def probe_client(app: FastAPI, probe_table: None) -> AsyncIterator[httpx.AsyncClient]:
    @app.post("/probe/{key}", status_code=201)
    async def write(key: str, session: SessionDep) -> dict[str, str]:
        await session.execute(text(f"INSERT INTO {TABLE} (key) VALUES (:key)"), {"key": key})
        return {"key": key}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


async def _rows(database_url: str, key: str) -> int:
    database = create_async_engine(database_url)
    try:
        async with database.connect() as connection:
            count = await connection.scalar(
                text(f"SELECT count(*) FROM {TABLE} WHERE key = :key"), {"key": key}
            )
    finally:
        await database.dispose()
    return int(count or 0)


async def test_a_201_is_committed_when_the_client_reads_it(
    probe_client: httpx.AsyncClient, database_url: str
) -> None:
    response = await probe_client.post("/probe/a")
    assert response.status_code == 201
    assert await _rows(database_url, "a") == 1


async def test_a_failed_commit_is_never_answered_with_success(
    probe_client: httpx.AsyncClient, database_url: str
) -> None:
    assert (await probe_client.post("/probe/b")).status_code == 201
    second = await probe_client.post("/probe/b")
    # The commit broke a unique key: a conflict with what is recorded, never a success.
    assert second.status_code == 409
    assert second.json()["slug"] == "conflict"
    assert await _rows(database_url, "b") == 1
