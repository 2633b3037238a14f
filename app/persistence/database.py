"""The database as the service opens it: the async SQLAlchemy engine and the session maker."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.settings import Settings


def async_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as ops write them) and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_database(settings: Settings) -> AsyncEngine:
    if settings.database_url is None:
        raise RuntimeError("no database URL: start the embedded servers or set DATABASE_URL")
    return create_async_engine(
        async_database_url(settings.database_url),
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
