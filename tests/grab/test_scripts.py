"""Lua scripts run by EVALSHA and survive a flushed script cache."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from app.grab.scripts import LuaScript, ScriptCall, ScriptRegistry, run_pipelined
from app.settings import Settings

COUNTER = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
return value
"""


async def test_a_flushed_script_cache_is_reloaded_transparently(scratch_settings: Settings) -> None:
    settings = scratch_settings
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    key = f"{settings.redis_key_prefix}{{t:1}}:counter"
    script = LuaScript("counter", COUNTER)
    try:
        await script.load(redis)
        assert await script.run(redis, [key], [2]) == 2
        await redis.script_flush()
        assert await redis.script_exists(script.sha) == [False]
        assert await script.run(redis, [key], [3]) == 5
        assert await redis.script_exists(script.sha) == [True]
    finally:
        await redis.delete(key)
        await redis.aclose()


DOUBLER = """
local value = redis.call('GET', KEYS[1])
return tonumber(value) * 2
"""


async def test_a_pipeline_runs_again_from_the_first_script_the_cache_lost(
    scratch_settings: Settings,
) -> None:
    settings = scratch_settings
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    key = f"{settings.redis_key_prefix}{{t:1}}:pipelined"
    counter, doubler = LuaScript("counter", COUNTER), LuaScript("doubler", DOUBLER)
    calls = [ScriptCall(counter, [key], [1]), ScriptCall(doubler, [key], [])]
    try:
        assert await run_pipelined(redis, calls) == [1, 2]
        await redis.script_flush()
        assert await run_pipelined(redis, calls) == [2, 4]
        await redis.script_flush()
        await counter.load(redis)
        # The counter ran in the pipeline and is not sent again: only the doubler is.
        assert await run_pipelined(redis, calls) == [3, 6]
        assert await redis.get(key) == "3"
        assert await redis.script_exists(counter.sha, doubler.sha) == [True, True]
    finally:
        await redis.delete(key)
        await redis.aclose()


def test_registry_reads_every_lua_file_by_name(tmp_path: Path) -> None:
    (tmp_path / "counter.lua").write_text(COUNTER, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a script", encoding="utf-8")
    registry = ScriptRegistry.from_directory(tmp_path)
    assert len(registry) == 1
    assert registry["counter"].source == COUNTER
