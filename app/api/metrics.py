"""`/metrics` for Prometheus (app/metrics.py says what it carries, and how it stays right across
workers). Not in the API's document: it is for the deployment's scraper, which reaches each API
instance directly; the proxy does not pass it on."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import ResourcesDep
from app.metrics import LiveFigures, ServiceMetrics
from app.notify.outbox import notice_counts
from app.resources import Resources

router = APIRouter()
log = structlog.get_logger("app.metrics")
# A scrape answers within this even when Postgres or Redis does not, well inside the scraper's
# own timeout: what it could not read is left out, and `kehou_live_figures_ok` says so.
LIVE_TIMEOUT_S = 2.0
# Every replica is scraped every few seconds (and by more than one Prometheus, in a pair): the
# figures a worker read this recently are answered again rather than counted again.
LIVE_MAX_AGE_S = 3.0


async def live_figures(resources: Resources, metrics: ServiceMetrics) -> LiveFigures:
    cached = metrics.cached_live(LIVE_MAX_AGE_S)
    if cached is not None:
        return cached
    figures = await _read_live(resources)
    metrics.keep_live(figures)
    return figures


async def _read_live(resources: Resources) -> LiveFigures:
    async def read() -> LiveFigures:
        async with resources.sessionmaker() as session:
            notices = await notice_counts(session)
        return LiveFigures(
            terms=await resources.engine_sync.figures(),
            notices=notices,
            redis_roundtrip_s=await resources.engine_sync.redis_roundtrip_s(),
        )

    try:
        return await asyncio.wait_for(read(), LIVE_TIMEOUT_S)
    except (SQLAlchemyError, RedisError, OSError, TimeoutError) as error:
        log.warning("live_figures_unread", error_type=type(error).__name__)
        return LiveFigures(ok=False)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, resources: ResourcesDep) -> Response:
    service_metrics: ServiceMetrics = request.app.state.metrics
    body = service_metrics.exposition(await live_figures(resources, service_metrics))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
