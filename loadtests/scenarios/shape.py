"""The shape of the opening (开抢): a quiet baseline of early families, the spike at T0 when the
grab opens, a plateau, the decay, and a late trickle. T0 is the manifest's grab_opens_at."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from locust import LoadTestShape

from loadtests.scenarios.manifest import Manifest


class Opening(LoadTestShape):
    """Stages relative to T0, in seconds: (until, users as a share of the peak, spawn rate)."""

    peak = int(os.environ.get("KEHOU_PEAK_USERS", "400"))
    stages = (
        (0, 0.1, 5),  # before T0: early families browsing
        (5, 1.0, 1000),  # the spike: everyone at the opening second
        (30, 1.0, 1000),  # plateau
        (45, 0.3, 50),  # decay
        (60, 0.05, 20),  # the late trickle
    )

    def __init__(self) -> None:
        super().__init__()
        self.t0 = Manifest.load().grab_opens_at

    def tick(self) -> tuple[int, float] | None:
        since_t0 = (datetime.now(UTC) - self.t0).total_seconds()
        for until, share, rate in self.stages:
            if since_t0 < until:
                return max(1, int(self.peak * share)), rate
        return None  # the rehearsal is over
