"""The real Postgres and Redis the suite runs on, and a database of its own on that server."""

from __future__ import annotations

from dataclasses import dataclass

from app.dbadmin import create_database, drop_database

__all__ = ["EngineUrls", "create_database", "drop_database"]


@dataclass(frozen=True)
class EngineUrls:
    server_database_url: str  # a database on the server we may connect to, to create others
    redis_url: str
    embedded: bool
