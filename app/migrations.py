"""Running Alembic from the service: upgrade on start or from the CLI, and the readiness check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Alembic's ini interpolation treats % specially; URLs may hold percent-encoded characters.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def downgrade_to_base(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")


def head_revisions() -> frozenset[str]:
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return frozenset(script.get_heads())


async def applied_revisions(connection: AsyncConnection) -> frozenset[str]:
    """The revisions the database is at; empty when it was never migrated."""
    if await connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return frozenset()
    return frozenset(await connection.scalars(text("SELECT version_num FROM alembic_version")))
