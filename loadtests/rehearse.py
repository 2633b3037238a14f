"""The opening-second rehearsal from one command: a demo district whose grab opens shortly, the
app (2 workers), the locust rehearsal headless, then `kehou audit` of the rehearsed term.

    uv run --group load python -m loadtests.rehearse [--students 4000] [--peak-users 400]

Runs on the machine's Postgres and Redis (DATABASE_URL / REDIS_URL, default 127.0.0.1) in a
database and a Redis key prefix of its own. Exits non-zero when the rehearsal's thresholds
(loadtests/locust.conf) or an invariant fail, saying which, with the end of the server's log.
Reports land in .data/locust/: locust's HTML, and opening.png, the seats left per course and the
answers per second by outcome over the run (from the figures the opening page polls).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from app.persistence.admin import create_database, drop_database
from loadtests.opening_plot import OpeningSampler, draw
from loadtests.scratch import forget_keys

ROOT = Path(__file__).resolve().parent.parent
PORT = 8000
# Two workers importing the app on a busy machine take seconds each; a server still starting is
# waited for as long as this, one that exited is reported at once.
START_S = 180
LOG_TAIL_LINES = 60


def _tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    shown = "\n".join(lines[-LOG_TAIL_LINES:]) or "(the server wrote nothing)"
    return f"--- the last {LOG_TAIL_LINES} lines of {log} ---\n{shown}"


def _wait_ready(server: subprocess.Popen[bytes], log: Path) -> str | None:
    """None once the server answers /readyz 200; else why it did not."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return f"the server exited with {server.returncode} while starting"
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return f"the server did not answer /readyz 200 within {START_S} s"


def _run(command: list[str], env: dict[str, str]) -> int:
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=4000)
    parser.add_argument("--peak-users", type=int, default=400)
    parser.add_argument("--opens-in", type=int, default=25, help="seconds until the grab opens")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    database_url = create_database(server_url, prefix="kehou_rehearsal")
    manifest = ROOT / ".data" / "locust" / "demo-manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "KEHOU_REDIS_KEY_PREFIX": f"kehou-rehearsal-{uuid.uuid4().hex[:8]}:",
        # Every simulated family comes from this one machine: lift the per-address limit.
        "KEHOU_GRAB_LIMIT_PER_IP": "100000000/minute",
        "KEHOU_LOG_LEVEL": "WARNING",
        "KEHOU_MANIFEST": str(manifest),
        "KEHOU_PEAK_USERS": str(args.peak_users),
    }
    server = None
    try:
        kehou = [sys.executable, "-m", "app"]
        if _run([*kehou, "migrate"], env) != 0:
            return 1
        demo = [*kehou, "demo", "--students", str(args.students), "--opens-in", str(args.opens_in)]
        if _run([*demo, "--manifest", str(manifest)], env) != 0:
            return 1
        server_log = manifest.parent / "server.log"
        server = subprocess.Popen(
            [*kehou, "serve", "--workers", "2", "--port", str(PORT)],
            env=env, cwd=ROOT, start_new_session=True,
            stdout=server_log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        not_started = _wait_ready(server, server_log)
        if not_started is not None:
            print(f"rehearsal FAILED: {not_started}\n{_tail(server_log)}", file=sys.stderr)
            return 1
        document = json.loads(manifest.read_text())
        school = document["schools"][0]
        term = school["terms"][0]["id"]
        sampler = OpeningSampler(f"http://127.0.0.1:{PORT}", term, school["admin"])
        sampler.start()
        rehearsal = _run([sys.executable, "-m", "locust", "--config", "loadtests/locust.conf"], env)
        samples = sampler.stop()
        samples.save(manifest.parent / "opening.json")
        picture = manifest.parent / "opening.png"
        draw(samples, picture, f"term {term}: {args.students} students, {args.peak_users} users")
        audit = _run([*kehou, "audit", "--term", str(term)], env)
        failed = [
            *(["the thresholds (the FAILED line above)"] if rehearsal != 0 else []),
            *(["kehou audit (the BREACH lines above)"] if audit != 0 else []),
        ]
        print(f"the opening, pictured: {picture}; locust's report: {manifest.parent}")
        if failed:
            print(f"rehearsal FAILED: {' and '.join(failed)}\n{_tail(server_log)}")
            return 1
        print("rehearsal PASSED: thresholds met, audit clean")
        return 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(database_url)
        forget_keys(env["REDIS_URL"], env["KEHOU_REDIS_KEY_PREFIX"])


if __name__ == "__main__":
    sys.exit(main())
