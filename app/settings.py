"""The one configuration object of the service, read from the environment and `.env`."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["development", "test", "production"]

MIN_JWT_SECRET_BYTES = 32  # HS256 wants a key at least as long as its hash
# Long enough for HS256 in development; refused by name in production.
PLACEHOLDER_SECRET = "change-me-development-only-placeholder"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KEHOU_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    environment: Environment = "development"

    # Unprefixed names as in the deployment docs; the KEHOU_ spelling works too.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "KEHOU_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "KEHOU_REDIS_URL")
    )

    data_dir: Path = Path(".data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    db_pool_timeout_s: float = Field(default=10.0, gt=0)
    db_behind_pgbouncer: bool = False

    # A grab holds a connection for one round trip (its scripts are pipelined) and Redis runs
    # commands one at a time: a bounded pool serves any burst and bounds each worker's memory.
    redis_max_connections: int = Field(default=128, ge=1)
    # redis-py's cluster client cannot wait for a free connection (it refuses the command), so
    # it needs one per concurrent grab and node.
    redis_cluster_max_connections: int = Field(default=1024, ge=1)
    # How long a request waits for one of the pool's connections: at the opening second, grabs
    # queue here rather than open new connections or fail.
    redis_pool_timeout_s: float = Field(default=30.0, gt=0)
    # Connections each worker opens at start, so that the opening burst finds them open instead
    # of reaching Redis as a burst of new connections.
    redis_pool_warm: int = Field(default=32, ge=0)
    # Every key the service writes starts with this, so that a shared Redis is never flushed
    # and tests can clean up only their own keys.
    redis_key_prefix: str = "kehou:"

    jwt_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    jwt_issuer: str = "kehou"
    jwt_audience: str = "kehou-api"
    access_token_ttl_s: int = Field(default=900, ge=60)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=3600)
    # A seat-stream ticket (`?ticket=`) opens the stream for this long; a client reconnecting
    # after it asks for a new one.
    stream_ticket_ttl_s: int = Field(default=600, ge=30, le=3600)
    dingtalk_base_url: str = "https://oapi.dingtalk.com"
    dingtalk_app_key: str = ""
    dingtalk_app_secret: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    dingtalk_timeout_s: float = Field(default=5.0, gt=0)
    # Notices to families and staff: DingTalk work notifications (工作通知) from this app's
    # agent, or only the log (development, rehearsals).
    notify_via: Literal["dingtalk", "log"] = "log"
    dingtalk_agent_id: int | None = None
    notify_lease_s: float = Field(default=60.0, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1)

    # Grab fairness (moving windows, `limits` notation). Per parent first; per address generous,
    # as many families share a carrier's NAT. Raise it for a rehearsal from one machine.
    grab_limit_per_parent: str = "20/minute"
    grab_limit_per_ip: str = "5000/minute"
    # The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated):
    # the client address of a request from anyone else is the connection's own, whatever it says.
    forwarded_allow_ips: str = "127.0.0.1"
    # Web pages on these origins may call the API from a browser (CORS), comma-separated
    # (`https://kehou.example.edu.cn,https://admin.example.edu.cn`); none by default. A DingTalk
    # mini-app calls through its own HTTP client and needs none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Background work of every API process: the persister and the arming scheduler.
    background_tasks: bool = True
    arm_lead_s: int = Field(default=600, ge=0, description="Arm a term this long before its grab")
    background_poll_s: float = Field(default=1.0, gt=0)
    # A term's attendance or statements export past this many cells (students × sessions, or
    # students × columns) is made by a background job (202 and a job to follow), not in the
    # request: a 2,000-pupil school's term attendance is about 230,000.
    export_inline_max_cells: int = Field(default=50_000, ge=0)
    export_lease_s: float = Field(
        default=60.0, gt=0
    )  # a worker's hold on a job, renewed as it runs
    export_kept_s: int = Field(default=86_400, gt=0)  # how long a finished file can be downloaded

    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True
    # FastAPI's own OpenTelemetry hooks look for a configured provider on every request; the
    # service's metrics are Prometheus (/metrics). On for a deployment that installs and
    # configures OpenTelemetry.
    opentelemetry: bool = False
    graceful_shutdown_s: int = Field(default=20, ge=1)
    # With several workers, uvicorn's supervisor pings each one and kills a worker that does not
    # answer within this many seconds. Its 5 s killed workers still starting on a busy host,
    # again and again; a hung worker is still replaced, only later.
    worker_healthcheck_timeout_s: int = Field(default=30, ge=1)
    readiness_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        """Refused unless every entry is an address, a network or `*`: the server would take a
        misspelt one for a name no connection ever has, and trust no proxy, silently."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*":
                continue
            try:
                if "/" in entry:
                    ipaddress.ip_network(entry)
                else:
                    ipaddress.ip_address(entry)
            except ValueError as error:
                raise ValueError(
                    f"forwarded_allow_ips: {entry!r} is not an address or a network"
                ) from error
        return ",".join(entries)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """Comma-separated origins, each `scheme://host[:port]` with nothing after it (a browser
        sends no path in `Origin`, so one here would match nothing), or `*`."""
        if not isinstance(value, str):
            return value
        origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        for origin in origins:
            parts = urlsplit(origin)
            if origin != "*" and (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path
                or parts.query
                or parts.fragment
            ):
                raise ValueError(
                    f"cors_origins: {origin!r} is not an origin (scheme://host[:port])"
                )
        return origins

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment == "production":
            placeholders = [
                name
                for name in ("jwt_secret", "dingtalk_app_secret")
                if getattr(self, name).get_secret_value() in ("", PLACEHOLDER_SECRET)
            ]
            if placeholders:
                raise ValueError(
                    "secrets left at a placeholder in production: " + ", ".join(placeholders)
                )
            if len(self.jwt_secret.get_secret_value()) < MIN_JWT_SECRET_BYTES:
                raise ValueError(f"jwt_secret must be at least {MIN_JWT_SECRET_BYTES} bytes")
        if self.environment == "production" and self.notify_via != "dingtalk":
            raise ValueError("production sends notices through DingTalk: set notify_via=dingtalk")
        if self.notify_via == "dingtalk" and self.dingtalk_agent_id is None:
            raise ValueError("notify_via=dingtalk needs dingtalk_agent_id (the app's AgentId)")
        if "{" in self.redis_key_prefix or "}" in self.redis_key_prefix:
            raise ValueError("redis_key_prefix must not contain a hash tag brace")
        return self

    @property
    def uses_embedded_servers(self) -> bool:
        return self.database_url is None or self.redis_url is None

    @property
    def dev_login_enabled(self) -> bool:
        return self.environment in ("development", "test")

    def masked(self) -> dict[str, object]:
        """The effective configuration with secrets and passwords hidden, for `kehou check`."""
        shown: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(getattr(self, name), SecretStr):
                shown[name] = "********" if value else ""
            elif name in ("database_url", "redis_url") and value:
                shown[name] = mask_url_password(str(value))
            else:
                shown[name] = str(value) if isinstance(value, Path) else value
        return shown


def mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, has_password, _ = credentials.partition(":")
    return f"{scheme}://{user}:********@{host}" if has_password else url
