"""`kehou`: serve the API, migrate the database, check the configuration."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from app.embedded import engines_for
from app.migrations import upgrade_to_head
from app.observability import configure_logging
from app.settings import Settings

cli = typer.Typer(
    name="kehou",
    help="Kehou 课后托管: after-school care registration and course grab.",
    no_args_is_help=True,
    add_completion=False,
)


class _ShutdownComplete(Exception):
    pass


def _exit_after_graceful_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _ShutdownComplete


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    migrate: Annotated[
        bool,
        typer.Option(
            help="Upgrade the database to the newest migration first (always on embedded)."
        ),
    ] = False,
) -> None:
    """Serve the API. Without DATABASE_URL / REDIS_URL, starts embedded Postgres and Redis."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    embedded = settings.uses_embedded_engines
    # uvicorn drains requests on SIGTERM/SIGINT, then raises the signal again with the handler
    # that was in place before it started. This one turns that into a normal exit, so the
    # embedded engines are stopped cleanly and the exit status is 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_after_graceful_shutdown)
    with contextlib.suppress(_ShutdownComplete), engines_for(settings, export=True) as running:
        if (migrate or embedded) and running.database_url:
            upgrade_to_head(running.database_url)
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=settings.graceful_shutdown_s,
            proxy_headers=True,
        )


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (to the newest migration unless a revision is given)."""
    from app.migrations import alembic_config

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    with engines_for(settings) as running:
        assert running.database_url is not None
        from alembic import command

        command.upgrade(alembic_config(running.database_url), revision)
        typer.echo(f"database at {revision}")


@cli.command()
def check() -> None:
    """Print the effective configuration (secrets masked) and test the connections."""
    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    typer.echo(json.dumps({"configuration": settings.masked()}, ensure_ascii=False, indent=2))
    with engines_for(settings) as running:
        report = asyncio.run(_connectivity(running))
    report["embedded"] = settings.uses_embedded_engines
    typer.echo(json.dumps({"connectivity": report}, ensure_ascii=False, indent=2))
    if not (report["postgres"] == "ok" and report["redis"] == "ok"):
        raise typer.Exit(code=1)


async def _connectivity(settings: Settings) -> dict[str, object]:
    from sqlalchemy import text

    from app.db import make_engine
    from app.migrations import applied_revisions, head_revisions
    from app.resources import make_redis

    report: dict[str, object] = {}
    engine = make_engine(settings)
    try:
        async with engine.connect() as connection:
            report["postgres_version"] = (
                await connection.execute(text("SHOW server_version"))
            ).scalar()
            applied = await applied_revisions(connection)
        report["postgres"] = "ok"
        report["migrations"] = "at-head" if applied == head_revisions() else "behind"
    except Exception as error:
        report["postgres"] = f"failing: {type(error).__name__}"
    finally:
        await engine.dispose()
    redis = make_redis(settings)
    try:
        info = await redis.info("server")
        report["redis"] = "ok"
        report["redis_version"] = info.get("redis_version")
    except Exception as error:
        report["redis"] = f"failing: {type(error).__name__}"
    finally:
        await redis.aclose()
    return report


def main() -> None:
    cli()
