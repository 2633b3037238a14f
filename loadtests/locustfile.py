"""The 24-hour window's rehearsal: families grabbing at the opening second, staff browsing.

    uv run --group load kehou demo --opens-in 20 --manifest demo-manifest.json
    uv run --group load locust --config loadtests/locust.conf

Reads the demo manifest (KEHOU_MANIFEST, default demo-manifest.json). Exits non-zero when the error
ratio or the p95 of the grab pass the thresholds (--max-error-ratio, --max-p95-ms); refusals
(course full, clash, wait) are counted apart, under REFUSED, and are not errors. Afterwards check
the invariants: `kehou audit --term <id>`.
"""

from __future__ import annotations

from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from loadtests.scenarios.manifest import Manifest
from loadtests.scenarios.parents import Parent
from loadtests.scenarios.shape import Opening
from loadtests.scenarios.staff import Staff

__all__ = ["Opening", "Parent", "Staff"]


@events.init_command_line_parser.add_listener
def _thresholds(parser: Any) -> None:
    parser.add_argument("--max-error-ratio", type=float, default=0.01, help="of all requests")
    parser.add_argument("--max-p95-ms", type=float, default=2000, help="of the grab")


@events.init.add_listener
def _load_manifest(environment: Environment, **_: Any) -> None:
    manifest = Manifest.load()
    Parent.manifest = manifest
    Staff.manifest = manifest


@events.quitting.add_listener
def _judge(environment: Environment, **_: Any) -> None:
    stats = environment.stats
    options = environment.parsed_options
    if stats is None or options is None or isinstance(environment.runner, WorkerRunner):
        return  # the master (or the single process) judges the whole run
    grab = stats.get("grab", "POST")
    verdicts = []
    if stats.total.fail_ratio > options.max_error_ratio:
        verdicts.append(f"error ratio {stats.total.fail_ratio:.2%} > {options.max_error_ratio:.2%}")
    runner = environment.runner
    crashed = sum(e["count"] for e in runner.exceptions.values()) if runner is not None else 0
    if crashed:
        verdicts.append(f"{crashed} exception(s) in the users' tasks (see locust's report)")
    p95 = grab.get_response_time_percentile(0.95) if grab.num_requests else 0
    if p95 > options.max_p95_ms:
        verdicts.append(f"grab p95 {p95:.0f} ms > {options.max_p95_ms:.0f} ms")
    refused = {
        name: entry.num_requests
        for (name, kind), entry in stats.entries.items()
        if kind == "REFUSED"
    }
    print(f"rehearsal: {grab.num_requests} grabs, refusals {refused}, p95 {p95:.0f} ms")
    if verdicts:
        print("rehearsal FAILED: " + "; ".join(verdicts))
        environment.process_exit_code = 1
    else:
        print(
            f"rehearsal PASSED: error ratio {stats.total.fail_ratio:.2%} <= "
            f"{options.max_error_ratio:.2%}, grab p95 {p95:.0f} ms <= {options.max_p95_ms:.0f} ms"
        )
        environment.process_exit_code = 0
