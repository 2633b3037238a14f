"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.cors import CORSMiddleware

from app.api import (
    attendance,
    audit,
    auth,
    bindings,
    calendar_feeds,
    care,
    care_groups,
    clearing,
    conduct,
    courses,
    districts,
    draws,
    enrollments,
    exits,
    export_jobs,
    exports,
    feedback,
    fees,
    health,
    imports,
    leave,
    me,
    metrics,
    opening,
    outside,
    overrides,
    policies,
    publications,
    rounds,
    schools,
    seats,
    sessions,
    students,
    terms,
    waitlist,
    workload,
)
from app.api.body_limit import BodySizeLimit
from app.api.compression import GzipWhenAccepted
from app.api.contract import install_contract
from app.api.docs import install_offline_docs
from app.api.grab_entry import GrabEntry
from app.api.problems import UnhandledErrors, install_problem_handlers
from app.api.read_entry import ReadEntry
from app.api.route_table import install_routes
from app.api.tags import openapi_tags
from app.metrics import ServiceMetrics
from app.observability import AccessLog, RequestContextMiddleware, configure_logging
from app.persistence.database import observe_pool
from app.resources import Resources
from app.settings import Settings

log = structlog.get_logger("app.main")

DESCRIPTION = """
Kehou runs a district's after-school care programme (课后托管): the 24-hour registration window,
free basic care by application and approval, paid extension courses grabbed first come first
served, the reconciler and second round, then the term's sessions, attendance, leave and fees.

课后托管报名与抢课系统:24 小时报名窗口;基础托管自愿申请、审核;拓展课程先到先得、报满为止;
不足开班人数的课程撤班并开放第二轮报名;学期中的课次、考勤、请假、费用与工作量统计。

Every error is an RFC 9457 `application/problem+json` document whose `slug` is stable: switch on
it. 所有错误均以 `application/problem+json` 返回,前端请依据 `slug` 字段判断错误类型。
"""


# The grab's routers first: a request is matched against the routes in order, and the grab is
# the route the opening second hammers.
RESOURCE_ROUTERS = (
    enrollments, rounds, draws, seats, auth, me, districts, schools, terms, courses, students, bindings,
    imports, care, care_groups, overrides, audit, waitlist, publications, sessions, attendance,
    leave, policies, fees, workload, feedback, exports, export_jobs, opening, calendar_feeds,
    exits, clearing, conduct, outside,
)  # fmt: skip


NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    handler = configure_logging(settings.log_level, settings.log_json)
    access_log = AccessLog(handler, settings.log_json) if settings.access_log else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(settings)
        app.state.resources = resources
        observe_pool(
            resources.database, service_metrics.pool_in_use.set, service_metrics.pool_waiting.inc
        )
        log.info("started", environment=settings.environment)
        try:
            yield
        finally:
            await resources.close()
            service_metrics.worker_stopped()
            log.info("stopped")
            if access_log is not None:
                access_log.flush()

    app = FastAPI(
        title="Kehou 课后托管",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=openapi_tags(),
        # Relative: the document is served by the API it describes, wherever that is mounted.
        servers=[{"url": "/", "description": "This server · 本服务"}],
        contact={"name": "Kehou 课后托管"},
        license_info={"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry=None if settings.opentelemetry else NO_TELEMETRY,
    )
    service_metrics = ServiceMetrics.from_environment()
    app.state.metrics = service_metrics
    # Innermost: the routes' long JSON lists leave gzipped for clients that take it. The cached
    # reads keep their gzipped form with their answer; the grab's answers are a few bytes.
    app.add_middleware(GzipWhenAccepted)
    app.add_middleware(BodySizeLimit)  # behind the grab's entry: its bodies are a few bytes
    app.add_middleware(GrabEntry)  # inside the request context: logged and counted like any
    app.add_middleware(ReadEntry)  # the same, for the course list and the seat snapshot
    app.add_middleware(UnhandledErrors)
    if settings.cors_origins:  # answers preflights itself; logged and counted like any request
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match",
                           "If-Match", "X-Request-ID"],
            expose_headers=["ETag", "Retry-After", "X-Request-ID", "Location",
                            "Content-Disposition"],
            max_age=600,
        )  # fmt: skip
    app.add_middleware(
        RequestContextMiddleware, access_log=access_log, metrics=service_metrics.requests
    )
    install_problem_handlers(app)
    install_offline_docs(app, "Kehou 课后托管")
    install_contract(app)

    install_routes(
        app, [health.router, metrics.router, *(module.router for module in RESOURCE_ROUTERS)]
    )

    return app
