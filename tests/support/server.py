"""`kehou serve` as a real process on a loopback port, for tests that need a real server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> float:
        """Seconds until /readyz answered 200, however long that takes on a busy machine (the
        test's timeout guards against a hang); raises if the server exits first."""
        started = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=None).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def terminate(self, timeout_s: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 1,
    command: Sequence[str] = (sys.executable, "-m", "app"),
) -> ServerProcess:
    """`command serve`: `python -m app` by default, or a script as the `kehou` one that
    operators run."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full_env.update(env)
    full_env["KEHOU_PORT"] = str(port)
    full_env["KEHOU_WORKERS"] = str(workers)
    log = open(log_path, "wb")  # noqa: SIM115  (the child writes to it)
    process = subprocess.Popen(
        [*command, "serve"],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return ServerProcess(process, port, log_path)


@contextmanager
def serving(env: dict[str, str], log_path: Path, *, workers: int = 1) -> Iterator[ServerProcess]:
    """`kehou serve` started, ready to answer, and stopped by PID at the end."""
    process = start_server(env, log_path, workers=workers)
    try:
        process.wait_ready()
        yield process
    finally:
        process.terminate()
