"""Benchmark: `kehou serve` from a cold start on embedded engines to its first /readyz 200.

    uv run python loadtests/bench_cold_start.py [--runs 3] [--limit-s 30]

Each run starts the service on a fresh, empty data folder (a new embedded Postgres cluster and
Redis, every migration applied), times it until /readyz answers 200, and stops it with SIGTERM.
Prints each run and the slowest; exit status 1 when the slowest passes the limit. This is the
cold-start claim; the test suite only checks that a cold start becomes ready, however long the
machine takes.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cold_start(folder: Path) -> float:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"KEHOU_DATA_DIR": str(folder / "data"), "KEHOU_ENVIRONMENT": "development",
            "KEHOU_PORT": str(port), "KEHOU_LOG_LEVEL": "WARNING"}  # fmt: skip
    with (folder / "serve.log").open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            while process.poll() is None:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    time.sleep(0.05)
            raise RuntimeError((folder / "serve.log").read_text(errors="replace")[-2000:])
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit-s", type=float, default=30.0)
    args = parser.parse_args()
    seconds = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="kehou-cold-") as folder:
            seconds.append(cold_start(Path(folder)))
        print(f"run {run}: ready in {seconds[-1]:.1f} s")
    slowest = max(seconds)
    print(f"slowest cold start: {slowest:.1f} s (limit {args.limit_s:.0f} s)")
    return 0 if slowest <= args.limit_s else 1


if __name__ == "__main__":
    sys.exit(main())
