"""`kehou serve` as operators run it: a cold start on embedded engines, and a graceful SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, start_server


@pytest.mark.timeout(600)  # a hang guard; the cold-start time is loadtests/bench_cold_start.py's
def test_cold_start_on_embedded_engines_becomes_ready(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh-data"
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
    assert "embedded_engines_started" in process.log()


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
