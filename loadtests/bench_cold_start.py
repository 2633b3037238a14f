"""Benchmark: `kehou serve` from a cold start on embedded servers to its first /readyz 200.

    uv run python loadtests/bench_cold_start.py [--runs 3] [--limit-s 30] [--workers 2 --burners 4]

Each run starts the service (`kehou serve`, as operators run it) on a fresh, empty data folder (a
new embedded Postgres cluster and Redis, every migration applied), times it until every worker
has started and /readyz answers 200, and stops it with SIGTERM. `--burners K` keeps K processes
spinning on the CPU meanwhile: a busy host. Prints each run (with the workers uvicorn's
supervisor killed or lost on the way) and the slowest; exit status 1 when the slowest passes the
limit. This is the cold-start claim; the test suite only checks that a cold start becomes ready,
however long the machine takes.
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


KEHOU = str(Path(sys.executable).parent / "kehou")


def cold_start(folder: Path, workers: int, give_up_s: float) -> tuple[float, int]:
    """Seconds until every worker started and /readyz said 200 (infinite when that took more
    than `give_up_s`), and the workers that died."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"KEHOU_DATA_DIR": str(folder / "data"), "KEHOU_ENVIRONMENT": "development",
            "KEHOU_PORT": str(port), "KEHOU_WORKERS": str(workers),
            "KEHOU_ACCESS_LOG": "false"}  # fmt: skip
    log_path = folder / "serve.log"

    def log() -> str:
        return log_path.read_text(errors="replace")

    with log_path.open("wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            [KEHOU, "serve"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            while process.poll() is None:
                if time.monotonic() - started > give_up_s:
                    return float("inf"), log().count("] died")
                try:
                    if (
                        log().count("Application startup complete") >= workers
                        and httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
                    ):
                        return time.monotonic() - started, log().count("] died")
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            raise RuntimeError(log()[-2000:])
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait()


def _burners(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit-s", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--burners", type=int, default=0, help="CPU-spinning processes")
    parser.add_argument("--give-up-s", type=float, default=300.0)
    args = parser.parse_args()
    seconds = []
    burners = _burners(args.burners)
    try:
        for run in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory(prefix="kehou-cold-") as folder:
                ready, deaths = cold_start(Path(folder), args.workers, args.give_up_s)
            seconds.append(ready)
            print(
                f"run {run}: {args.workers} worker(s) ready in {ready:.1f} s, "
                f"{deaths} worker death(s), {args.burners} CPU burner(s)"
            )
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    slowest = max(seconds)
    print(f"slowest cold start: {slowest:.1f} s (limit {args.limit_s:.0f} s)")
    return 0 if slowest <= args.limit_s else 1


if __name__ == "__main__":
    sys.exit(main())
