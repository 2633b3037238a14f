"""The shipped proxy settings for real: Debian's nginx on loopback, with `deploy/nginx-proxy.conf`,
in front of `kehou serve`, both started here and stopped by PID. The proxy connects from its own
loopback address (127.0.0.2), the only one the server trusts to name the client; families reach
nginx from addresses of their own. The per-address limit is set to two attempts a minute, so that
which address the server believed shows in who is limited."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.resources import Resources
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.server import ServerProcess, free_port, serving
from tests.support.waiting import eventually
from tests.support.world import World

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PROXY_SNIPPET = Path(__file__).parents[2] / "deploy" / "nginx-proxy.conf"
PROXY_ADDRESS = "127.0.0.2"
PER_ADDRESS = "2/minute"

pytestmark = pytest.mark.skipif(NGINX is None, reason="Debian's nginx is not installed")


@pytest.fixture
def kehou(server_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        **server_env,
        "KEHOU_FORWARDED_ALLOW_IPS": PROXY_ADDRESS,
        "KEHOU_GRAB_LIMIT_PER_IP": PER_ADDRESS,
        "KEHOU_GRAB_LIMIT_PER_PARENT": "100/minute",
    }
    with serving(env, tmp_path / "server.log") as process:
        yield process


@pytest.fixture
def nginx(kehou: ServerProcess, tmp_path: Path) -> Iterator[str]:
    """nginx in front of the server; its base URL."""
    assert NGINX is not None
    folder = tmp_path / "nginx"
    folder.mkdir()
    port = free_port()
    temp = "\n".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    upstream kehou_api {{ server 127.0.0.1:{kehou.port}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kehou_api;
            proxy_bind {PROXY_ADDRESS};
            include {PROXY_SNIPPET};
        }}
    }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def from_address(base_url: str, address: str) -> httpx.AsyncClient:
    """A client whose connections leave from `address` (any of 127.0.0.0/8 on Linux)."""
    return httpx.AsyncClient(
        base_url=base_url,
        transport=httpx.AsyncHTTPTransport(local_address=address),
        timeout=None,
    )


async def attempt(
    client: httpx.AsyncClient,
    term_id: int,
    family: Family,
    course_id: int,
    forwarded_for: str | None = None,
) -> int:
    headers = {**family.headers, "Idempotency-Key": uuid.uuid4().hex}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    response = await client.post(
        f"/api/v1/terms/{term_id}/enrollments",
        json={"student_id": family.student_id, "course_id": course_id},
        headers=headers,
    )
    return response.status_code


@pytest.mark.timeout(120)
async def test_behind_the_proxy_each_family_keeps_its_own_address(
    app: FastAPI, world: World, kehou: ServerProcess, nginx: str
) -> None:
    resources: Resources = app.state.resources
    first, second, third, direct = await add_families(
        resources, world.school_a, world.class_a301, world.term_a, 4
    )
    course = await add_course(resources, world.term_a, 10, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    term = world.term_a

    async def nginx_answers() -> bool:
        async with httpx.AsyncClient(base_url=nginx) as probe:
            try:
                return (await probe.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

    await eventually(nginx_answers)

    async with from_address(nginx, "127.0.0.3") as one_home:
        # A family's address runs out after two attempts: the server saw 127.0.0.3, not nginx.
        assert await attempt(one_home, term, first, course) == 201
        assert await attempt(one_home, term, first, course) == 409  # already enrolled: counted
        assert await attempt(one_home, term, first, course) == 429
    async with from_address(nginx, "127.0.0.4") as another_home:
        # Another family behind the same proxy is limited apart: its first attempt goes through.
        assert await attempt(another_home, term, second, course) == 201
    async with from_address(nginx, "127.0.0.5") as posing:
        # A header a client sends to nginx is replaced with its own address: naming the spent
        # address changes nothing, nor does naming a fresh one.
        assert await attempt(posing, term, third, course, forwarded_for="127.0.0.3") == 201
        assert await attempt(posing, term, third, course, forwarded_for="10.9.8.7") == 409
        assert await attempt(posing, term, third, course, forwarded_for="10.9.8.6") == 429
    async with from_address(kehou.base_url, "127.0.0.6") as straight_in:
        # Not through the proxy: the server believes no X-Forwarded-For from an untrusted peer,
        # so a fresh address on every attempt does not reset the limit.
        for n, status in enumerate([201, 409, 429]):
            assert await attempt(straight_in, term, direct, course, f"10.0.0.{n}") == status
