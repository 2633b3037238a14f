"""A database of the benchmark's own on the configured engines (or the embedded ones), migrated
to head, dropped afterwards, and Redis keys under a prefix of its own, removed afterwards:
benchmarks never touch another database's data nor another prefix's keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from app.embedded import servers_for
from app.persistence.admin import create_database, drop_database
from app.persistence.migrations import upgrade_to_head
from app.settings import Settings


@contextmanager
def scratch_database(base: Settings, prefix: str = "kehou_bench") -> Iterator[Settings]:
    """`base` with the engines running and `database_url` pointing at a fresh database."""
    with servers_for(base) as running:
        assert running.database_url is not None
        database_url = create_database(running.database_url, prefix=prefix)
        try:
            upgrade_to_head(database_url)
            yield running.model_copy(update={"database_url": database_url})
        finally:
            drop_database(database_url)


def bench_settings() -> Settings:
    """A benchmark's settings: quiet, and a Redis key prefix of its own (the Redis may hold an
    earlier run's terms under the same ids)."""
    return Settings(
        log_level="WARNING",
        access_log=False,
        data_dir=Path(".data/bench"),
        redis_key_prefix=f"kehou-bench-{uuid.uuid4().hex[:8]}:",
    )


def forget_keys(redis_url: str, prefix: str) -> int:
    """Remove every key under `prefix` (never the others: the Redis may be shared)."""
    client = redis.Redis.from_url(redis_url)
    try:
        removed = 0
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                removed += int(client.unlink(*batch))
                batch = []
        if batch:
            removed += int(client.unlink(*batch))
        return removed
    finally:
        client.close()
