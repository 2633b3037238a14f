"""Migrations build the schema from nothing, undo it completely, and match the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from app.domain.phones import e164_phone
from app.models.base import Base
from app.persistence.migrations import (
    PROJECT_ROOT,
    alembic_config,
    downgrade_to_base,
    head_revisions,
    known_revisions,
    migration_state,
    upgrade_to_head,
)
from tests.support.servers import ServerUrls, create_database, drop_database

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


@pytest.fixture
def empty_database(servers: ServerUrls) -> Iterator[str]:
    url = create_database(servers.server_database_url, prefix="kehou_test_migrations")
    try:
        yield url
    finally:
        drop_database(url)


def _sync(url: str) -> str:
    return url  # the psycopg driver serves both sync and async engines


def _tables(url: str) -> set[str]:
    database = create_engine(_sync(url))
    try:
        return set(inspect(database).get_table_names())
    finally:
        database.dispose()


def _drift(url: str) -> list[object]:
    database = create_engine(_sync(url))
    try:
        with database.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        database.dispose()


def test_upgrade_downgrade_upgrade_round_trip(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    model_tables = {table.name for table in Base.metadata.sorted_tables}
    assert _tables(empty_database) == model_tables | {"alembic_version"}
    assert _drift(empty_database) == []

    downgrade_to_base(empty_database)
    assert _tables(empty_database) <= {"alembic_version"}

    upgrade_to_head(empty_database)
    assert _tables(empty_database) == model_tables | {"alembic_version"}
    assert _drift(empty_database) == []


def test_one_head_and_date_slug_file_names() -> None:
    assert len(head_revisions()) == 1
    pattern = re.compile(r"^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-z]+_[a-z0-9_]+\.py$")
    names = [path.name for path in Path(VERSIONS).glob("*.py")]
    assert names
    assert [name for name in names if not pattern.match(name)] == []


def test_the_heads_read_from_the_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    heads = frozenset(script.get_heads())
    assert head_revisions() == heads
    assert len(heads) == 1


def test_a_database_a_newer_release_migrated_is_ahead_and_an_older_one_behind() -> None:
    heads, known = frozenset({"c"}), frozenset({"a", "b", "c"})
    assert migration_state(frozenset({"c"}), heads, known) == "at-head"
    assert migration_state(frozenset({"b"}), heads, known) == "behind"
    assert migration_state(frozenset(), heads, known) == "behind"  # never migrated
    assert migration_state(frozenset({"d"}), heads, known) == "ahead"  # not a revision it knows
    assert head_revisions() <= known_revisions()


def test_phones_stored_as_typed_become_e164(empty_database: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database), "0014auth")
    typed = [
        "138-0013-8001", "+86 139 0013 9002", "008613700137003", "010-12345678",
        "+1 415 555 0132", "12345", None,
    ]  # fmt: skip
    database = create_engine(_sync(empty_database))
    try:
        with database.begin() as connection:
            for n, phone in enumerate(typed):
                connection.execute(
                    text("INSERT INTO app_user (name, phone) VALUES (:name, :phone)"),
                    {"name": f"家长{n}", "phone": phone},
                )
        upgrade_to_head(empty_database)
        with database.connect() as connection:
            stored = list(connection.scalars(text("SELECT phone FROM app_user ORDER BY id")))
    finally:
        database.dispose()
    assert stored == [
        "+8613800138001", "+8613900139002", "+8613700137003", "+861012345678",
        "+14155550132",  # a foreign number stays foreign
        "12345",  # not a number: left as it was
        None,
    ]  # fmt: skip
    assert [e164_phone(p) for p in stored[:5]] == stored[:5]  # what the service writes now
