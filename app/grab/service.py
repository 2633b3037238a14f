"""The grab: one atomic engine call, then the seat written to Postgres before the answer.

The grab owns its transaction instead of using the request's: whether the commit happened decides
the answer (201 confirmed, or 202 pending when Postgres could not take it and the persister will).
Concurrent grabs share their commits (app/grab/writer.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import AuthenticationFailed, NotFound, NotYourChild, RuleViolation
from app.domain.grab_errors import (
    REFUSALS,
    AlreadyEnrolled,
    CourseFull,
    DatabaseUnavailable,
    EngineRebuilding,
    IdempotencyKeyReused,
    RateLimited,
)
from app.domain.opening import HOLD_DEADLINE_S
from app.domain.window import Window, grab_closed_reason
from app.grab.arming import arm_if_unarmed, arm_term
from app.grab.durability import Durability
from app.grab.engine import GrabCode, GrabResult, SeatEngine
from app.grab.persister import StreamGrab
from app.grab.ratelimit import GrabGate
from app.grab.sync import EngineSync
from app.grab.writer import GrabWriter
from app.models import Course, CourseKind
from app.persistence.draws import HeldAttempt, hold_attempt
from app.persistence.engine_changes import StudentChanged

log = structlog.get_logger("app.grab")
# Redis could not be asked (restarting, failing over, a connection dropped): nothing was taken.
REDIS_AWAY = (RedisConnectionError, RedisTimeoutError, OSError, EOFError)
# Refusals the engine gives from its own copy of who is who; Postgres has the last word on them.
_ASK_POSTGRES = frozenset(
    {GrabCode.ENGINE_REBUILDING, GrabCode.UNKNOWN_STUDENT, GrabCode.NOT_YOUR_CHILD}
)
RETRY_AFTER_S = 2
REARM_LOCK_S = 60
REARM_COOLDOWN_S = 1

_CALLER = text(
    """
    SELECT EXISTS (SELECT 1 FROM app_user WHERE id = :u),
           EXISTS (
               SELECT 1 FROM guardianship
               WHERE student_id = :s AND user_id = :u AND status = 'confirmed'
           ),
           (SELECT school_id FROM term WHERE id = :t),
           (SELECT school_id FROM student WHERE id = :s),
           (SELECT array[opens_at, closes_at, grab_opens_at, round2_opens_at, round2_closes_at]
            FROM term WHERE id = :t)
    """
)


@dataclass(frozen=True)
class GrabOutcome:
    enrollment_id: int | None  # None while pending
    student_id: int
    course_id: int
    round: int
    confirmed: bool
    grabbed_at: datetime
    grab_id: str
    # Round one waits for its draw: no seat, the attempt entered in the draw.
    held: HeldAttempt | None = None


class GrabService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        engine: SeatEngine,
        sync: EngineSync,
        durability: Durability,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.engine = engine
        self.sync = sync
        self.durability = durability
        self.writer = GrabWriter(sessionmaker, forget=engine.forget_written)
        self._rearming: set[int] = set()
        self._catching_up: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def _check_caller(self, term_id: int, student_id: int, user_id: int) -> None:
        """The caller's account must exist (else 401: a token signed for no account), the caller
        must be bound to the student (else 403, whether or not the student exists), and the term
        must exist (404) and be the student's school's (422). Checked in Postgres, in one query,
        only when the engine refused the caller: an engine that vouches for the binding vouches
        for the account too (a binding dies with its account), so the grab that goes through
        pays nothing for it;
        only when Postgres is unreachable, against the bindings the term was armed with, so that
        grabs go on (as pending) through a short database outage."""
        try:
            async with self.sessionmaker() as session:
                row = (
                    await session.execute(_CALLER, {"s": student_id, "u": user_id, "t": term_id})
                ).one()
        except (OperationalError, DBAPIError, OSError) as error:
            log.warning("binding_check_fallback", error_type=type(error).__name__)
            if not await self.engine.is_armed(term_id):
                raise EngineRebuilding(retry_after=RETRY_AFTER_S) from error
            if user_id not in await self.engine.guardians_of(term_id, student_id):
                raise NotYourChild() from error
            return
        account, bound, term_school, student_school, moments = row
        if not account:
            raise AuthenticationFailed("the account no longer exists")
        if not bound:
            raise NotYourChild()
        if term_school is None:
            raise NotFound(f"no term {term_id}")
        if term_school != student_school:
            raise RuleViolation(f"term {term_id} is not a term of the student's school")
        # A term the engine does not hold yet (armed only shortly before its grab) is refused
        # by the clock as the engine would refuse it, rather than "being restored".
        reason = grab_closed_reason(Window(*moments), datetime.now(UTC))
        if reason is not None:
            raise REFUSALS[reason]()

    async def grab(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int,
        idempotency_key: str,
        gate: GrabGate | None = None,
        client_ip: str = "",
    ) -> GrabOutcome:
        """One grab; through `gate` (rate limits, one attempt in flight per parent) when given,
        in the same round trip to Redis. Redis out of reach at any step answers 503: what the
        engine took before that is in its stream, and the same attempt sent again replays it."""
        try:
            return await self._grab(
                term_id, student_id, course_id, user_id, idempotency_key, gate, client_ip
            )
        except REDIS_AWAY as error:
            log.warning("engine_unreachable", term_id=term_id, error_type=type(error).__name__)
            raise EngineRebuilding(retry_after=RETRY_AFTER_S) from error

    async def _grab(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int,
        idempotency_key: str,
        gate: GrabGate | None,
        client_ip: str,
    ) -> GrabOutcome:
        gate_call = await gate.call(term_id, user_id, client_ip, idempotency_key) if gate else None
        gate_reply, result = await self.engine.grab(
            term_id, student_id, course_id, user_id, idempotency_key, gate_call
        )
        if gate is not None and gate_reply is not None:
            turned_away = await gate.refusal(term_id, gate_reply)
            if turned_away is not None:
                raise turned_away
        if result.code is GrabCode.NOT_ADMITTED:  # admitted, but its resend took the turn first
            raise RateLimited("one grab at a time per parent", retry_after=1)
        if result.code in _ASK_POSTGRES:
            # The engine's copy cannot vouch for the caller: Postgres decides (403, 404, 422);
            # when Postgres agrees to the grab, the engine is behind and catches up.
            await self._check_caller(term_id, student_id, user_id)
            if result.code is GrabCode.NOT_YOUR_CHILD:
                await self.sync.apply([StudentChanged(student_id)])
            else:
                await self.rearm_soon(term_id, stale=result.code is GrabCode.UNKNOWN_STUDENT)
            raise EngineRebuilding(retry_after=RETRY_AFTER_S)
        if result.code is GrabCode.IDEMPOTENCY_KEY_REUSED:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was sent before with another student or course; "
                "use a new key for a new attempt"
            )
        if result.code is GrabCode.UNKNOWN_COURSE:
            await self._explain_unknown(term_id, student_id, course_id)
        if result.code is GrabCode.HELD:
            return await self._hold(term_id, student_id, course_id, user_id, result)
        if result.code is not GrabCode.OK:
            raise REFUSALS[result.code.value]()
        return await self._write(term_id, student_id, course_id, user_id, idempotency_key, result)

    async def _hold(
        self, term_id: int, student_id: int, course_id: int, user_id: int, result: GrabResult
    ) -> GrabOutcome:
        """An attempt the engine held for round one's draw: written as an entry before the family
        is told it is in the draw. When the draw was served meanwhile the engine is behind: it
        catches up, and the attempt is sent again."""
        arrived_at = datetime.fromtimestamp(result.grabbed_at_ms / 1000, UTC)
        try:
            # Within its deadline, so that the draw, served a grace after it is due, finds every
            # attempt held before that moment written, or answered as not entered.
            held = await asyncio.wait_for(
                self._write_hold(term_id, student_id, course_id, user_id, arrived_at),
                HOLD_DEADLINE_S,
            )
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            log.warning("hold_unwritten", term_id=term_id, error_type=type(error).__name__)
            raise DatabaseUnavailable(
                "the attempt may not have been entered in the draw; send it again (an attempt entered "
                "already is entered once)",
                retry_after=RETRY_AFTER_S,
            ) from error
        except NotYourChild:
            await self.sync.apply([StudentChanged(student_id)])
            raise
        if held is None:
            try:
                await self._catch_up_draw(term_id)
            except (SQLAlchemyError, OSError) as error:
                log.warning(
                    "draw_catch_up_failed", term_id=term_id, error_type=type(error).__name__
                )
            raise EngineRebuilding(retry_after=1)
        return GrabOutcome(None, student_id, course_id, 1, False, arrived_at, "", held)

    async def _write_hold(
        self, term_id: int, student_id: int, course_id: int, user_id: int, arrived_at: datetime
    ) -> HeldAttempt | None:
        async with self.sessionmaker() as session, session.begin():
            return await hold_attempt(session, term_id, student_id, course_id, user_id, arrived_at)

    async def _catch_up_draw(self, term_id: int) -> None:
        """Once per term at a time: attempts held after the draw was served all ask for it."""
        if term_id in self._catching_up:
            return
        self._catching_up.add(term_id)
        try:
            await self.sync.catch_up_draw(term_id)
        finally:
            self._catching_up.discard(term_id)

    async def _write(
        self,
        term_id: int,
        student_id: int,
        course_id: int,
        user_id: int,
        idempotency_key: str,
        result: GrabResult,
    ) -> GrabOutcome:
        grabbed_at = datetime.fromtimestamp(result.grabbed_at_ms / 1000, UTC)
        outcome = GrabOutcome(
            None, student_id, course_id, result.round, False, grabbed_at, result.grab_id
        )
        grab = StreamGrab(
            result.grab_id, student_id, course_id, result.round, user_id, idempotency_key,
            grabbed_at,
        )  # fmt: skip
        try:
            enrollment_id: int | None = await self.writer.write(term_id, grab)
        except IntegrityError as error:
            # Postgres disagrees with the engine: the second line of defence held. Take the grab
            # back, stream entry and all, so that Redis and Postgres agree again and nobody
            # writes it later (a seat refused as full would otherwise be written once one frees
            # up, and until then stop the persister and any arming at it), and refuse.
            revoked = await self.engine.revoke(
                term_id, student_id, course_id, user_id, idempotency_key, grab.entry_id
            )
            if not revoked:  # its entry is gone already: the seat alone goes back
                await self.engine.release(term_id, student_id, course_id, user_id, idempotency_key)
            log.error("engine_postgres_disagree", term_id=term_id, course_id=course_id)
            if "seats_within_capacity" in str(error.orig):
                raise CourseFull() from error
            raise AlreadyEnrolled() from error
        except (SQLAlchemyError, OSError, LookupError) as error:
            # Postgres could not take it now. The seat is in the stream, which the persister
            # writes; it is promised (202) only if the Redis it rests on keeps every write.
            log.warning("grab_pending", term_id=term_id, error_type=type(error).__name__)
            await self._promise_or_revoke(term_id, grab, error)
            return outcome
        return GrabOutcome(
            enrollment_id, student_id, course_id, result.round, True, grabbed_at, result.grab_id
        )

    async def _promise_or_revoke(self, term_id: int, grab: StreamGrab, error: Exception) -> None:
        """Return if the pending seat may be promised; else take it back and refuse (503)."""
        if await self.durability.every_write_kept():
            return
        revoked = await self.engine.revoke(
            term_id, grab.student_id, grab.course_id, grab.user_id or 0, grab.idempotency_key,
            grab.entry_id,
        )  # fmt: skip
        if revoked:
            log.warning("grab_revoked", term_id=term_id, reason="redis-not-durable")
            raise DatabaseUnavailable(
                "the seat could not be saved just now and was not kept; send the same attempt "
                "again",
                retry_after=RETRY_AFTER_S,
            ) from error
        # The persister has written it meanwhile: it is in Postgres, and pending is true.

    async def _explain_unknown(self, term_id: int, student_id: int, course_id: int) -> None:
        async with self.sessionmaker() as session:
            course = await session.get(Course, course_id)
            if course is None:
                raise NotFound(f"no course {course_id}")
            if course.term_id != term_id:
                raise RuleViolation(f"course {course_id} belongs to another term")
            if course.kind is CourseKind.BASIC:
                raise RuleViolation("basic care is applied for, not grabbed")
        # The course exists in this term but the engine does not know it: armed before it was
        # added. Rebuild.
        await self.rearm_soon(term_id, stale=True)
        raise EngineRebuilding(retry_after=RETRY_AFTER_S)

    async def rearm_soon(self, term_id: int, stale: bool = False) -> None:
        """Start one re-arm of the term across all workers (a Redis lock), in the background:
        when the term is not armed, or, with `stale`, when it is armed without something it
        should know (a course or student added since). Arming takes the term out of service
        for a moment, so a term found armed again is left alone, and a re-arm is followed by a
        short pause before the next: grabs answered 503 during one re-arm must not start
        another."""
        if term_id in self._rearming:
            return
        lock = self.engine.keys(term_id).rearm_lock
        try:
            if not await self.engine.redis.set(lock, "1", nx=True, ex=REARM_LOCK_S):
                return
        except (RedisConnectionError, RedisTimeoutError):
            return  # the next grab or the scheduler tries again once Redis is back
        self._rearming.add(term_id)

        async def rearm() -> None:
            try:
                if stale:
                    await arm_term(self.sessionmaker, self.engine, term_id)
                else:  # an arming under way holds the term's lock: it is found armed after it
                    await arm_if_unarmed(self.sessionmaker, self.engine, term_id)
            except Exception as error:
                log.error("rearm_failed", term_id=term_id, error_type=type(error).__name__)
            finally:
                self._rearming.discard(term_id)
                with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
                    await self.engine.redis.set(lock, "1", ex=REARM_COOLDOWN_S)

        task = asyncio.create_task(rearm())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop the writer and re-arms still running (they hold database sessions)."""
        await self.writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
