"""Answers to the reads the whole school repeats, kept in each API process for a few seconds.

Before the grab opens every family refreshes the course list, again and again: the catalogue of a
term, its seat counts and who the caller is change far more slowly than they are asked for. What is
kept, and for how long, is each read's to say (its time to live); an entry past it is never
answered. Each process keeps its own. A change this process commits forgets the entries tagged with
what it touched at once (`forget_changed`, after the commit); the other processes' entries expire
within their time to live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from app.persistence.engine_changes import ClassChanged, EngineChange, StudentChanged

MAX_ENTRIES = 100_000
# Tags entries are kept under, so that a change forgets what it touched.
READERS = ("readers",)  # who callers are: their bindings, roles and classes
STUDENTS = ("students",)  # what decides a named student's view: grade and school


def term_tag(term_id: int) -> tuple[str, int]:
    return ("term", term_id)


class ReadCache:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_entries: int = MAX_ENTRIES
    ) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.tagged: dict[Hashable, set[Hashable]] = {}

    def get(self, key: Hashable) -> Any | None:
        found = self.entries.get(key)
        if found is None:
            return None
        expires_at, value = found
        if self.clock() >= expires_at:
            del self.entries[key]
            return None
        return value

    def put(self, key: Hashable, value: Any, ttl_s: float, tags: tuple[Hashable, ...] = ()) -> None:
        if len(self.entries) >= self.max_entries:
            self._make_room()
        self.entries.pop(key, None)  # to the end of the order: the newest
        self.entries[key] = (self.clock() + ttl_s, value)
        for tag in tags:
            self.tagged.setdefault(tag, set()).add(key)

    def forget_tagged(self, tag: Hashable) -> None:
        for key in self.tagged.pop(tag, ()):
            self.entries.pop(key, None)

    def forget_changed(self, changes: Sequence[EngineChange]) -> None:
        """Forget what a committed transaction touched: its terms' answers; for a student's or a
        class's change, who every caller is and what decides a student's view."""
        for change in changes:
            if isinstance(change, StudentChanged | ClassChanged):
                self.forget_tagged(READERS)
                self.forget_tagged(STUDENTS)
            else:
                self.forget_tagged(term_tag(change.term_id))

    def _make_room(self) -> None:
        now = self.clock()
        self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
        if len(self.entries) >= self.max_entries:  # all live: the older half goes
            keep = list(self.entries.items())[len(self.entries) // 2 :]
            self.entries = dict(keep)
        self.tagged = {
            tag: live for tag, keys in self.tagged.items() if (live := keys & self.entries.keys())
        }
