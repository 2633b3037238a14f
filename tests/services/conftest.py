"""Fixtures of the services' rule tests: the small world of `tests.support.world` built once per
test, and a transaction per Hypothesis example that is rolled back when the example ends, so
every example starts from that world and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.statuses import CourseStatus
from app.models import Course, CourseKind, Student
from app.resources import Resources
from tests.support.world import World, build_world

Example = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@pytest.fixture
async def rule_world(quiet_app: FastAPI) -> World:
    resources: Resources = quiet_app.state.resources
    return await build_world(resources.sessionmaker)


@pytest.fixture
def example(quiet_app: FastAPI) -> Example:
    """`async with example() as session:` a session in a transaction that is rolled back after
    the example, whatever the service under test flushed."""
    resources: Resources = quiet_app.state.resources

    @asynccontextmanager
    async def one_example() -> AsyncIterator[AsyncSession]:
        async with resources.database.connect() as connection:
            transaction = await connection.begin()
            session = AsyncSession(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()

    return one_example


def class_a301_students(world: World, count: int) -> list[Student]:
    """`count` new students of the world's class 3(01), numbered R0, R1, …"""
    return [
        Student(
            school_id=world.school_a,
            class_id=world.class_a301,
            name=f"学生{n}",
            student_number=f"R{n}",
        )
        for n in range(count)
    ]


def grade_3_course(term_id: int, name: str, status: CourseStatus, fee_fen: int = 0) -> Course:
    """A new extension course for grade 3 on school days, large enough never to fill."""
    return Course(
        term_id=term_id,
        kind=CourseKind.EXTENSION,
        name=name,
        grades=[3],
        weekdays=[1, 2, 3, 4, 5],
        capacity=30,
        min_size=0,
        fee_per_session_fen=fee_fen,
        status=status,
    )
