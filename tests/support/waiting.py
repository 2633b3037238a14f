"""Waiting on events, not on wall-clock budgets: a busy machine makes things slower, never
wrong. What bounds a wait that never ends is the test's timeout (pytest-timeout), a guard
against a hang rather than a claim about speed; speed claims live in `loadtests/`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

POLL_S = 0.05


async def eventually(check: Callable[[], Awaitable[bool]], poll_s: float = POLL_S) -> None:
    """Return once `check()` holds."""
    # What is awaited lives in Postgres or Redis, which can signal no asyncio.Event: poll it.
    while not await check():  # noqa: ASYNC110
        await asyncio.sleep(poll_s)
