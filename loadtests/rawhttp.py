"""A small asyncio HTTP/1.1 client for the benchmark's opening burst: many keep-alive
connections, each sending its own requests one after the other, answers read by Content-Length.
Little more than sockets, so that the client costs far less than the server it measures (its
figure for the one-EVALSHA endpoint is printed next to wrk's as a check)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Req:
    path: str
    body: dict[str, object]
    token: str = ""
    key: str = ""

    def encoded(self, host: str) -> bytes:
        body = json.dumps(self.body).encode()
        headers = [
            f"POST {self.path} HTTP/1.1",
            f"Host: {host}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        if self.token:
            headers.append(f"Authorization: Bearer {self.token}")
        if self.key:
            headers.append(f"Idempotency-Key: {self.key}")
        return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


@dataclass
class Outcome:
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    slugs: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)  # seconds after the release
    socket_errors: int = 0
    client_cpu_s: float = 0.0  # this process's CPU time from the release to the last answer

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def drain(self, step_s: float = 1.0) -> list[int]:
        """Answers given by the end of each `step_s` after the release, cumulative."""
        steps = int(max(self.answered_at, default=0) // step_s) + 1
        counts = [0] * steps
        for at in self.answered_at:
            counts[int(at // step_s)] += 1
        for index in range(1, steps):
            counts[index] += counts[index - 1]
        return counts

    def record(
        self, status: int, body: bytes, released: float, answered: float, began: float
    ) -> None:
        """One answer: its latency from its release, when it came after the burst's, its status
        and, for a problem, its slug."""
        self.latencies.append(answered - released)
        self.answered_at.append(answered - began)
        self.statuses[status] += 1
        if status >= 400 and body.startswith(b"{"):
            self.slugs[str(json.loads(body).get("slug", status))] += 1

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    return status, await reader.readexactly(length) if length else b""


async def _connection(
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    requests: Sequence[bytes],
    outcome: Outcome,
    began: float,
) -> None:
    reader, writer = streams
    try:
        for request in requests:
            sent = time.perf_counter()
            writer.write(request)
            status, body = await _read_answer(reader)
            outcome.record(status, body, sent, time.perf_counter(), began)
    except (OSError, asyncio.IncompleteReadError):
        outcome.socket_errors += 1
    finally:
        writer.close()


async def fire(host: str, port: int, per_connection: Sequence[Sequence[Req]]) -> Outcome:
    """Open one connection per list of requests, then release them all at once: the time from
    the release until the last answer. Requests are encoded before the release."""
    address = f"{host}:{port}"
    encoded = [[request.encoded(address) for request in requests] for requests in per_connection]
    outcome = Outcome()
    opened = await asyncio.gather(
        *(asyncio.open_connection(host, port) for _ in per_connection), return_exceptions=True
    )
    began, cpu = time.perf_counter(), time.process_time()
    tasks = []
    for streams, requests in zip(opened, encoded, strict=True):
        if isinstance(streams, BaseException):
            outcome.socket_errors += len(requests)
            continue
        tasks.append(_connection(streams, requests, outcome, began))
    await asyncio.gather(*tasks)
    outcome.seconds = time.perf_counter() - began
    outcome.client_cpu_s = time.process_time() - cpu
    return outcome


async def fire_through_proxy(
    host: str, port: int, per_family: Sequence[Sequence[Req]], upstream: int
) -> Outcome:
    """The families as a reverse proxy brings them: each family's connection ends at the proxy,
    which keeps `upstream` keep-alive connections to the workers (nginx's upstream `keepalive`)
    and sends each attempt on the first that is free. Every family releases its first attempt
    at once and its next one when the last is answered. An attempt's latency counts from its
    release, its wait at the proxy included."""
    address = f"{host}:{port}"
    encoded = [[request.encoded(address) for request in requests] for requests in per_family]
    outcome = Outcome()
    opened = await asyncio.gather(
        *(asyncio.open_connection(host, port) for _ in range(upstream)), return_exceptions=True
    )
    ready: asyncio.Queue[tuple[int, int, float] | None] = asyncio.Queue()
    left = sum(len(requests) for requests in encoded)
    began, cpu = time.perf_counter(), time.process_time()
    for family, requests in enumerate(encoded):
        if requests:
            ready.put_nowait((family, 0, began))

    def settle(count: int = 1) -> None:
        nonlocal left
        left -= count
        if left == 0:
            for _ in opened:
                ready.put_nowait(None)

    async def carry(streams: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        reader, writer = streams
        try:
            while (item := await ready.get()) is not None:
                family, index, released = item
                writer.write(encoded[family][index])
                status, body = await _read_answer(reader)
                answered = time.perf_counter()
                outcome.record(status, body, released, answered, began)
                if index + 1 < len(encoded[family]):
                    ready.put_nowait((family, index + 1, answered))
                settle()
        except (OSError, asyncio.IncompleteReadError):
            # The attempt in flight is lost, and with it the family's later ones.
            lost = len(encoded[family]) - index
            outcome.socket_errors += lost
            settle(lost)
        finally:
            writer.close()

    carriers = [carry(streams) for streams in opened if not isinstance(streams, BaseException)]
    if not carriers:
        outcome.socket_errors = left
        return outcome
    await asyncio.gather(*carriers)
    outcome.seconds = time.perf_counter() - began
    outcome.client_cpu_s = time.process_time() - cpu
    return outcome
