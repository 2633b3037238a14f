"""Answers to the reads the whole school repeats, kept in each API process for a few seconds.

Before the grab opens every family refreshes the course list, again and again: the catalogue of a
term, its seat counts and who the caller is change far more slowly than they are asked for. What is
kept, and for how long, is each read's to say (its time to live); an entry past it is never
answered. Each process keeps its own. A change this process commits forgets the entries tagged with
what it touched at once (`forget_changed`, after the commit); the other processes' entries expire
within their time to live.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.persistence.engine_changes import ClassChanged, EngineChange, StudentChanged

MAX_ENTRIES = 100_000
# Tags entries are kept under, so that a change forgets what it touched.
READERS = ("readers",)  # who callers are: their bindings, roles and classes
STUDENTS = ("students",)  # what decides a named student's view: grade and school


def term_tag(term_id: int) -> tuple[str, int]:
    return ("term", term_id)


def reader_key(user_id: int) -> tuple[str, int]:
    """Who a caller is (their principal), looked up once a while for the reads."""
    return ("reader", user_id)


class ReadCache:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
        load_slots: int = 4,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.clock = clock
        self.sessionmaker = sessionmaker
        self.max_entries = max_entries
        # Loads at once: a storm of first requests waits here, in memory, rather than for the
        # database pool the grab's writer needs.
        self.load_slots = asyncio.Semaphore(load_slots)
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.tagged: dict[Hashable, set[Hashable]] = {}
        self.loading: dict[Hashable, asyncio.Future[None]] = {}

    def get(self, key: Hashable) -> Any | None:
        found = self.entries.get(key)
        if found is None:
            return None
        expires_at, value = found
        if self.clock() >= expires_at:
            del self.entries[key]
            return None
        return value

    def put(self, key: Hashable, value: Any, ttl_s: float, tags: tuple[Hashable, ...] = ()) -> None:
        if len(self.entries) >= self.max_entries:
            self._make_room()
        self.entries.pop(key, None)  # to the end of the order: the newest
        self.entries[key] = (self.clock() + ttl_s, value)
        for tag in tags:
            self.tagged.setdefault(tag, set()).add(key)

    async def get_or_load(
        self,
        key: Hashable,
        ttl_s: float,
        load: Callable[[], Awaitable[Any]],
        tags: tuple[Hashable, ...] = (),
    ) -> Any:
        """The entry, loaded by `load` when it is missing, once however many ask at the same time:
        when an entry expires at the opening, a thousand requests must not all go to Postgres for
        it. The others wait for the one loading; if it fails, each of them tries on its own (and
        meets its own error). At most `load_slots` loads run at once."""
        while True:
            found = self.get(key)
            if found is not None:
                return found
            pending = self.loading.get(key)
            if pending is None:
                break
            await asyncio.wait([pending])
        done = self.loading[key] = asyncio.get_running_loop().create_future()
        try:
            async with self.load_slots:
                value = await load()
            self.put(key, value, ttl_s, tags)
            return value
        finally:
            del self.loading[key]
            done.set_result(None)

    async def get_or_query(
        self,
        key: Hashable,
        ttl_s: float,
        query: Callable[[AsyncSession], Awaitable[Any]],
        tags: tuple[Hashable, ...] = (),
    ) -> Any:
        """`get_or_load` for an entry read from Postgres, on a session of its own opened inside the
        load's slot: its connection goes back to the pool when the load ends. (On the request's
        session it would stay out until the request ends, while the request waits for another
        slot: a storm of first requests would hold the pool and wait for each other.)"""

        return await self.get_or_load(key, ttl_s, lambda: self.query(query), tags)

    async def query(self, query: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """`query`'s answer, on a session of its own."""
        if self.sessionmaker is None:
            raise RuntimeError("this read cache has no database to query")
        async with self.sessionmaker() as session:
            return await query(session)

    def forget_tagged(self, tag: Hashable) -> None:
        for key in self.tagged.pop(tag, ()):
            self.entries.pop(key, None)

    def forget_changed(self, changes: Sequence[EngineChange]) -> None:
        """Forget what a committed transaction touched: its terms' answers; for a student's or a
        class's change, who every caller is and what decides a student's view."""
        for change in changes:
            if isinstance(change, StudentChanged | ClassChanged):
                self.forget_tagged(READERS)
                self.forget_tagged(STUDENTS)
            else:
                self.forget_tagged(term_tag(change.term_id))

    def _make_room(self) -> None:
        now = self.clock()
        self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
        if len(self.entries) >= self.max_entries:  # all live: the older half goes
            keep = list(self.entries.items())[len(self.entries) // 2 :]
            self.entries = dict(keep)
        self.tagged = {
            tag: live for tag, keys in self.tagged.items() if (live := keys & self.entries.keys())
        }
