"""Live seat counts for every phone watching a term, from one Redis read per worker.

Each worker polls a watched term's seat counts a few times a second and hands the latest counts
to every subscriber's one-slot mailbox: a thousand phones cost one HGETALL per interval, and a
slow phone only ever misses intermediate counts, never gets a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from app.grab.engine import SeatEngine

log = structlog.get_logger("app.grab.broadcast")
Seats = dict[int, int]


class SeatBroadcaster:
    def __init__(self, engine: SeatEngine, interval_s: float = 0.25) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._mailboxes: dict[int, set[asyncio.Queue[Seats]]] = {}
        self._latest: dict[int, Seats] = {}
        self._pollers: dict[int, asyncio.Task[None]] = {}

    def _deliver(self, term_id: int, seats: Seats) -> None:
        for mailbox in self._mailboxes.get(term_id, ()):
            if mailbox.full():
                mailbox.get_nowait()  # keep only the newest counts
            mailbox.put_nowait(seats)

    async def _poll(self, term_id: int) -> None:
        while True:
            try:
                seats = await self.engine.seats_left(term_id)
                if seats != self._latest.get(term_id):
                    self._latest[term_id] = seats
                    self._deliver(term_id, seats)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("seat_poll_failed", term_id=term_id, error_type=type(error).__name__)
            await asyncio.sleep(self.interval_s)

    async def subscribe(self, term_id: int) -> AsyncIterator[Seats]:
        mailbox: asyncio.Queue[Seats] = asyncio.Queue(maxsize=1)
        self._mailboxes.setdefault(term_id, set()).add(mailbox)
        if term_id in self._latest:
            mailbox.put_nowait(self._latest[term_id])
        if term_id not in self._pollers:
            self._pollers[term_id] = asyncio.create_task(self._poll(term_id))
        try:
            while True:
                yield await mailbox.get()
        finally:
            watchers = self._mailboxes.get(term_id, set())
            watchers.discard(mailbox)
            if not watchers:
                self._mailboxes.pop(term_id, None)
                self._latest.pop(term_id, None)
                poller = self._pollers.pop(term_id, None)
                if poller is not None:
                    poller.cancel()

    async def close(self) -> None:
        for poller in self._pollers.values():
            poller.cancel()
        for poller in self._pollers.values():
            with contextlib.suppress(asyncio.CancelledError):
                await poller
        self._pollers.clear()
