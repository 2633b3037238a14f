"""A base for Hypothesis state machines that drive a real app: its own event loop and lifespan,
and every table and every one of its Redis keys emptied when an example ends (the next example's
database reuses the same ids, so a term left in Redis would pass for its own)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine

from app.main import create_app
from app.resources import Resources
from app.settings import Settings
from tests.support.servers import empty_every_table


class AppMachine(RuleBasedStateMachine):
    settings: Settings  # set by the subclass factory

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.app = create_app(self.settings.model_copy(update={"background_tasks": False}))
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.run(self.lifespan.__aenter__())
        self.resources: Resources = self.app.state.resources

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def close(self) -> None:
        """Subclasses close what they opened, then call this."""
        async with self.resources.database.begin() as connection:
            await connection.execute(empty_every_table())
        redis = self.resources.redis
        keys = [key async for key in redis.scan_iter(match=f"{self.settings.redis_key_prefix}*")]
        if keys:
            await redis.unlink(*keys)
        await self.lifespan.__aexit__(None, None, None)

    def teardown(self) -> None:
        try:
            self.run(self.close())
        finally:
            self.loop.close()
