"""A three-master Redis Cluster on loopback ports, from the machine's redis-server binary."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from app.embedded import RedisServer

REDIS_SERVER = "/usr/bin/redis-server"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_ports(count: int) -> list[int]:
    """Ports a cluster node can use: each free, and so is its bus port (port + 10000), which
    must stay below 65536."""
    rng = random.Random()  # noqa: S311  (picking ports)
    ports: list[int] = []
    while len(ports) < count:
        port = rng.randrange(20_000, 45_000)
        if port not in ports and _free(port) and _free(port + 10_000):
            ports.append(port)
    return ports


def available() -> bool:
    return Path(REDIS_SERVER).exists() and shutil.which("redis-cli") is not None


@dataclass
class ThrowawayCluster:
    folder: Path
    ports: list[int]
    nodes: list[RedisServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}/0"

    def start(self, timeout_s: float = 30) -> ThrowawayCluster:
        for port in self.ports:
            node = RedisServer(
                REDIS_SERVER,
                self.folder / str(port),
                port=port,
                extra_args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--appendonly", "no"],
            )  # fmt: skip
            self.nodes.append(node.start())
        addresses = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = [
                redis.Redis(port=port, decode_responses=True).cluster("info").get("cluster_state")
                for port in self.ports
            ]
            if all(state == "ok" for state in states):
                return self
            time.sleep(0.2)
        raise TimeoutError("the cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
