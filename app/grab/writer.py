"""Group commit for granted seats. Every granted seat is written to Postgres before its answer,
and Postgres commits are the grab's slowest step (one WAL flush each). The writer queues the seats
of concurrent grabs and writes whatever has gathered while the previous commit ran in one
statement and one commit, then answers each grab: the same promise, far fewer flushes. A batch
that breaks a constraint is written again seat by seat, so only the seat at fault is refused.

Once a batch is committed and answered, its grabs leave the engine's stream (`forget`): the
stream then holds only what Postgres may still lack, and the persister never writes a seat twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.grab.persister import StreamGrab, as_database_error, write_answered_seats

log = structlog.get_logger("app.grab.writer")
MAX_BATCH = 256
# Taking written grabs out of the stream is housekeeping: a Redis that does not answer within
# this leaves them there (the persister's idempotent insert skips them), never holds up a write.
FORGET_TIMEOUT_S = 5.0
# Called with the stream entry ids of the grabs just written, by term.
Forget = Callable[[Mapping[int, Sequence[str]]], Awaitable[None]]


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
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        forget: Forget | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.forget = forget
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._writing: list[Pending] = []  # the batch with Postgres now
        self._forgetting: set[asyncio.Task[None]] = set()

    async def write(self, term_id: int, grab: StreamGrab) -> int:
        """The seat's enrollment id once committed. Raises IntegrityError when Postgres refuses
        this seat, and the database's error when the write could not be made."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="grab-writer")
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(Pending(term_id, grab, answer))
        return await asyncio.shield(answer)

    def _batch(self, first: Pending) -> list[Pending]:
        batch = [first]
        while len(batch) < self.max_batch and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            batch = self._writing = self._batch(await self._queue.get())
            # A connection checked out (and checked alive) for each batch: a write is never sent
            # down a connection to a Postgres that went away meanwhile, where its commit could
            # happen unanswered and the grab be refused for a seat Postgres keeps.
            try:
                async with self.sessionmaker() as session:
                    connection = await (await session.connection()).get_raw_connection()
                    driver = connection.driver_connection
                    assert isinstance(driver, psycopg.AsyncConnection)
                    await self._flush(driver, batch)
                    batch = []  # every seat answered, or back in the queue
            except Exception as error:  # no connection to be had: the database is away
                _fail(batch, error)

    async def _flush(self, driver: psycopg.AsyncConnection[Any], batch: list[Pending]) -> bool:
        """Write and answer the batch; False when the connection failed."""
        by_term: dict[int, list[Pending]] = defaultdict(list)
        for pending in batch:
            by_term[pending.term_id].append(pending)
        seats = {term_id: [p.grab for p in items] for term_id, items in by_term.items()}
        try:
            written = await write_answered_seats(driver, seats)
        except IntegrityError as error:
            try:
                await driver.rollback()
            except psycopg.Error as away:
                _fail(batch, as_database_error(away))
                return False
            if len(batch) == 1:
                _fail(batch, error)
                return True
            for index, pending in enumerate(batch):  # find the seat at fault: each on its own
                if not await self._flush(driver, [pending]):
                    for later in batch[index + 1 :]:  # tried again on a live connection
                        self._queue.put_nowait(later)
                    return False
            return True
        except Exception as error:  # the database is away: every grab of the batch hears it
            _fail(batch, error)
            return False
        for term_id, items in by_term.items():
            for pending in items:
                enrollment_id = written[term_id].get(pending.grab.entry_id)
                if not pending.answer.done():
                    if enrollment_id is None:
                        pending.answer.set_exception(LookupError("seat not written"))
                    else:
                        pending.answer.set_result(enrollment_id)
        self._forget({term_id: list(ids) for term_id, ids in written.items()})
        return True

    def _forget(self, written: dict[int, list[str]]) -> None:
        """Take the written grabs out of the stream beside the next batches' writes."""
        if self.forget is None:
            return
        task = asyncio.create_task(self._forget_now(self.forget, written))
        self._forgetting.add(task)
        task.add_done_callback(self._forgetting.discard)

    @staticmethod
    async def _forget_now(forget: Forget, written: dict[int, list[str]]) -> None:
        try:
            await asyncio.wait_for(forget(written), FORGET_TIMEOUT_S)
        except Exception as error:  # left in the stream: the persister's insert skips them
            log.warning("written_grabs_kept_in_stream", error_type=type(error).__name__)

    async def close(self) -> None:
        """Stop writing. Seats still waiting, and the batch with Postgres (whose commit cannot be
        known now), hear that the database is away: the grab then promises them (202) from the
        stream, or takes them back, as for any write that could not be made."""
        for task in [self._task, *self._forgetting]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        stopped = DisconnectionError("the grab writer stopped")
        _fail(self._writing, stopped)
        while not self._queue.empty():
            _fail([self._queue.get_nowait()], stopped)
