"""The grab's second line of defence: a seat the engine granted and Postgres refuses is taken
back whole (seat, idempotent answer, stream entry), so that nobody writes it later."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from fastapi import FastAPI
from sqlalchemy import insert, update

from app.domain.grab_errors import AlreadyEnrolled, CourseFull
from app.domain.statuses import EnrollmentStatus
from app.grab.persister import Persister
from app.models import Course, Enrollment
from app.resources import Resources
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.world import build_world


async def seat_the_engine_missed(
    resources: Resources, term_id: int, family: Family, course_id: int
) -> None:
    """A seat in Postgres that the armed engine does not know of (an edit it missed)."""
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            insert(Enrollment),
            {"term_id": term_id, "student_id": family.student_id, "course_id": course_id,
             "round": 1, "status": EnrollmentStatus.CONFIRMED, "grabbed_at": datetime.now(UTC)},
        )  # fmt: skip
        await session.execute(
            update(Course).where(Course.id == course_id).values(seats_taken=Course.seats_taken + 1)
        )


@pytest.mark.parametrize(("capacity", "refusal"), [(1, CourseFull), (10, AlreadyEnrolled)])
async def test_a_seat_postgres_refuses_leaves_nothing_behind_in_the_engine(
    quiet_app: FastAPI, capacity: int, refusal: type[Exception]
) -> None:
    # No background persister: this test is the only reader of the stream.
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    first, second = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    course = await add_course(resources, world.term_a, capacity, [1], time(16, 0), time(16, 40))
    await open_and_arm(resources, world.term_a)
    await seat_the_engine_missed(resources, world.term_a, first, course)
    # Full: another family's seat does not fit. Not full: the same family's second seat.
    grabber = second if refusal is CourseFull else first
    with pytest.raises(refusal):
        await resources.grabs.grab(
            world.term_a, grabber.student_id, course, grabber.user_id, "refused"
        )
    engine = resources.engine
    assert await resources.redis.xlen(engine.keys(world.term_a).stream) == 0
    assert (await engine.seats_left(world.term_a))[course] == capacity
    assert course not in await engine.held_by(world.term_a, grabber.student_id)
    persister = Persister(resources.sessionmaker, engine, consumer="after")
    assert await persister.run_once(world.term_a) == 0  # nothing left to write, nor to fail on
