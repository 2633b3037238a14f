"""The process's read cache: entries live their time to live and no longer, tags forget what a
change touched, and the cache stays within its bound."""

from __future__ import annotations

import asyncio

from app.persistence.engine_changes import ClassChanged, CourseChanged, StudentChanged
from app.services.read_cache import READERS, STUDENTS, ReadCache, term_tag


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_answered_until_its_time_to_live_and_never_after() -> None:
    clock = Clock()
    cache = ReadCache(clock)
    cache.put("k", "v", ttl_s=1.0)
    clock.now += 0.999
    assert cache.get("k") == "v"
    clock.now += 0.001
    assert cache.get("k") is None
    assert "k" not in cache.entries


def test_a_change_forgets_the_entries_tagged_with_what_it_touched() -> None:
    cache = ReadCache(Clock())
    cache.put(("catalogue", 1), "term 1", 60, (term_tag(1),))
    cache.put(("catalogue", 2), "term 2", 60, (term_tag(2),))
    cache.put(("reader", 7), "user 7", 60, (READERS,))
    cache.put(("access", 1, 5), "student 5", 60, (term_tag(1), STUDENTS))
    cache.forget_changed([CourseChanged(term_id=1, course_id=9)])
    assert cache.get(("catalogue", 1)) is None
    assert cache.get(("access", 1, 5)) is None
    assert cache.get(("catalogue", 2)) == "term 2"
    assert cache.get(("reader", 7)) == "user 7"
    cache.put(("access", 2, 6), "student 6", 60, (term_tag(2), STUDENTS))
    cache.forget_changed([StudentChanged(student_id=6)])
    assert cache.get(("reader", 7)) is None
    assert cache.get(("access", 2, 6)) is None
    assert cache.get(("catalogue", 2)) == "term 2"
    cache.put(("reader", 8), "user 8", 60, (READERS,))
    cache.forget_changed([ClassChanged(class_id=3)])
    assert cache.get(("reader", 8)) is None


def test_the_cache_keeps_within_its_bound_expired_entries_first() -> None:
    clock = Clock()
    cache = ReadCache(clock, max_entries=10)
    for n in range(5):
        cache.put(("old", n), n, ttl_s=1, tags=(term_tag(1),))
    clock.now += 2
    for n in range(10):
        cache.put(("new", n), n, ttl_s=60, tags=(term_tag(2),))
    assert len(cache.entries) <= 10
    assert all(key in {("new", n) for n in range(10)} for key in cache.entries)
    assert cache.get(("new", 9)) == 9
    for n in range(10, 40):
        cache.put(("new", n), n, ttl_s=60, tags=(term_tag(2),))
    assert len(cache.entries) <= 10
    assert cache.get(("new", 39)) == 39  # the newest stay
    assert set(cache.tagged[term_tag(2)]) <= set(cache.entries)
    assert term_tag(1) not in cache.tagged


async def test_an_entry_many_ask_for_at_once_is_loaded_once() -> None:
    cache = ReadCache(Clock())
    loads = 0
    release = asyncio.Event()

    async def load() -> str:
        nonlocal loads
        loads += 1
        await release.wait()
        return "loaded"

    waiting = [asyncio.create_task(cache.get_or_load("k", 60, load)) for _ in range(50)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["loaded"] * 50
    assert loads == 1


async def test_loads_at_once_are_bounded_by_the_slots() -> None:
    cache = ReadCache(Clock(), load_slots=2)
    running = highest = 0
    release, two_running = asyncio.Event(), asyncio.Event()

    async def load() -> int:
        nonlocal running, highest
        running += 1
        highest = max(highest, running)
        if running == 2:
            two_running.set()
        await release.wait()
        running -= 1
        return 1

    tasks = [asyncio.create_task(cache.get_or_load(("k", n), 60, load)) for n in range(10)]
    await two_running.wait()
    for _ in range(20):  # the others had every chance to start
        await asyncio.sleep(0)
    release.set()
    assert sum(await asyncio.gather(*tasks)) == 10
    assert highest == 2


async def test_when_the_load_fails_each_waiter_tries_on_its_own() -> None:
    cache = ReadCache(Clock())
    attempts = 0
    release = asyncio.Event()

    async def load() -> str:
        nonlocal attempts
        attempts += 1
        await release.wait()
        raise LookupError(f"attempt {attempts}")

    tasks = [asyncio.create_task(cache.get_or_load("k", 60, load)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    assert attempts == 3
    assert cache.loading == {}
    assert cache.get("k") is None
