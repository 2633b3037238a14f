"""The opening-second rehearsal from one command: a demo district whose grab opens shortly, the
app (2 workers), the locust rehearsal headless, then `kehou audit` of the rehearsed term.

    uv run --group load python -m loadtests.rehearse [--students 4000] [--peak-users 400]

Runs on the machine's Postgres and Redis (DATABASE_URL / REDIS_URL, default 127.0.0.1) in a
database and a Redis key prefix of its own. Exits non-zero when the rehearsal's thresholds
(loadtests/locust.conf) or an invariant fail. Reports land in .data/locust/.
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

ROOT = Path(__file__).resolve().parent.parent
PORT = 8000


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
        server = subprocess.Popen(
            [*kehou, "serve", "--workers", "2", "--port", str(PORT)],
            env=env, cwd=ROOT, start_new_session=True,
            stdout=(manifest.parent / "server.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.5)
        rehearsal = _run([sys.executable, "-m", "locust", "--config", "loadtests/locust.conf"], env)
        term = json.loads(manifest.read_text())["schools"][0]["terms"][0]["id"]
        audit = _run([*kehou, "audit", "--term", str(term)], env)
        print(f"rehearsal exit {rehearsal}, audit exit {audit}")
        return 0 if rehearsal == 0 and audit == 0 else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(database_url)


if __name__ == "__main__":
    sys.exit(main())
