"""Creating and dropping whole databases on a server: for tests, benchmarks and rehearsals."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from app.persistence.database import async_database_url


def libpq_url(url: str) -> str:
    return (
        make_url(async_database_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def create_database(server_url: str, prefix: str = "kehou_test") -> str:
    """Create an empty database next to `server_url`'s and return its URL (psycopg driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
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
    with psycopg.connect(libpq_url(server), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database))
        )
