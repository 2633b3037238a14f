"""Group commit: concurrent grabs share their commits, and a seat Postgres refuses is refused
alone while the rest of its batch is written."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time

from fastapi import FastAPI
from sqlalchemy import func, insert, select
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

    async def _flush(self, batch: list[Pending]) -> None:
        self.batches.append(len(batch))
        await super()._flush(batch)


def seat(student_id: int, course_id: int) -> StreamGrab:
    return StreamGrab(
        f"{uuid.uuid4().int % 10**12}-0", student_id, course_id, 1, None, "", datetime.now(UTC)
    )


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
    async with resources.sessionmaker() as session, session.begin():
        # The engine and Postgres disagree about one student: Postgres has their seat already.
        await session.execute(
            insert(Enrollment),
            {"term_id": world.term_a, "student_id": crowd[7].student_id, "course_id": course,
             "round": 1, "status": EnrollmentStatus.CONFIRMED, "grabbed_at": datetime.now(UTC)},
        )  # fmt: skip
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
