"""Fixtures of the services' rule tests: the small world of `tests.support.world` built once per
test, and a transaction per Hypothesis example that is rolled back when the example ends, so
every example starts from that world and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

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
