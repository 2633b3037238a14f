"""The real Postgres and Redis the suite runs on, and a database of its own on that server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import TextClause, text

from app.embedded import embedded_redis_binary
from app.models.base import Base
from app.persistence.admin import create_database, drop_database

__all__ = ["ServerUrls", "create_database", "drop_database", "empty_every_table", "redis_binary"]
MACHINE_REDIS = Path("/usr/bin/redis-server")


def redis_binary() -> str:
    """For a Redis of a test's own: the machine's redis-server when there is one, else the
    valkey-server the embedded Redis runs on."""
    if MACHINE_REDIS.exists():
        return str(MACHINE_REDIS)
    return embedded_redis_binary()


def empty_every_table() -> TextClause:
    """TRUNCATE of every table of test data. The database's identity is not test data: it names
    the database for the whole run, as it does a deployment's."""
    names = ", ".join(
        f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "database_identity"
    )
    return text(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@dataclass(frozen=True)
class ServerUrls:
    server_database_url: str  # a database on the server we may connect to, to create others
    redis_url: str
    embedded: bool
