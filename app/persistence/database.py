"""The database as the service opens it: the async SQLAlchemy engine and the session maker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from app.settings import Settings


def async_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as ops write them) and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Called with +1 and -1 as a count changes.
CountChanged = Callable[[int], None]


class ObservedPool(AsyncAdaptedQueuePool):
    """The async queue pool, telling `on_wait` when a checkout finds no idle connection and must
    wait (for one to come back, or for a new one to connect) and when that wait ends."""

    on_wait: CountChanged | None = None

    def _do_get(self) -> ConnectionPoolEntry:
        # Nothing runs between this test and the checkout (no await): an idle connection seen
        # here is the one taken.
        if self.on_wait is None or self.checkedin() > 0:
            return super()._do_get()
        self.on_wait(1)
        try:
            return super()._do_get()
        finally:
            self.on_wait(-1)


def observe_pool(
    database: AsyncEngine, in_use: Callable[[int], None], waiting: CountChanged
) -> None:
    """Report the pool's connections in use (as a count) and checkouts waiting (as changes).
    In use counts the connections checked out and not yet back: a connection given back that was
    never handed out (a reconnect that failed at checkout) changes nothing."""
    pool = database.sync_engine.pool
    assert isinstance(pool, ObservedPool)
    pool.on_wait = waiting
    out: set[int] = set()

    def checked_out(_connection: Any, record: Any, _proxy: Any) -> None:
        out.add(id(record))
        in_use(len(out))

    def checked_in(_connection: Any, record: Any) -> None:
        out.discard(id(record))
        in_use(len(out))

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)


def make_database(settings: Settings) -> AsyncEngine:
    if settings.database_url is None:
        raise RuntimeError("no database URL: start the embedded servers or set DATABASE_URL")
    return create_async_engine(
        async_database_url(settings.database_url),
        poolclass=ObservedPool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=True,
        # An error's message would otherwise quote the statement's parameters: names, phone
        # and ID numbers of children and their guardians (PIPL art. 28). Never into a log.
        hide_parameters=True,
        # Server-side prepared statements break behind pgbouncer in transaction mode.
        connect_args={"prepare_threshold": None} if settings.db_behind_pgbouncer else {},
    )


def make_sessionmaker(database: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(database, expire_on_commit=False, autoflush=False)
