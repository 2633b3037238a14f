"""What `/metrics` says: request and grab counters, the database pool, and figures read live from
Postgres and Redis when scraped (seats left, the grab stream, notices, Redis's round trip).

Correct across workers. `kehou serve --workers N` gives the workers one folder
(`PROMETHEUS_MULTIPROC_DIR`, Prometheus's multiprocess mode): every counter, histogram and pool
gauge a worker keeps is written there, and whichever worker answers a scrape sums them all, so
two scrapes never disagree because two workers answered them. What is read live is the same
whoever reads it. One process (tests, `--workers 1`) keeps its own registry, with the process's
CPU, memory and garbage-collector figures, which multiprocess mode cannot sum.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.observability import RequestMetrics

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class TermFigures:
    """One armed term's engine, as Redis holds it now."""

    term_id: int
    seats_left: dict[int, int]
    stream_length: int  # grabs Postgres may still lack
    stream_pending: int  # read by a persister, not yet acknowledged
    oldest_entry_age_s: float  # how long the oldest of them has waited; 0 when none


@dataclass(frozen=True)
class LiveFigures:
    """Read from Postgres and Redis when scraped; what could not be read is left out, and `ok`
    says so."""

    terms: list[TermFigures] = field(default_factory=list)
    notices: dict[str, int] = field(default_factory=dict)
    redis_roundtrip_s: float | None = None
    ok: bool = True


class _Live(Collector):
    def __init__(self, figures: LiveFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        figures = self.figures
        yield _gauge("kehou_live_figures_ok", "1 when every live figure could be read", [
            ((), 1.0 if figures.ok else 0.0)
        ])  # fmt: skip
        yield _gauge(
            "kehou_seats_left",
            "Seats left per course of an armed term, as the seat engine counts them",
            [((str(t.term_id), str(c)), float(n)) for t in figures.terms
             for c, n in sorted(t.seats_left.items())],
            ("term_id", "course_id"),
        )  # fmt: skip
        by_term = ("term_id",)
        yield _gauge(
            "kehou_grab_stream_length",
            "Granted seats in a term's stream: written to Postgres by the API within "
            "milliseconds, by the persister after an outage",
            [((str(t.term_id),), float(t.stream_length)) for t in figures.terms],
            by_term,
        )
        yield _gauge(
            "kehou_grab_stream_pending",
            "Stream entries a persister has read and not yet acknowledged",
            [((str(t.term_id),), float(t.stream_pending)) for t in figures.terms],
            by_term,
        )
        yield _gauge(
            "kehou_persister_lag_seconds",
            "Age of the oldest granted seat still in a term's stream (0 when none)",
            [((str(t.term_id),), t.oldest_entry_age_s) for t in figures.terms],
            by_term,
        )
        yield _gauge(
            "kehou_notices",
            "Notices by state: queued, sent, failed, no_channel",
            [((state,), float(count)) for state, count in sorted(figures.notices.items())],
            ("state",),
        )
        if figures.redis_roundtrip_s is not None:
            yield _gauge(
                "kehou_redis_roundtrip_seconds",
                "One PING's round trip to Redis from the worker that answered the scrape",
                [((), figures.redis_roundtrip_s)],
            )


def _gauge(
    name: str,
    documentation: str,
    samples: list[tuple[tuple[str, ...], float]],
    labels: tuple[str, ...] = (),
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for values, value in samples:
        family.add_metric(list(values), value)
    return family


class ServiceMetrics:
    def __init__(self, multiprocess_folder: str | None) -> None:
        self.folder = multiprocess_folder
        self.multiprocess = multiprocess_folder is not None
        self.registry = CollectorRegistry()
        if not self.multiprocess:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self.requests = RequestMetrics(self.registry)
        self.grabs = Counter(
            "kehou_grabs_total",
            "Grab attempts answered, by outcome: confirmed, pending, or the refusal's slug",
            ("outcome",),
            registry=self.registry,
        )
        self._grab_outcomes: dict[str, Any] = {}
        self._live: tuple[float, LiveFigures] | None = None
        self.pool_in_use = Gauge(
            "kehou_db_pool_in_use",
            "Database connections checked out of the workers' pools",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_waiting = Gauge(
            "kehou_db_pool_waiting",
            "Requests waiting for a database connection (for a free one or a new one)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def cached_live(self, max_age_s: float) -> LiveFigures | None:
        """The live figures read at most `max_age_s` ago by this worker, if any."""
        if self._live is not None and time.monotonic() - self._live[0] <= max_age_s:
            return self._live[1]
        return None

    def keep_live(self, figures: LiveFigures) -> None:
        self._live = (time.monotonic(), figures)

    @classmethod
    def from_environment(cls) -> ServiceMetrics:
        return cls(os.environ.get(MULTIPROCESS_ENV) or None)

    def grab_answered(self, outcome: str) -> None:
        counter = self._grab_outcomes.get(outcome)
        if counter is None:
            counter = self._grab_outcomes[outcome] = self.grabs.labels(outcome)
        counter.inc()

    def exposition(self, live: LiveFigures) -> bytes:
        if self.folder is not None:
            forget_dead_workers(self.folder)
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = self.registry
        figures = CollectorRegistry()
        figures.register(_Live(live))
        return generate_latest(registry) + generate_latest(figures)

    def worker_stopped(self) -> None:
        """Drop this worker's pool gauges from the sums (its counters keep counting)."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def forget_dead_workers(folder: str) -> None:
    """Drop the pool gauges of workers that died without stopping (killed for a missed health
    ping, or by the kernel for memory): their last values would stay in the sums for good."""
    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), folder)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
