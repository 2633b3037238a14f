"""Group commit for granted seats. Every granted seat is written to Postgres before its answer,
and Postgres commits are the grab's slowest step (one WAL flush each). The writer queues the seats
of concurrent grabs and writes whatever has gathered while the previous commit ran in one
statement and one commit, then answers each grab: the same promise, far fewer flushes. A batch
that breaks a constraint is written again seat by seat, so only the seat at fault is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from dataclasses import dataclass

import psycopg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.grab.persister import StreamGrab, write_answered_seats

MAX_BATCH = 256


@dataclass(frozen=True)
class Pending:
    term_id: int
    grab: StreamGrab
    answer: asyncio.Future[int]


def _fail(batch: list[Pending], error: BaseException) -> None:
    for pending in batch:
        if not pending.answer.done():
            pending.answer.set_exception(error)


class GrabWriter:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], max_batch: int = MAX_BATCH
    ) -> None:
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def write(self, term_id: int, grab: StreamGrab) -> int:
        """The seat's enrollment id once committed. Raises IntegrityError when Postgres refuses
        this seat, and the database's error when the write could not be made."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="grab-writer")
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(Pending(term_id, grab, answer))
        return await asyncio.shield(answer)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._flush(batch)

    async def _flush(self, batch: list[Pending]) -> None:
        by_term: dict[int, list[Pending]] = defaultdict(list)
        for pending in batch:
            by_term[pending.term_id].append(pending)
        seats = {term_id: [p.grab for p in items] for term_id, items in by_term.items()}
        try:
            async with self.sessionmaker() as session:
                connection = await (await session.connection()).get_raw_connection()
                driver = connection.driver_connection
                assert isinstance(driver, psycopg.AsyncConnection)
                written = await write_answered_seats(driver, seats)
        except IntegrityError as error:
            if len(batch) == 1:
                _fail(batch, error)
                return
            for pending in batch:  # find the seat at fault: each on its own
                await self._flush([pending])
            return
        except Exception as error:  # the database is away: every grab of the batch hears it
            _fail(batch, error)
            return
        for term_id, items in by_term.items():
            for pending in items:
                enrollment_id = written[term_id].get(pending.grab.entry_id)
                if not pending.answer.done():
                    if enrollment_id is None:
                        pending.answer.set_exception(LookupError("seat not written"))
                    else:
                        pending.answer.set_result(enrollment_id)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
