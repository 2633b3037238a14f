"""Lua scripts run by EVALSHA and survive a flushed script cache."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from app.grab.scripts import LuaScript, ScriptRegistry
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


def test_registry_reads_every_lua_file_by_name(tmp_path: Path) -> None:
    (tmp_path / "counter.lua").write_text(COUNTER, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a script", encoding="utf-8")
    registry = ScriptRegistry.from_directory(tmp_path)
    assert len(registry) == 1
    assert registry["counter"].source == COUNTER
