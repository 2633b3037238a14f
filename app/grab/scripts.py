"""Lua scripts loaded once with SCRIPT LOAD and called with EVALSHA.

A restarted Redis, a failover to a replica or a `SCRIPT FLUSH` empties the script cache; the call
that meets NOSCRIPT runs the script by its source with EVAL, which also caches it again, so callers
never see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis, RedisCluster
from redis.exceptions import NoScriptError, ResponseError

LUA_DIR = Path(__file__).resolve().parent / "lua"

ScriptArg = str | int | float | bytes


@dataclass(frozen=True)
class LuaScript:
    name: str
    source: str
    sha: str = field(init=False)  # computed once: every grab sends it

    def __post_init__(self) -> None:
        digest = hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()
        object.__setattr__(self, "sha", digest)

    async def load(self, redis: Redis) -> None:
        loaded = await redis.script_load(self.source)
        if loaded != self.sha:
            raise RuntimeError(f"Redis hashed script {self.name} differently: {loaded}")

    async def run(self, redis: Redis, keys: Sequence[str], args: Sequence[ScriptArg] = ()) -> Any:
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            # EVAL sends the source, runs it and caches it again in one step, so a cache flushed
            # again right away cannot make this call fail, however busy the server is.
            return await redis.eval(self.source, len(keys), *keys, *args)


@dataclass(frozen=True)
class ScriptCall:
    script: LuaScript
    keys: Sequence[str]
    args: Sequence[ScriptArg]


async def run_pipelined(redis: Redis, calls: Sequence[ScriptCall]) -> list[Any]:
    """Several scripts in one round trip, in order (not a transaction: each is atomic on its
    own, and they must share a hash tag on Redis Cluster). A script that met NOSCRIPT did not
    run; it and every call after it are sent again one by one, each falling back to EVAL, so a
    cache flushed again meanwhile cannot fail them. A call behind one that did not run must
    therefore be harmless to send twice (the grab is: without the gate's turn it refuses and
    changes nothing, and a replay answers the same). redis-py's cluster client does not
    pipeline scripts: there they go one after the other."""
    if isinstance(redis, RedisCluster):
        return [await call.script.run(redis, call.keys, call.args) for call in calls]
    replies = await _one_write(redis, calls)
    for index, reply in enumerate(replies):
        if isinstance(reply, NoScriptError):
            for later in range(index, len(calls)):
                call = calls[later]
                replies[later] = await call.script.run(redis, call.keys, call.args)
            break
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


async def _one_write(redis: Redis, calls: Sequence[ScriptCall]) -> list[Any]:
    """The EVALSHAs in one write on one pooled connection, every reply read before it goes back
    (an error reply in its place). The client's general pipeline does the same with a command
    stack, retries and per-command bookkeeping that cost the grab more than its round trip; a
    connection that fails or is cancelled half-way is closed, never handed back out of step."""
    pool = redis.connection_pool
    connection = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        await connection.send_packed_command(
            b"".join(
                _packed(("EVALSHA", call.script.sha, len(call.keys), *call.keys, *call.args))
                for call in calls
            )
        )
        replies: list[Any] = []
        for _ in calls:
            try:
                replies.append(await connection.read_response())
            except ResponseError as error:
                replies.append(error)
        return replies
    except BaseException:
        await connection.disconnect()
        raise
    finally:
        await pool.release(connection)


def _packed(command: Sequence[ScriptArg]) -> bytes:
    """A command in the Redis protocol. The client's general packer weighs every argument for
    memory views and large buffers; a script's keys and arguments are short strings and numbers,
    encoded as the client encodes them (UTF-8; numbers as their repr)."""
    parts = [b"*%d\r\n" % len(command)]
    for piece in command:
        data = piece if isinstance(piece, bytes) else str(piece).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class ScriptRegistry:
    """Every `*.lua` file of a folder, by file name without the suffix."""

    def __init__(self, scripts: Iterable[LuaScript]) -> None:
        self._scripts: Mapping[str, LuaScript] = {script.name: script for script in scripts}

    @classmethod
    def from_directory(cls, folder: Path = LUA_DIR) -> ScriptRegistry:
        files = sorted(folder.glob("*.lua")) if folder.is_dir() else []
        return cls(LuaScript(path.stem, path.read_text(encoding="utf-8")) for path in files)

    def __getitem__(self, name: str) -> LuaScript:
        return self._scripts[name]

    def __len__(self) -> int:
        return len(self._scripts)

    async def load_all(self, redis: Redis) -> None:
        for script in self._scripts.values():
            await script.load(redis)
