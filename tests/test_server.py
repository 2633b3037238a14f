"""`kehou serve` as operators run it: a cold start on embedded servers, and a graceful SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, start_server


@pytest.mark.timeout(600)  # a hang guard; the cold-start time is loadtests/bench_cold_start.py's
def test_cold_start_on_embedded_servers_becomes_ready_and_says_so(
    tmp_path: Path, folder_outside_pytest: Path
) -> None:
    data_dir = folder_outside_pytest / "fresh-data"
    process = start_server(
        {"KEHOU_DATA_DIR": str(data_dir), "KEHOU_ENVIRONMENT": "development"},
        tmp_path / "cold.log",
    )
    try:
        seconds = process.wait_ready()
        health = httpx.get(f"{process.base_url}/readyz").json()
    finally:
        code = process.terminate()
    print(f"cold start to /readyz 200: {seconds:.1f}s")
    assert health["migrations"] == "at-head"
    assert (data_dir / "postgres" / "PG_VERSION").exists()
    assert code == 0
    records = [json.loads(line) for line in process.log().splitlines() if line.startswith("{")]
    events = [record["event"] for record in records]
    # The worker runs on the servers its parent started: the startup log says they are embedded.
    (engines,) = [record for record in records if record["event"] == "engines"]
    assert engines["embedded"] is True
    assert engines["embedded_servers"] == ["postgres", "redis"]
    assert engines["redis_server"] == "valkey"
    # A cold start says what it is doing, in order, before the first request can be served.
    said = ["embedded_postgres_starting", "embedded_postgres_ready", "embedded_redis_starting",
            "embedded_redis_ready", "embedded_servers_started", "migrating", "migrated", "serving",
            "engines"]  # fmt: skip
    assert [event for event in events if event in said] == said
    assert not [event for event in events if event.startswith("setup plugin")]


@pytest.mark.timeout(300)
def test_sigterm_shuts_down_gracefully(server: ServerProcess) -> None:
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait()
    log = server.log()
    assert code == 0
    assert "Application shutdown complete" in log
    assert '"event": "stopped"' in log
    assert "Traceback" not in log


# Run by the supervisor, then again by each worker before it can answer the supervisor's health
# ping (a spawned worker imports its parent's main script): a slow start, as on a busy host,
# longer than uvicorn's own 5 s.
SLOW_ENTRY = """
import sys, time
time.sleep({seconds})
from app.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""
SLOW_START_S = 8


@pytest.mark.timeout(300)
def test_workers_slow_to_start_are_not_killed(server_env: dict[str, str], tmp_path: Path) -> None:
    entry = tmp_path / "kehou"
    entry.write_text(SLOW_ENTRY.format(seconds=SLOW_START_S), encoding="utf-8")
    process = start_server(
        server_env, tmp_path / "workers.log", workers=2, command=(sys.executable, str(entry))
    )
    try:
        process.wait_ready()
        while process.log().count("Application startup complete") < 2 and not _deaths(process):
            assert process.process.poll() is None, process.log()
            time.sleep(0.1)
    finally:
        process.terminate()
    assert _deaths(process) == [], process.log()[-3000:]


def _deaths(process: ServerProcess) -> list[str]:
    return [line for line in process.log().splitlines() if "] died" in line]


def test_the_entry_point_imports_nothing_of_the_app() -> None:
    """What each worker imports before it can answer the health ping stays small."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, app.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heavy = ("sqlalchemy", "fastapi", "redis", "app.resources", "app.main", "app.grab")
    assert [name for name in heavy if f"'{name}'" in loaded] == []
