"""Running Alembic from the service: upgrade on start or from the CLI, and the readiness check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VERSIONS = PROJECT_ROOT / "migrations" / "versions"
_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    # Alembic is imported only where migrations run: API workers never load it (about 10 MB each).
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Alembic's ini interpolation treats % specially; URLs may hold percent-encoded characters.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    import time

    import structlog
    from alembic import command

    log = structlog.get_logger("app.migrations")
    log.info("migrating", to="head")
    started = time.monotonic()
    command.upgrade(alembic_config(database_url), "head")
    log.info("migrated", to="head", seconds=round(time.monotonic() - started, 2))


def downgrade_to_base(database_url: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), "base")


def _revisions() -> tuple[set[str], set[str]]:
    """Every revision of the migration files, and those another revision follows."""
    revisions, followed = set(), set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise RuntimeError(f"{path.name}: no revision header")
        revisions.add(revision.group(1))
        if down.group(1):
            followed.add(down.group(1))
    return revisions, followed


def head_revisions() -> frozenset[str]:
    """The newest revisions (those no other revision follows), read from the migration files'
    headers; a test holds this to Alembic's own answer."""
    revisions, followed = _revisions()
    return frozenset(revisions - followed)


def known_revisions() -> frozenset[str]:
    """Every revision this code knows: a database at a revision outside them was migrated by a
    newer release."""
    return frozenset(_revisions()[0])


MigrationState = Literal["at-head", "behind", "ahead"]


def migration_state(
    applied: frozenset[str], heads: frozenset[str], known: frozenset[str]
) -> MigrationState:
    """`ahead` when a newer release migrated the database (this one keeps serving while it is
    replaced: migrations add before they remove), `behind` when it needs `kehou migrate`."""
    if applied == heads:
        return "at-head"
    if applied and not applied <= known:
        return "ahead"
    return "behind"


async def applied_revisions(connection: AsyncConnection) -> frozenset[str]:
    """The revisions the database is at; empty when it was never migrated."""
    if await connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return frozenset()
    return frozenset(await connection.scalars(text("SELECT version_num FROM alembic_version")))
