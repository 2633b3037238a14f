"""Writing granted seats to Postgres from the engine's stream.

The API writes each granted seat itself before answering 201. When Postgres could not take it
(the answer was 202 pending), the grab stays in the term's stream and the persister writes it:
a consumer group, XACK after the commit, XAUTOCLAIM of entries a dead worker left pending. Every
insert is idempotent (ON CONFLICT on the grab id and on student+course), so an entry written twice
is written once.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import structlog
from redis.exceptions import ResponseError
from sqlalchemy import Dialect, TextClause, select, text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.grab.engine import SeatEngine
from app.models import Term

log = structlog.get_logger("app.grab.persister")

Entries = list[tuple[str, dict[str, str] | None]]
GROUP = "persisters"
BATCH = 500
STALE_MS = 15_000
# The API's writer commits a granted seat and takes it out of the stream within milliseconds,
# seconds at the busiest opening; the app's persister leaves entries younger than this to it.
API_WRITE_GRACE_MS = 3_000


def entry_ms(entry_id: str) -> int:
    """When Redis appended a stream entry (its id is `<milliseconds>-<sequence>`)."""
    return int(entry_id.split("-", 1)[0])


@dataclass(frozen=True)
class StreamGrab:
    entry_id: str
    student_id: int
    course_id: int
    round: int
    user_id: int | None
    idempotency_key: str
    grabbed_at: datetime

    @classmethod
    def from_entry(cls, entry_id: str, fields: dict[str, str]) -> StreamGrab:
        return cls(
            entry_id=entry_id,
            student_id=int(fields["student"]),
            course_id=int(fields["course"]),
            round=int(fields["round"]),
            user_id=int(fields["user"]) if fields.get("user") else None,
            idempotency_key=fields.get("key", ""),
            grabbed_at=datetime.fromtimestamp(int(fields["at"]) / 1000, UTC),
        )


_WRITE = """
    WITH granted AS (
        SELECT * FROM unnest(
            CAST(:grab_ids AS text[]), CAST(:students AS int[]), CAST(:courses AS int[]),
            CAST(:rounds AS smallint[]), CAST(:users AS int[]), CAST(:keys AS text[]),
            CAST(:ats AS timestamptz[])
        ) AS g(grab_id, student_id, course_id, round, user_id, idempotency_key, grabbed_at)
    ), inserted AS (
        INSERT INTO enrollment
            (term_id, student_id, course_id, round, user_id, idempotency_key, grab_id, grabbed_at)
        SELECT :term_id, student_id, course_id, round, user_id, idempotency_key, grab_id, grabbed_at
        FROM granted
        ON CONFLICT {conflict} DO NOTHING
        RETURNING id, course_id, grab_id
    ), counted AS (
        UPDATE course SET seats_taken = course.seats_taken + c.taken
        FROM (SELECT course_id, count(*) AS taken FROM inserted GROUP BY course_id) AS c
        WHERE course.id = c.course_id
    )
    SELECT grab_id, id FROM inserted
    UNION ALL
    SELECT e.grab_id, e.id FROM enrollment e
    WHERE e.term_id = :term_id AND e.grab_id = ANY(CAST(:grab_ids AS text[]))
      AND e.grab_id NOT IN (SELECT grab_id FROM inserted)
    """
# The API's writer: a seat Postgres refuses (a second confirmed seat, a course over capacity)
# raises, so that the grab is refused and its seat given back.
_WRITE_ANSWERED = text(_WRITE.format(conflict="(term_id, grab_id)"))
# The persister, writing from the stream what nobody answered for: anything Postgres already
# holds or refuses is skipped (the API refused that grab and gave its seat back).
_WRITE_FROM_STREAM = text(_WRITE.format(conflict=""))


_LOCK = text("SELECT id FROM course WHERE id = ANY(:courses) ORDER BY id FOR UPDATE")


def _in_driver_form(statement: TextClause) -> str:
    """A statement as psycopg takes it (`%(name)s` placeholders), for the API writer's pipeline,
    which talks to the driver directly."""
    dialect: Dialect = psycopg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's own is untyped
    return str(statement.compile(dialect=dialect))


_LOCK_SQL = _in_driver_form(_LOCK)
_WRITE_ANSWERED_SQL = _in_driver_form(_WRITE_ANSWERED)


def _seat_rows(term_id: int, grabs: Sequence[StreamGrab]) -> dict[str, Any]:
    return {
        "term_id": term_id,
        "grab_ids": [g.entry_id for g in grabs],
        "students": [g.student_id for g in grabs],
        "courses": [g.course_id for g in grabs],
        "rounds": [g.round for g in grabs],
        "users": [g.user_id for g in grabs],
        "keys": [g.idempotency_key for g in grabs],
        "ats": [g.grabbed_at for g in grabs],
    }


async def write_seats(
    session: AsyncSession, term_id: int, grabs: Sequence[StreamGrab], from_stream: bool = False
) -> dict[str, int]:
    """Insert the seats not yet written (by their grab id) and count them on their courses, in
    one statement; the enrollment id of every seat, written now or before. The API's writer and
    the persister both write this way, and both lock the courses in id order first."""
    # Course rows are locked in id order first: two writers' batches sharing courses then wait
    # for each other instead of deadlocking.
    await session.execute(_LOCK, {"courses": sorted({g.course_id for g in grabs})})
    rows = await session.execute(
        _WRITE_FROM_STREAM if from_stream else _WRITE_ANSWERED, _seat_rows(term_id, grabs)
    )
    return {str(grab_id): int(enrollment_id) for grab_id, enrollment_id in rows}


def as_database_error(error: psycopg.Error) -> StatementError:
    """The driver's error as SQLAlchemy's (IntegrityError for a refused seat, and so on), as a
    session would raise it: what the grab's callers know how to answer."""
    return DBAPIError.instance(None, None, error, psycopg.Error, hide_parameters=True)


async def write_answered_seats(
    connection: psycopg.AsyncConnection[Any], seats: Mapping[int, Sequence[StreamGrab]]
) -> dict[int, dict[str, int]]:
    """What `write_seats` does for the API's writer, for several terms at once and committed, in
    one round trip: the lock, every term's write and the commit go down the driver's pipeline
    together. The courses stay locked for Postgres's own work only, never for a round trip to
    a worker whose event loop is busy answering (which, at the opening, is every worker).
    Postgres's refusal comes as SQLAlchemy's error, as from a session."""
    courses = sorted({grab.course_id for grabs in seats.values() for grab in grabs})
    try:
        async with connection.pipeline():
            await connection.execute(_LOCK_SQL, {"courses": courses})
            cursors = {
                term_id: await connection.execute(_WRITE_ANSWERED_SQL, _seat_rows(term_id, grabs))
                for term_id, grabs in seats.items()
            }
            await connection.commit()
    except psycopg.Error as error:
        raise as_database_error(error) from error
    return {
        term_id: {
            str(grab_id): int(enrollment_id) for grab_id, enrollment_id in await cursor.fetchall()
        }
        for term_id, cursor in cursors.items()
    }


def sort_entries(engine: SeatEngine, entries: Entries) -> tuple[list[StreamGrab], list[str]]:
    """The grabs to write, and the ids of entries that are not this database's to write: deleted
    ones (fields gone) and grabs taken on a term armed from another database (a shared Redis)."""
    grabs, foreign = [], []
    for entry_id, fields in entries:
        if not fields or fields.get("db", engine.database_id) != engine.database_id:
            foreign.append(entry_id)
        else:
            grabs.append(StreamGrab.from_entry(entry_id, fields))
    return grabs, foreign


async def persist_stream(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, term_id: int
) -> int:
    """Write every grab of the term's stream that Postgres lacks (used before re-arming); a
    grab another database's engine took leaves the stream unwritten."""
    redis = engine.redis
    stream = engine.keys(term_id).stream
    total, cursor = 0, "-"
    while True:
        entries: Entries = await redis.xrange(stream, min=cursor, max="+", count=BATCH)  # type: ignore[assignment]
        if cursor != "-" and entries and entries[0][0] == cursor:
            entries = entries[1:]
        if not entries:
            return total
        grabs, foreign = sort_entries(engine, entries)
        if grabs:
            async with sessionmaker() as session, session.begin():
                await write_seats(session, term_id, grabs, from_stream=True)
        if foreign:
            await redis.xdel(stream, *foreign)
        total += len(grabs)
        cursor = entries[-1][0]


async def active_terms(sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    """The terms whose window (either round) is open now: the ones with a stream to watch."""
    async with sessionmaker() as session:
        now = datetime.now(UTC)
        rows = await session.scalars(
            select(Term.id).where(Term.opens_at <= now, Term.round2_closes_at >= now)
        )
        return list(rows)


class Persister:
    """One worker's consumer in each armed term's stream group."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        engine: SeatEngine,
        poll_s: float = 0.5,
        stale_ms: int = STALE_MS,
        consumer: str | None = None,
        grace_ms: int = 0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.grace_ms = grace_ms
        self.engine = engine
        self.redis = engine.redis
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.poll_s = poll_s
        self.stale_ms = stale_ms
        self._groups: set[str] = set()

    async def _ensure_group(self, stream: str) -> None:
        if stream in self._groups:
            return
        try:
            await self.redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._groups.add(stream)

    async def _read_group(self, stream: str, command: Any) -> Any:
        """A group command; when Redis no longer has the group (it came back without it), the
        group is made again from the stream's first entry and the command sent again."""
        await self._ensure_group(stream)
        try:
            return await command()
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            log.warning("persister_group_recreated", stream=stream)
            self._groups.discard(stream)
            await self._ensure_group(stream)
            return await command()

    async def read(self, term_id: int) -> list[StreamGrab]:
        """Entries this consumer read but could not write (Postgres was away) come first, at once;
        when none of them is to be written now, entries a dead consumer left pending too long,
        then new ones. With a grace, entries younger than it stay pending with this consumer,
        read again next time: by then the API's writer has normally written them and taken
        them out of the stream (they come back deleted, and are only acknowledged)."""
        stream = self.engine.keys(term_id).stream
        own: Any = await self._read_group(
            stream, lambda: self.redis.xreadgroup(GROUP, self.consumer, {stream: "0"}, count=BATCH)
        )
        grabs = await self._to_write(stream, [entry for _, batch in own or [] for entry in batch])
        if grabs:
            return grabs
        claimed: Any = await self._read_group(
            stream,
            lambda: self.redis.xautoclaim(
                stream, GROUP, self.consumer, min_idle_time=self.stale_ms, start_id="0-0",
                count=BATCH,
            ),
        )  # fmt: skip
        fresh: Any = await self._read_group(
            stream, lambda: self.redis.xreadgroup(GROUP, self.consumer, {stream: ">"}, count=BATCH)
        )
        entries = [*claimed[1], *(entry for _, batch in fresh or [] for entry in batch)]
        return await self._to_write(stream, entries)

    async def _to_write(self, stream: str, entries: Entries) -> list[StreamGrab]:
        """The grabs among `entries` to write now: the others are acknowledged (gone, or not this
        database's) or, younger than the grace, left pending."""
        grabs, foreign = sort_entries(self.engine, entries)
        if foreign:  # nothing to write: acknowledged, so that they stop coming back
            await self.redis.xack(stream, GROUP, *foreign)
            await self.redis.xdel(stream, *foreign)
        if self.grace_ms and grabs:
            seconds, microseconds = await self.redis.time()
            ripe_before = seconds * 1000 + microseconds // 1000 - self.grace_ms
            grabs = [grab for grab in grabs if entry_ms(grab.entry_id) <= ripe_before]
        return grabs

    async def write_and_ack(self, term_id: int, grabs: list[StreamGrab]) -> None:
        """Acknowledge only after the commit: a crash in between leaves the entries pending,
        and whoever claims them writes them again, which the inserts make harmless. Written
        entries then leave the stream: it holds only what Postgres may still lack, so arming
        (which writes the whole stream first) stays fast and Redis's memory bounded."""
        async with self.sessionmaker() as session, session.begin():
            await write_seats(session, term_id, grabs, from_stream=True)
        stream = self.engine.keys(term_id).stream
        ids = [g.entry_id for g in grabs]
        await self.redis.xack(stream, GROUP, *ids)
        await self.redis.xdel(stream, *ids)

    async def run_once(self, term_id: int) -> int:
        grabs = await self.read(term_id)
        if grabs:
            await self.write_and_ack(term_id, grabs)
        return len(grabs)

    async def run(self) -> None:
        while True:
            try:
                for term_id in await active_terms(self.sessionmaker):
                    while await self.run_once(term_id) == BATCH:
                        pass
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("persister_retry", error_type=type(error).__name__)
            await asyncio.sleep(self.poll_s)
