"""Typed wrappers around the seat engine's Lua scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from app.grab.keys import TermKeys
from app.grab.scripts import ScriptCall, ScriptRegistry, run_pipelined

IDEMPOTENCY_TTL_S = 7 * 24 * 3600


class GrabCode(StrEnum):
    OK = "ok"
    COURSE_FULL = "course-full"
    ALREADY_ENROLLED = "already-enrolled"
    TIME_CONFLICT = "time-conflict"
    WINDOW_NOT_OPEN = "window-not-open"
    WINDOW_CLOSED = "window-closed"
    NOT_ELIGIBLE = "not-eligible"
    PREREQUISITES_MISSING = "prerequisites-missing"
    LIMIT_REACHED = "limit-reached"
    NOT_IN_ROUND = "not-in-round"
    COURSE_CANCELLED = "course-cancelled"
    ENGINE_REBUILDING = "engine-rebuilding"
    UNKNOWN_COURSE = "unknown-course"
    UNKNOWN_STUDENT = "unknown-student"
    NOT_YOUR_CHILD = "not-your-child"
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused"
    NOT_ADMITTED = "not-admitted"  # the gate turned the attempt away (its reply says why)
    HELD = "held"  # round one waits for its draw: the attempt is an entry, not a seat


@dataclass(frozen=True)
class GrabResult:
    code: GrabCode
    seats_left: int
    round: int
    grab_id: str
    grabbed_at_ms: int
    replayed: bool = False


@dataclass(frozen=True)
class ArmedCourse:
    course_id: int
    eligible_grades: frozenset[int]
    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    cancelled: bool
    capacity: int
    seats_taken: int  # confirmed in Postgres

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def encoded(self) -> str:
        grades = sum(1 << grade for grade in self.eligible_grades)
        days = sum(1 << day for day in self.weekdays)
        status = "cancelled" if self.cancelled else "open"
        return f"{grades},{days},{self.start_minute},{self.end_minute},{status},{self.capacity}"


@dataclass(frozen=True)
class ArmedStudent:
    student_id: int
    grade: int
    ready: bool
    in_round_two: bool
    held: tuple[int, ...]
    guardians: tuple[int, ...]

    def encoded(self) -> str:
        return f"{self.grade},{int(self.ready)},{int(self.in_round_two)}"


@dataclass(frozen=True)
class ArmedWindow:
    grab_opens_ms: int
    closes_ms: int
    round2_opens_ms: int
    round2_closes_ms: int
    max_courses: int
    limit_per_parent: str = ""  # empty: the deployment's limit
    limit_per_ip: str = ""
    # While round one waits for its draw (app/domain/opening.py), when the draw is due; 0 when
    # the grab gives seats as they come.
    draw_at_ms: int = 0

    def mapping(self) -> dict[str, int | str]:
        return {
            "grab_opens": self.grab_opens_ms,
            "closes": self.closes_ms,
            "round2_opens": self.round2_opens_ms,
            "round2_closes": self.round2_closes_ms,
            "max_courses": self.max_courses,
            "limit_per_parent": self.limit_per_parent,
            "limit_per_ip": self.limit_per_ip,
            "draw_at": self.draw_at_ms,
        }


class SeatEngine:
    """The seat engine's scripts for one Redis and one database: every term it arms carries the
    identity of the database it was armed from (`database_id`), and every script that trusts an
    armed term checks it, so that a Redis shared with (or left over from) another database is
    never taken for this database's."""

    def __init__(
        self, redis: Redis, scripts: ScriptRegistry, key_prefix: str, database_id: str = ""
    ) -> None:
        self.redis = redis
        self._grab = scripts["grab"]
        self._release = scripts["release"]
        self._take = scripts["take"]
        self._revoke = scripts["revoke"]
        self._arm_swap = scripts["arm_swap"]
        self._disarm = scripts["disarm"]
        self._refresh_student = scripts["refresh_student"]
        self._update_course = scripts["update_course"]
        self._update_window = scripts["update_window"]
        self.key_prefix = key_prefix
        self.database_id = database_id

    def keys(self, term_id: int) -> TermKeys:
        return TermKeys(self.key_prefix, term_id)

    async def grab(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int,
        idempotency_key: str,
        gate: ScriptCall | None = None,
    ) -> tuple[list[Any] | None, GrabResult]:
        """The grab; with `gate`, the gate's script first, in the same round trip (its reply
        comes back first, and the grab goes on only if the gate admitted the attempt)."""
        keys = self.keys(term_id)
        grab = ScriptCall(
            self._grab,
            [
                keys.armed,
                keys.seats,
                keys.courses,
                keys.students,
                keys.held,
                keys.idempotency(user_id, idempotency_key),
                keys.stream,
                keys.guardians,
                keys.in_flight(user_id),
            ],
            [student_id, course_id, user_id, idempotency_key, IDEMPOTENCY_TTL_S,
             "1" if gate else "0", self.database_id],
        )  # fmt: skip
        if gate is None:
            return None, _result(await grab.script.run(self.redis, grab.keys, grab.args))
        gate_reply, reply = await run_pipelined(self.redis, [gate, grab])
        return gate_reply, _result(reply)

    def release_call(
        self, term_id: int, student_id: int, course_id: int, idempotency_key: str = ""
    ) -> ScriptCall:
        """Give the seat back (the grab's idempotent answer with it, when its key is named)."""
        keys = self.keys(term_id)
        return ScriptCall(
            self._release,
            [keys.armed, keys.seats, keys.held, idempotency_key],
            [self.database_id, student_id, course_id],
        )

    def take_call(self, term_id: int, student_id: int, course_id: int) -> ScriptCall:
        keys = self.keys(term_id)
        return ScriptCall(
            self._take,
            [keys.armed, keys.seats, keys.held],
            [self.database_id, student_id, course_id],
        )

    def refresh_student_call(self, term_id: int, student: ArmedStudent) -> ScriptCall:
        keys = self.keys(term_id)
        return ScriptCall(
            self._refresh_student,
            [keys.armed, keys.students, keys.guardians],
            [self.database_id, student.student_id, student.encoded(),
             ",".join(map(str, student.guardians))],
        )  # fmt: skip

    def update_course_call(self, term_id: int, course: ArmedCourse) -> ScriptCall:
        keys = self.keys(term_id)
        return ScriptCall(
            self._update_course,
            [keys.armed, keys.seats, keys.courses],
            [self.database_id, course.course_id, course.encoded(), course.capacity,
             course.seats_taken],
        )  # fmt: skip

    def update_window_call(self, term_id: int, window: ArmedWindow) -> ScriptCall:
        pairs = [str(item) for pair in window.mapping().items() for item in pair]
        return ScriptCall(
            self._update_window, [self.keys(term_id).armed], [self.database_id, *pairs]
        )

    async def release(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> bool:
        """Give the seat back; the grab's idempotent answer goes with it when it is named."""
        idem = ""
        if user_id is not None and idempotency_key:
            idem = self.keys(term_id).idempotency(user_id, idempotency_key)
        call = self.release_call(term_id, student_id, course_id, idem)
        return bool(await call.script.run(self.redis, call.keys, call.args))

    async def revoke(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int,
        idempotency_key: str,
        grab_id: str,
    ) -> bool:
        """Take back a seat just granted, as if the attempt had never come; False when the
        persister has written it to Postgres already."""
        keys = self.keys(term_id)
        revoked = await self._revoke.run(
            self.redis,
            [keys.armed, keys.seats, keys.held, keys.idempotency(user_id, idempotency_key),
             keys.stream],
            [self.database_id, student_id, course_id, grab_id],
        )  # fmt: skip
        return bool(revoked)

    async def forget_written(self, written: Mapping[int, Sequence[str]]) -> None:
        """Take grabs that are in Postgres (committed) out of their terms' streams, in one round
        trip: the stream keeps only what Postgres may still lack, and the persister never writes
        a seat the API has written. Entries leave the stream only after their commit, which the
        revoke script relies on."""
        pipe = self.redis.pipeline(transaction=False)
        for term_id, entry_ids in written.items():
            if entry_ids:
                pipe.xdel(self.keys(term_id).stream, *entry_ids)
        await pipe.execute()

    async def refresh_student(self, term_id: int, student: ArmedStudent) -> bool:
        call = self.refresh_student_call(term_id, student)
        return bool(await call.script.run(self.redis, call.keys, call.args))

    async def disarm(self, term_id: int) -> bool:
        return bool(await self._disarm.run(self.redis, [self.keys(term_id).armed]))

    async def armed_from(self, term_id: int) -> str | None:
        """The identity of the database the term is armed from; None when it is not armed."""
        armed = self.keys(term_id).armed
        database_id, grab_opens = await self.redis.hmget(armed, ["db", "grab_opens"])
        if grab_opens is None:
            return None
        return str(database_id or "")

    async def holds_for_draw(self, term_id: int) -> bool:
        """Whether the engine, armed from this database, holds round one's attempts for a draw."""
        armed_from, draw_at = await self.redis.hmget(self.keys(term_id).armed, ["db", "draw_at"])
        return str(armed_from or "") == self.database_id and int(draw_at or 0) > 0

    async def is_armed(self, term_id: int) -> bool:
        """Armed, and from this database: a term armed from another one is not armed at all."""
        return await self.armed_from(term_id) == self.database_id

    async def arm(
        self,
        term_id: int,
        window: ArmedWindow,
        courses: list[ArmedCourse],
        students: list[ArmedStudent],
    ) -> None:
        """Build the term's state under staging keys, then swap it in with one script."""
        keys = self.keys(term_id)
        names = ("seats", "courses", "students", "held", "guardians", "armed")
        staging = [keys.staging(name) for name in names]
        contents: list[Mapping[str, str | int]] = [
            {str(c.course_id): c.seats_left for c in courses},
            {str(c.course_id): c.encoded() for c in courses},
            {str(s.student_id): s.encoded() for s in students},
            {str(s.student_id): ",".join(map(str, s.held)) for s in students if s.held},
            {str(s.student_id): ",".join(map(str, s.guardians)) for s in students if s.guardians},
            {**window.mapping(), "db": self.database_id},
        ]
        # Not a MULTI: staging keys are invisible to grabs until the swap script, and a
        # non-transactional pipeline also runs on Redis Cluster.
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, content in zip(staging, contents, strict=True):
                pipe.delete(key)
                for chunk in _chunks(content, 5000):
                    pipe.hset(key, mapping=chunk)  # type: ignore[arg-type]
            await pipe.execute()
        await self._arm_swap.run(self.redis, [*staging, *keys.armed_state_keys])

    async def seats_left(self, term_id: int) -> dict[int, int]:
        raw = await self.redis.hgetall(self.keys(term_id).seats)
        return {int(course_id): int(seats) for course_id, seats in raw.items()}

    async def held_by(self, term_id: int, student_id: int) -> list[int]:
        """The courses the engine says the student holds (written to Postgres or not yet)."""
        raw = await self.redis.hget(self.keys(term_id).held, str(student_id))
        return _course_ids(raw)

    async def held_if_armed(self, term_id: int) -> dict[int, list[int]] | None:
        """`held`, read in the same round trip as whether the engine holds the term: None when
        it does not (what the students hold is then Postgres's to say)."""
        keys = self.keys(term_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.armed, ["db", "grab_opens"])
            pipe.hgetall(keys.held)
            (database_id, grab_opens), raw = await pipe.execute()
        if grab_opens is None or str(database_id or "") != self.database_id:
            return None
        return {int(student_id): _course_ids(courses) for student_id, courses in raw.items()}

    async def held(self, term_id: int) -> dict[int, list[int]]:
        """What every student of the term holds, as `held_by` reads it for one."""
        raw = await self.redis.hgetall(self.keys(term_id).held)
        return {int(student_id): _course_ids(courses) for student_id, courses in raw.items()}

    async def guardians_of(self, term_id: int, student_id: int) -> set[int]:
        raw = await self.redis.hget(self.keys(term_id).guardians, str(student_id))
        return {int(user_id) for user_id in str(raw or "").split(",") if user_id}


def _chunks(content: Mapping[str, str | int], size: int) -> list[dict[str, str | int]]:
    items = list(content.items())
    return [dict(items[i : i + size]) for i in range(0, len(items), size)]


def _result(reply: list[Any]) -> GrabResult:
    return GrabResult(
        code=GrabCode(reply[0]),
        seats_left=int(reply[1]),
        round=int(reply[2]),
        grab_id=str(reply[3]),
        grabbed_at_ms=int(reply[4]),
        replayed=len(reply) > 5,
    )


def _course_ids(encoded: object) -> list[int]:
    """A student's entry of the `held` hash: course ids joined by commas (grab.lua writes it)."""
    return [int(course_id) for course_id in str(encoded or "").split(",") if course_id]
