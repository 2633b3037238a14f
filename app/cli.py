"""`kehou`: serve the API, migrate the database, check the configuration."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import structlog
import typer
import uvicorn

from app.metrics import MULTIPROCESS_ENV
from app.observability import configure_logging
from app.settings import Settings

if TYPE_CHECKING:
    from app.grab.arming import ArmReport
    from app.grab.audit import AuditReport
    from app.grab.reconciler import ReconcileReport

# Nothing of the application is imported here, only in the commands: `kehou serve --workers N`
# starts each worker as a fresh interpreter that imports this module again (the `kehou` script
# imports it) before it can answer the supervisor's health ping. The whole app took seconds to
# import on a busy host, and a worker that missed the ping was killed.

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
    demo: Annotated[
        bool, typer.Option("--demo", help="Build a demo district first (see `kehou demo`).")
    ] = False,
    demo_manifest: Annotated[Path, typer.Option(help="Where --demo writes its manifest.")] = Path(
        ".data/demo-manifest.json"
    ),
) -> None:
    """Serve the API. Without DATABASE_URL / REDIS_URL, starts embedded Postgres and Redis."""
    from app.demo.world import DemoOptions, build_demo
    from app.embedded import servers_for
    from app.persistence.migrations import upgrade_to_head

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    embedded = settings.uses_embedded_servers
    # uvicorn drains requests on SIGTERM/SIGINT, then raises the signal again with the handler
    # that was in place before it started. This one turns that into a normal exit, so the
    # embedded servers are stopped cleanly and the exit status is 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_after_graceful_shutdown)
    with (
        contextlib.suppress(_ShutdownComplete),
        _metrics_folder(workers or settings.workers),
        servers_for(settings, export=True) as running,
    ):
        if (migrate or embedded or demo) and running.database_url:
            upgrade_to_head(running.database_url)
        if demo and running.database_url:
            _write_manifest(
                asyncio.run(build_demo(running.database_url, DemoOptions(), _progress)),
                demo_manifest,
            )
        # Each worker imports the app before it logs again: say so, a cold start is not silent.
        structlog.get_logger("app.cli").info(
            "serving",
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            step="starting uvicorn; each worker imports the app, then logs its servers",
        )
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=settings.graceful_shutdown_s,
            timeout_worker_healthcheck=settings.worker_healthcheck_timeout_s,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )


def _progress(line: str) -> None:
    """A long job's steps, on stderr as they happen (stdout keeps its results)."""
    typer.echo(line, err=True)


@contextlib.contextmanager
def _metrics_folder(workers: int) -> Iterator[None]:
    """With several workers, one folder for all their metrics (Prometheus's multiprocess mode,
    app/metrics.py), emptied first: a folder the operator names (`PROMETHEUS_MULTIPROC_DIR`),
    else a new one, removed at the end. Each worker is a fresh interpreter that reads the variable
    when it first imports the metrics library."""
    given = os.environ.get(MULTIPROCESS_ENV)
    if workers <= 1 and not given:
        yield
        return
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="kehou-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(folder)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (to the newest migration unless a revision is given)."""
    from app.embedded import servers_for
    from app.persistence.migrations import alembic_config

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    with servers_for(settings) as running:
        assert running.database_url is not None
        from alembic import command

        command.upgrade(alembic_config(running.database_url), revision)
        typer.echo(f"database at {revision}")


@cli.command("demo")
def demo_command(
    students: Annotated[int, typer.Option(min=0, help="Students across the two schools.")] = 1680,
    courses: Annotated[int, typer.Option(min=0, help="Extension courses per school term.")] = 25,
    opens_in: Annotated[
        int, typer.Option(min=0, help="Seconds until the window opens; 0 = now.")
    ] = 300,
    window: Annotated[
        int,
        typer.Option(min=60, help="Window length in seconds (24 h); round two follows, as long."),
    ] = 24 * 3600,
    manifest: Annotated[Path | None, typer.Option(help="Write the JSON manifest here.")] = None,
) -> None:
    """Build a demo district (2 schools, families, a term, courses) on the configured servers."""
    from app.demo.world import DemoOptions, build_demo
    from app.embedded import servers_for
    from app.persistence.migrations import upgrade_to_head

    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    options = DemoOptions(students=students, courses=courses, opens_in_s=opens_in, window_s=window)
    with servers_for(settings) as running:
        assert running.database_url is not None
        upgrade_to_head(running.database_url)
        built = asyncio.run(build_demo(running.database_url, options, _progress))
    if manifest is not None:
        _write_manifest(built, manifest)
    parents = built["parents"]
    typer.echo(
        f"demo district {built['district_id']}: {len(built['schools'])} schools, "
        f"{sum(len(p['children']) for p in parents)} bound children "
        f"({sum(c['ready'] for p in parents for c in p['children'])} ready), "
        f"{len(built['courses'])} courses; district admin {built['district_admin']}"
    )
    for school in built["schools"]:
        for running in school.get("running_terms", []):
            typer.echo(
                f"term in progress {running['id']} at school {school['id']} "
                f"({running['starts_on']} to {running['ends_on']}); care teacher "
                f"{running['care_teacher']}"
            )


def _write_manifest(built: dict[str, object], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(built, ensure_ascii=False, indent=1), encoding="utf-8")


@cli.command()
def arm(term: Annotated[int, typer.Option("--term", help="The term to arm.")]) -> None:
    """Load a term from Postgres into the seat engine now (harmless to repeat)."""
    from app.embedded import servers_for

    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    with servers_for(settings) as running:
        report = asyncio.run(_arm(running, term))
    typer.echo(
        f"term {report.term_id} armed: {report.courses} courses, {report.students} students, "
        f"{report.persisted_first} grabs written first, {report.seconds:.2f} s"
    )


async def _arm(settings: Settings, term_id: int) -> ArmReport:
    from app.grab.arming import arm_term
    from app.resources import Resources

    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        return await arm_term(resources.sessionmaker, resources.engine, term_id)
    finally:
        await resources.close()


@cli.command("reconcile")
def reconcile_command(term: Annotated[int, typer.Option("--term", help="The term.")]) -> None:
    """Cancel courses under their minimum, confirm the rest, repair Redis (after a round closes)."""
    from app.embedded import servers_for

    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    with servers_for(settings) as running:
        report = asyncio.run(_reconcile(running, term))
    typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=1))


async def _reconcile(settings: Settings, term_id: int) -> ReconcileReport:
    from app.grab.reconciler import reconcile
    from app.resources import Resources

    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        return await reconcile(resources.sessionmaker, resources.engine, term_id)
    finally:
        await resources.close()


@cli.command("audit")
def audit_command(term: Annotated[int, typer.Option("--term", help="The term.")]) -> None:
    """Check a term's seat invariants in Postgres and Redis; exit 1 on any breach."""
    from app.embedded import servers_for

    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    with servers_for(settings) as running:
        report = asyncio.run(_audit(running, term))
    typer.echo("\n".join(report.lines()))
    if not report.ok:
        raise typer.Exit(1)


async def _audit(settings: Settings, term_id: int) -> AuditReport:
    from app.grab.audit import audit_term
    from app.resources import Resources

    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        return await audit_term(resources.sessionmaker, resources.engine, term_id)
    finally:
        await resources.close()


def _ids(path: Path) -> list[int]:
    """Ids from a file: a JSON list of integers, or one integer a line; each once. Anything
    else stops the command (exit 2) with what is wrong."""
    try:
        content = path.read_text(encoding="utf-8-sig").strip()
        if content.startswith("["):
            items = json.loads(content)
            if not all(type(item) is int for item in items):
                raise ValueError("a JSON list of integers is expected")
            ids = list(items)
        else:
            ids = [int(line) for line in content.splitlines() if line.strip()]
    except (OSError, ValueError) as error:
        typer.echo(f"{path}: {error}", err=True)
        raise typer.Exit(2) from error
    if len(set(ids)) != len(ids):
        typer.echo(f"{path}: an id is listed twice", err=True)
        raise typer.Exit(2)
    return ids


@cli.command("verify-draw")
def verify_draw_command(
    seed: Annotated[str, typer.Option(help="The seed the school revealed after the draw (hex).")],
    commitment: Annotated[str, typer.Option(help="The commitment it published before (hex).")],
    scope: Annotated[str, typer.Option(help="The draw's name, as published (e.g. term:12).")],
    entrants: Annotated[Path, typer.Option(help="The entrants' ids: a JSON list, or one a line.")],
    order: Annotated[Path, typer.Option(help="The order published, the same way.")],
) -> None:
    """Recompute a published draw from its seed and entrants; exit 1 unless it is the one
    committed to and the order published. Needs no server: anyone may run it."""
    from app.domain.draw import verify_draw

    result = verify_draw(seed, commitment, scope, _ids(entrants), _ids(order))
    if not result.well_formed:
        typer.echo("the seed must be 64 hex digits (32 bytes), the commitment a SHA-256 (64)")
        raise typer.Exit(1)
    typer.echo(f"commitment: {'matches' if result.commitment_matches else 'DOES NOT MATCH'}")
    if result.order_matches:
        typer.echo("order: matches the seed and the entrants")
    else:
        typer.echo(f"order: DIFFERS from place {(result.first_difference or 0) + 1}")
    if not result.ok:
        raise typer.Exit(1)


@cli.command()
def check() -> None:
    """Print the effective configuration (secrets masked) and test the connections."""
    from app.embedded import servers_for

    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    typer.echo(json.dumps({"configuration": settings.masked()}, ensure_ascii=False, indent=2))
    with servers_for(settings) as running:
        report = asyncio.run(_connectivity(running))
    report["embedded"] = settings.uses_embedded_servers
    typer.echo(json.dumps({"connectivity": report}, ensure_ascii=False, indent=2))
    if not (report["postgres"] == "ok" and report["redis"] == "ok"):
        raise typer.Exit(code=1)


async def _connectivity(settings: Settings) -> dict[str, object]:
    from sqlalchemy import text

    from app.grab.durability import read_persistence
    from app.persistence.database import make_database
    from app.persistence.migrations import (
        applied_revisions,
        head_revisions,
        known_revisions,
        migration_state,
    )
    from app.resources import make_redis

    report: dict[str, object] = {}
    database = make_database(settings)
    try:
        async with database.connect() as connection:
            report["postgres_version"] = (
                await connection.execute(text("SHOW server_version"))
            ).scalar()
            applied = await applied_revisions(connection)
        report["postgres"] = "ok"
        report["migrations"] = migration_state(applied, head_revisions(), known_revisions())
    except Exception as error:
        report["postgres"] = f"failing: {type(error).__name__}"
    finally:
        await database.dispose()
    redis = make_redis(settings)
    try:
        info = await redis.info("server")
        report["redis"] = "ok"
        report["redis_server"] = info.get("server_name", "redis")
        report["redis_version"] = info.get("valkey_version") or info.get("redis_version")
        # A `202 pending` grab is promised only on a Redis that keeps every write.
        report["redis_persistence"] = (await read_persistence(redis)).describe()
    except Exception as error:
        report["redis"] = f"failing: {type(error).__name__}"
    finally:
        await redis.aclose()
    return report


def main() -> None:
    cli()
