"""The rehearsal's picture of the opening: seats left per course and grab answers per second by
outcome over the run, sampled from the opening figures the administrator's page polls
(`GET /terms/{id}/opening`), drawn to a PNG beside locust's HTML report."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import matplotlib

matplotlib.use("Agg")  # no display: a file
import matplotlib.pyplot as plt

# Course names are Chinese: the first of these fonts the machine has draws them.
plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

SAMPLE_S = 0.5


@dataclass
class OpeningSamples:
    """(seconds since the first sample, the figures) as the page saw them."""

    samples: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.samples), encoding="utf-8")


class OpeningSampler:
    """Polls the opening figures in a thread of its own until stopped."""

    def __init__(self, base_url: str, term_id: int, admin_login: str) -> None:
        self.base_url, self.term_id, self.admin_login = base_url, term_id, admin_login
        self.found = OpeningSamples()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opening-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> OpeningSamples:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.found

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            signed = client.post("/api/v1/auth/dingtalk", json={"auth_code": self.admin_login})
            signed.raise_for_status()
            headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
            started = time.monotonic()
            while not self._stop.wait(SAMPLE_S):
                try:
                    answer = client.get(f"/api/v1/terms/{self.term_id}/opening", headers=headers)
                except httpx.HTTPError:
                    continue  # a busy second: the next sample
                if answer.status_code == 200:
                    self.found.samples.append((time.monotonic() - started, answer.json()))


def draw(found: OpeningSamples, path: Path, title: str) -> None:
    """Seats left per course (top) and answers per second by outcome (bottom)."""
    figure, (seats, rates) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    times = [t for t, _ in found.samples]
    courses: dict[int, str] = {}
    for _, figures in found.samples:
        for course in figures["courses"]:
            courses.setdefault(course["course_id"], course["name"])
    for course_id, name in courses.items():
        left = [_seats_left(figures, course_id) for _, figures in found.samples]
        seats.step(times, left, where="post", label=f"{course_id} {name}", linewidth=1)
    seats.set_ylabel("seats left")
    seats.set_title(title)
    if len(courses) <= 12:
        seats.legend(fontsize="small", ncol=2)
    outcomes = sorted({o for _, figures in found.samples for o in figures["outcomes"]})
    for outcome in outcomes:
        rates.plot(times[1:], _per_second(found, outcome), label=outcome, linewidth=1)
    rates.set_ylabel("answers per second")
    rates.set_xlabel("seconds")
    if outcomes:
        rates.legend(fontsize="small", ncol=3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _seats_left(figures: dict[str, Any], course_id: int) -> float:
    for course in figures["courses"]:
        if course["course_id"] == course_id:
            return float(course["seats_left"])
    return float("nan")


def _per_second(found: OpeningSamples, outcome: str) -> list[float]:
    rates = []
    for (t0, before), (t1, after) in zip(found.samples, found.samples[1:], strict=False):
        counted = after["outcomes"].get(outcome, 0) - before["outcomes"].get(outcome, 0)
        rates.append(counted / max(t1 - t0, 1e-3))
    return rates
