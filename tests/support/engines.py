"""The real Postgres and Redis the suite runs on, and a database of its own on that server."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from app.db import async_database_url
from app.embedded import EmbeddedEngines


@dataclass(frozen=True)
class EngineUrls:
    server_database_url: str  # a database on the server we may connect to, to create others
    redis_url: str
    embedded: bool


def start_engines(data_dir: Path) -> tuple[EngineUrls, EmbeddedEngines | None]:
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    embedded = None
    if database_url is None or redis_url is None:
        embedded = EmbeddedEngines(data_dir)
        started_db, started_redis = embedded.start(database_url is None, redis_url is None)
        database_url = database_url or started_db
        redis_url = redis_url or started_redis
    assert database_url is not None
    assert redis_url is not None
    return EngineUrls(database_url, redis_url, embedded is not None), embedded


def _libpq_url(url: str) -> str:
    return (
        make_url(async_database_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def create_database(server_url: str, prefix: str = "kehou_test") -> str:
    """Create an empty database next to `server_url`'s and return its URL (psycopg driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq_url(server_url), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return (
        make_url(async_database_url(server_url))
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    assert url.database is not None
    server = url.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_libpq_url(server), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database))
        )
