"""The embedded servers' own bookkeeping: what a worker is told, and a data folder from an earlier
PostgreSQL major version."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.embedded import (
    EMBEDDED_SERVERS_ENV,
    EmbeddedPostgres,
    export_urls,
    exported_embedded_servers,
)


def test_workers_learn_which_servers_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", EMBEDDED_SERVERS_ENV):
        monkeypatch.delenv(name, raising=False)
    assert exported_embedded_servers() == []
    export_urls(None, "unix:///tmp/redis.sock?db=0")
    assert exported_embedded_servers() == ["redis"]
    export_urls("postgresql+psycopg://postgres:@/kehou?host=/tmp", "unix:///tmp/redis.sock?db=0")
    assert exported_embedded_servers() == ["postgres", "redis"]


def test_a_cluster_of_another_major_version_is_set_aside_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "postgres"
    folder.mkdir()
    (folder / "PG_VERSION").write_text("16\n")
    (folder / "base").mkdir()
    (tmp_path / "postgres-16").mkdir()  # an earlier one already set aside stays as it is
    EmbeddedPostgres(folder)._set_aside_other_major()
    assert not folder.exists()
    kept = tmp_path / "postgres-16.2"
    assert (kept / "PG_VERSION").read_text() == "16\n"
    assert (kept / "base").is_dir()
    assert (tmp_path / "postgres-16").is_dir()


def test_a_cluster_of_this_major_version_stays(tmp_path: Path) -> None:
    from app.embedded import _bundled_postgres_major

    folder = tmp_path / "postgres"
    folder.mkdir()
    (folder / "PG_VERSION").write_text(_bundled_postgres_major() + "\n")
    EmbeddedPostgres(folder)._set_aside_other_major()
    assert (folder / "PG_VERSION").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["postgres"]
