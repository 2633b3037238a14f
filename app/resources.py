"""What the service holds open while it runs: the database, Redis, the seat engine and its Lua scripts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import structlog
from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.embedded import EmbeddedServers, exported_embedded_servers
from app.grab.arming import database_identity
from app.grab.broadcast import SeatBroadcaster
from app.grab.durability import Durability
from app.grab.engine import SeatEngine
from app.grab.persister import API_WRITE_GRACE_MS, Persister
from app.grab.ratelimit import GrabGate
from app.grab.scheduler import keep_armed
from app.grab.scripts import ScriptRegistry
from app.grab.service import GrabService
from app.grab.sync import EngineSync
from app.grab.tally import OutcomeTally
from app.identity.dingtalk import DingTalkClient
from app.identity.tickets import StreamTicketSigner
from app.identity.tokens import TokenSigner
from app.notify.notifier import DingTalkNotifier, LogNotifier, Notifier
from app.notify.worker import NoticeWorker
from app.persistence.database import make_database, make_sessionmaker
from app.persistence.migrations import (
    MigrationState,
    applied_revisions,
    head_revisions,
    known_revisions,
    migration_state,
    upgrade_to_head,
)
from app.services.export_jobs import ExportWorker
from app.services.read_cache import ReadCache
from app.settings import Settings, mask_url_password

log = structlog.get_logger("app.resources")


CLUSTER_SCHEME = "redis+cluster://"
REDIS_RETRIES = 3


def make_redis(settings: Settings) -> Redis:
    """A Redis client: `redis+cluster://host:port` for Redis Cluster (any node as the seed),
    else a single server (`redis://`, `rediss://`, `unix://`)."""
    if settings.redis_url is None:
        raise RuntimeError("no Redis URL: start the embedded servers or set REDIS_URL")
    if settings.redis_url.startswith(CLUSTER_SCHEME):
        cluster = RedisCluster.from_url(
            "redis://" + settings.redis_url.removeprefix(CLUSTER_SCHEME),
            decode_responses=True,
            max_connections=settings.redis_cluster_max_connections,
        )
        # The same commands, routed by key slot; typed as Redis for the code that uses it.
        return cluster  # type: ignore[return-value]
    # The blocking pool makes a burst wait for a free connection instead of raising once
    # every connection is busy, as redis-py's default pool does.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_pool_timeout_s,
        decode_responses=True,
        health_check_interval=30,
        # A connection refused or dropped is tried again a few times, quickly: every script is
        # safe to send twice (the grab by its Idempotency-Key, the others by their guards).
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.01), REDIS_RETRIES),
        retry_on_error=[RedisConnectionError],
    )
    return Redis(connection_pool=pool)


async def warm_pool(redis: Redis, connections: int) -> None:
    """Open `connections` of the pool's connections now and give them back to it."""
    if not isinstance(redis, Redis) or connections <= 0:
        return
    pool = redis.connection_pool
    wanted = min(connections, pool.max_connections)
    opened = [await pool.get_connection() for _ in range(wanted)]  # type: ignore[no-untyped-call]
    for connection in opened:
        await connection.connect()
    for connection in opened:
        await pool.release(connection)


SHUTDOWN_STEP_S = 10.0


async def _bounded(step: str, work: Awaitable[object]) -> None:
    try:
        await asyncio.wait_for(work, SHUTDOWN_STEP_S)
    except TimeoutError:
        log.error("shutdown_step_timed_out", step=step, seconds=SHUTDOWN_STEP_S)


def make_notifier(settings: Settings, dingtalk: DingTalkClient) -> Notifier:
    if settings.notify_via == "dingtalk":
        assert settings.dingtalk_agent_id is not None  # the settings refuse it otherwise
        return DingTalkNotifier(dingtalk, settings.dingtalk_agent_id)
    return LogNotifier()


@dataclass
class Resources:
    settings: Settings
    database: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    scripts: ScriptRegistry
    head_revisions: frozenset[str]
    known_revisions: frozenset[str]
    dingtalk_http: httpx.AsyncClient
    dingtalk: DingTalkClient
    signer: TokenSigner
    tickets: StreamTicketSigner
    engine: SeatEngine
    engine_sync: EngineSync
    durability: Durability
    grabs: GrabService
    gate: GrabGate
    seats: SeatBroadcaster
    notifier: Notifier
    reads: ReadCache
    tally: OutcomeTally
    embedded: EmbeddedServers | None = field(default=None)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def open(cls, settings: Settings) -> Resources:
        embedded = None
        if settings.uses_embedded_servers:
            embedded = EmbeddedServers(settings.data_dir)
            database_url, redis_url = await asyncio.to_thread(
                embedded.start, settings.database_url is None, settings.redis_url is None
            )
            settings = settings.model_copy(
                update={
                    "database_url": settings.database_url or database_url,
                    "redis_url": settings.redis_url or redis_url,
                }
            )
            assert settings.database_url is not None
            await asyncio.to_thread(upgrade_to_head, settings.database_url)
        database = make_database(settings)
        redis = make_redis(settings)
        scripts = ScriptRegistry.from_directory()
        await scripts.load_all(redis)
        await warm_pool(redis, settings.redis_pool_warm)
        sessionmaker = make_sessionmaker(database)
        seat_engine = SeatEngine(
            redis, scripts, settings.redis_key_prefix, await database_identity(sessionmaker)
        )
        # Half the database pool at most for the reads' loads: the rest stays the writers'.
        reads = ReadCache(load_slots=max(1, settings.db_pool_size // 2), sessionmaker=sessionmaker)
        engine_sync = EngineSync(sessionmaker, seat_engine, committed=[reads.forget_changed])
        durability = Durability(redis)
        dingtalk_http = httpx.AsyncClient(
            base_url=settings.dingtalk_base_url, timeout=settings.dingtalk_timeout_s
        )
        dingtalk = DingTalkClient(
            dingtalk_http,
            redis,
            settings.dingtalk_app_key,
            settings.dingtalk_app_secret.get_secret_value(),
            settings.redis_key_prefix,
        )
        resources = cls(
            settings=settings,
            database=database,
            sessionmaker=sessionmaker,
            redis=redis,
            scripts=scripts,
            head_revisions=head_revisions(),
            known_revisions=known_revisions(),
            dingtalk_http=dingtalk_http,
            dingtalk=dingtalk,
            signer=TokenSigner(
                secret=settings.jwt_secret.get_secret_value(),
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                ttl=timedelta(seconds=settings.access_token_ttl_s),
            ),
            tickets=StreamTicketSigner(
                secret=settings.jwt_secret.get_secret_value(),
                issuer=settings.jwt_issuer,
                audience=f"{settings.jwt_audience}:seat-stream",
                ttl=timedelta(seconds=settings.stream_ticket_ttl_s),
            ),
            engine=seat_engine,
            engine_sync=engine_sync,
            durability=durability,
            grabs=GrabService(sessionmaker, seat_engine, engine_sync, durability),
            gate=GrabGate(
                redis,
                scripts,
                settings.redis_key_prefix,
                settings.grab_limit_per_parent,
                settings.grab_limit_per_ip,
            ),
            seats=SeatBroadcaster(seat_engine),
            notifier=make_notifier(settings, dingtalk),
            reads=reads,
            tally=OutcomeTally(redis, settings.redis_key_prefix),
            embedded=embedded,
        )
        await resources._log_servers()
        if settings.background_tasks:
            resources.start_background()
        return resources

    def start_background(self) -> None:
        poll = self.settings.background_poll_s
        self.tasks.append(asyncio.create_task(self.notice_worker().run(poll), name="notices"))
        persister = Persister(
            self.sessionmaker, self.engine, poll_s=poll, grace_ms=API_WRITE_GRACE_MS
        )
        self.tasks.append(asyncio.create_task(persister.run(), name="persister"))
        self.tasks.append(asyncio.create_task(self.tally.run(), name="tally"))
        self.tasks.append(asyncio.create_task(self.export_worker().run(poll), name="exports"))
        lead = timedelta(seconds=self.settings.arm_lead_s)
        self.tasks.append(
            asyncio.create_task(
                keep_armed(self.sessionmaker, self.engine, self.grabs, lead, poll), name="arming"
            )
        )

    def export_worker(self) -> ExportWorker:
        return ExportWorker(
            self.sessionmaker,
            lease=timedelta(seconds=self.settings.export_lease_s),
            kept=timedelta(seconds=self.settings.export_kept_s),
        )

    def notice_worker(self) -> NoticeWorker:
        return NoticeWorker(
            self.sessionmaker,
            self.notifier,
            lease=timedelta(seconds=self.settings.notify_lease_s),
            max_attempts=self.settings.notify_max_attempts,
        )

    async def _log_servers(self) -> None:
        async with self.database.connect() as connection:
            postgres_version = (await connection.execute(text("SHOW server_version"))).scalar()
        redis_info = await self.redis.info("server")
        # Embedded servers started here, or by the parent process that handed their URLs down.
        embedded = self.embedded.running if self.embedded else exported_embedded_servers()
        log.info(
            "engines",
            embedded=bool(embedded),
            embedded_servers=embedded,
            postgres=mask_url_password(str(self.settings.database_url)),
            postgres_version=postgres_version,
            redis=mask_url_password(str(self.settings.redis_url)),
            redis_server=redis_info.get("server_name", "redis"),
            redis_version=redis_info.get("valkey_version") or redis_info.get("redis_version"),
            lua_scripts=len(self.scripts),
        )

    async def migrations(self) -> MigrationState:
        async with self.database.connect() as connection:
            applied = await applied_revisions(connection)
        return migration_state(applied, self.head_revisions, self.known_revisions)

    async def close(self) -> None:
        """Stop the background work and close every connection. Each step has a time limit: a
        shutdown must end even when a step waits on something that will not come."""
        for task in self.tasks:
            task.cancel()
        await _bounded("background tasks", asyncio.gather(*self.tasks, return_exceptions=True))
        await _bounded("grabs", self.grabs.close())
        with contextlib.suppress(RedisError, OSError):
            await _bounded("grab tally", self.tally.flush())
        await _bounded("seat stream", self.seats.close())
        await _bounded("dingtalk client", self.dingtalk_http.aclose())
        await _bounded("redis", self.redis.aclose())
        if isinstance(self.redis, Redis):
            await _bounded("redis pool", self.redis.connection_pool.disconnect())
        await _bounded("database", self.database.dispose())
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)
