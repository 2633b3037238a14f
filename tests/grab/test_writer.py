"""Group commit: concurrent grabs share their commits, and a seat Postgres refuses is refused
alone while the rest of its batch is written."""

from __future__ import annotations

import asyncio
import time as time_module
import uuid
from datetime import UTC, datetime, time
from typing import Any

import psycopg
from fastapi import FastAPI
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.domain.statuses import EnrollmentStatus
from app.grab.persister import StreamGrab
from app.grab.writer import GrabWriter, Pending
from app.models import Course, Enrollment
from app.resources import Resources
from tests.support.grabbing import add_course, add_families
from tests.support.world import build_world


class CountingWriter(GrabWriter):
    """The real writer, counting the batches it commits."""

    batches: list[int]

    async def _flush(self, driver: psycopg.AsyncConnection[Any], batch: list[Pending]) -> bool:
        self.batches.append(len(batch))
        return await super()._flush(driver, batch)


def seat(student_id: int, course_id: int) -> StreamGrab:
    return StreamGrab(
        f"{uuid.uuid4().int % 10**12}-0", student_id, course_id, 1, None, "", datetime.now(UTC)
    )


async def seat_already_in_postgres(
    resources: Resources, term_id: int, student_id: int, course_id: int
) -> None:
    """The engine and Postgres disagree about one student: Postgres has their seat already, so
    a batch holding it is written again seat by seat."""
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            insert(Enrollment),
            {"term_id": term_id, "student_id": student_id, "course_id": course_id, "round": 1,
             "status": EnrollmentStatus.CONFIRMED, "grabbed_at": datetime.now(UTC)},
        )  # fmt: skip


async def test_concurrent_seats_share_commits_and_all_are_written(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 200)
    course = await add_course(resources, world.term_a, 200, [1], time(16, 0), time(16, 40))
    writer = CountingWriter(resources.sessionmaker)
    writer.batches = []
    try:
        ids = await asyncio.gather(
            *(writer.write(world.term_a, seat(f.student_id, course)) for f in crowd)
        )
    finally:
        await writer.close()
    assert len(set(ids)) == 200
    assert sum(writer.batches) == 200
    assert len(writer.batches) < 200 / 4  # shared commits, not one per seat
    async with resources.sessionmaker() as session:
        taken = await session.scalar(select(Course.seats_taken).where(Course.id == course))
        rows = await session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course)
        )
    assert (taken, rows) == (200, 200)


async def test_a_refused_seat_fails_alone_and_its_batch_is_written(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 30)
    course = await add_course(resources, world.term_a, 100, [1], time(16, 0), time(16, 40))
    await seat_already_in_postgres(resources, world.term_a, crowd[7].student_id, course)
    writer = CountingWriter(resources.sessionmaker)
    writer.batches = []
    try:
        outcomes = await asyncio.gather(
            *(writer.write(world.term_a, seat(f.student_id, course)) for f in crowd),
            return_exceptions=True,
        )
    finally:
        await writer.close()
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert failed == [7]
    assert isinstance(outcomes[7], IntegrityError)
    async with resources.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course)
        )
    assert rows == 30  # 29 written now + the one Postgres had


def _row_free_and_seat_written(database_url: str, course_id: int, within_s: float) -> bool:
    """From a connection of its own, without the event loop: whether the course row can be
    locked at once and its seat is committed, tried until `within_s` has passed."""
    deadline = time_module.monotonic() + within_s
    with psycopg.connect(database_url, autocommit=True) as probe:
        while time_module.monotonic() < deadline:
            try:
                with probe.transaction():
                    probe.execute(
                        "SELECT 1 FROM course WHERE id = %s FOR UPDATE NOWAIT", [course_id]
                    )
                    written = probe.execute(
                        "SELECT count(*) FROM enrollment WHERE course_id = %s", [course_id]
                    ).fetchone()
                if written == (1,):
                    return True
            except psycopg.errors.LockNotAvailable:
                pass
            time_module.sleep(0.01)
    return False


async def test_course_rows_are_not_held_while_the_worker_is_busy(quiet_app: FastAPI) -> None:
    """The writer's lock, write and commit go to Postgres together: once the course row is free
    to take, Postgres finishes the batch on its own, even while the worker's event loop is
    blocked (as it is, answering, at the opening). A writer that waited for the lock's answer
    before sending its write would hold the row for as long as the loop stays blocked."""
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    family = (await add_families(resources, world.school_a, world.class_a301, world.term_a, 1))[0]
    course = await add_course(resources, world.term_a, 10, [1], time(16, 0), time(16, 40))
    database_url = (resources.settings.database_url or "").replace("+psycopg", "")
    writer = GrabWriter(resources.sessionmaker)
    holder = psycopg.connect(database_url)
    try:
        holder.execute("SELECT 1 FROM course WHERE id = %s FOR UPDATE", [course])
        written = asyncio.create_task(writer.write(world.term_a, seat(family.student_id, course)))
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        for _poll in range(3000):  # the writer's batch waits for the row
            async with resources.sessionmaker() as session:  # a fresh view of the activity
                if await session.scalar(waiting):
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the writer never waited for the course row")
        holder.commit()  # the row is free; from here on the loop is blocked until the check
        assert _row_free_and_seat_written(database_url, course, within_s=30)
        assert await written > 0
    finally:
        holder.close()
        await writer.close()


class WriterLosingItsConnection(GrabWriter):
    """The real writer, whose connection Postgres ends just before one seat is tried alone."""

    doomed_student: int
    database_url: str

    async def _flush(self, driver: psycopg.AsyncConnection[Any], batch: list[Pending]) -> bool:
        if len(batch) == 1 and batch[0].grab.student_id == self.doomed_student:
            with psycopg.connect(self.database_url, autocommit=True) as admin:
                # Waits (up to 5 s) until the backend is gone.
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", [driver.info.backend_pid])
        return await super()._flush(driver, batch)


async def test_a_connection_lost_while_seats_are_tried_one_by_one_leaves_none_unanswered(
    quiet_app: FastAPI,
) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    crowd = await add_families(resources, world.school_a, world.class_a301, world.term_a, 12)
    course = await add_course(resources, world.term_a, 100, [1], time(16, 0), time(16, 40))
    await seat_already_in_postgres(resources, world.term_a, crowd[2].student_id, course)
    writer = WriterLosingItsConnection(resources.sessionmaker)
    writer.doomed_student = crowd[5].student_id
    writer.database_url = (resources.settings.database_url or "").replace("+psycopg", "")
    try:
        outcomes = await asyncio.gather(
            *(writer.write(world.term_a, seat(f.student_id, course)) for f in crowd),
            return_exceptions=True,
        )
    finally:
        await writer.close()
    refused = {i for i, o in enumerate(outcomes) if isinstance(o, BaseException)}
    assert isinstance(outcomes[2], IntegrityError)
    assert refused == {2, 5}  # the seat at fault, and the one whose connection was lost
    async with resources.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course)
        )
    assert rows == 11  # 10 written, after the loss on a live connection, + the one Postgres had
