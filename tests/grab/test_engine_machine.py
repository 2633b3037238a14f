"""A Hypothesis state machine over the HTTP API during an open, armed window: administrators
edit courses (capacity, times, weekdays, grades), the term (window, limit per student), grades'
timetables, and override seats (enrol, move, remove); families record gates and grab and replay;
Redis loses its scripts, restarts empty (its consumer group gone) or with what it saved, and a
persister dies holding grabs it read. After every step `kehou audit` finds Postgres and Redis
agreeing with no breach, every 201 is one row, and every refusal is one Postgres agrees with."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.domain.eligibility import course_slot
from app.domain.schedule import TimeSlot
from app.domain.statuses import EnrollmentStatus
from app.embedded import RedisServer
from app.grab.audit import audit_term
from app.grab.persister import Persister
from app.models import Course, Enrollment, Insurance, Term
from app.persistence.calendar import grade_rules
from app.settings import Settings
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.machines import AppMachine
from tests.support.world import build_world, sign_in_everyone

API = "/api/v1"
READY, UNREADY = 4, 2
SLOTS = [  # weekdays, start, end: the first two overlap on Monday
    ([1], "16:00:00", "16:40:00"),
    ([1], "16:20:00", "17:00:00"),
    ([2], "16:00:00", "16:40:00"),
    ([1, 3], "17:00:00", "17:30:00"),
    ([4], "17:00:00", "17:30:00"),  # beside the course with no times of its own, on Thursday
]
GRADES = [[3], [3, 4], [4]]
COURSES = 4
EXAMPLES, STEPS = 40, 25  # each example: a fresh app on emptied tables (about 1.5 s here)
REFUSALS = {
    "course-full", "already-enrolled", "time-conflict", "not-eligible", "prerequisites-missing",
    "limit-reached",
}  # fmt: skip


def machine_for(app_settings: Settings, server: RedisServer) -> type[RuleBasedStateMachine]:
    class EngineMachine(AppMachine):
        settings = app_settings

        def __init__(self) -> None:
            super().__init__()
            self.client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://t", timeout=None
            )
            # Idempotency-Key → the course, status and body of its first answer
            self.answered: dict[str, tuple[int, int, dict[str, Any]]] = {}
            self.acknowledged: set[int] = set()  # enrollment ids answered 201
            self.ready: set[int] = set()
            self.window_open = True
            try:
                self.run(self._setup())
            except BaseException:
                self.teardown()  # Hypothesis tears down only what it finished making
                raise

        async def _setup(self) -> None:
            world = await sign_in_everyone(
                self.client, await build_world(self.resources.sessionmaker)
            )
            self.world, self.term = world, world.term_a
            ready = await add_families(
                self.resources, world.school_a, world.class_a301, self.term, READY
            )
            unready = await add_families(
                self.resources, world.school_a, world.class_a301, self.term, UNREADY, ready=False
            )
            # The families whose gates are missing come first: generation leans to small indices.
            self.families: list[Family] = unready + ready
            self.ready = {f.student_id for f in ready}
            self.courses = [
                await add_course(self.resources, self.term, 2, [1], time(16, 0), time(16, 40)),
                # Thursday 17:00–17:30, beside the course with no times: they clash until grade
                # 4's care ends at 17:00.
                await add_course(
                    self.resources, self.term, 2, [4], time(17, 0), time(17, 30), grades=[3]
                ),
                await add_course(self.resources, self.term, 3, [3], time(16, 0), time(16, 40)),
                # No times of its own: it runs while grades 3 and 4 are both in care.
                await add_course(self.resources, self.term, 2, [4], None, None),
            ]
            await open_and_arm(self.resources, self.term, max_courses=2)

        async def close(self) -> None:
            await self.client.aclose()
            await super().close()

        async def _call(
            self, method: str, path: str, who: Family | str, key: str = "", **kw: Any
        ) -> Any:
            headers = who.headers if isinstance(who, Family) else self.world.auth(who)
            if key:
                headers = {**headers, "Idempotency-Key": key}
            response = await self.client.request(method, f"{API}{path}", headers=headers, **kw)
            assert response.status_code < 500 or response.status_code == 503, response.text
            return response

        # Families

        @rule(student=st.integers(0, READY + UNREADY - 1), course=st.integers(0, COURSES - 1),
              key=st.integers(0, 3))  # fmt: skip
        def grab(self, student: int, course: int, key: int) -> None:
            family, course_id = self.families[student], self.courses[course]
            idempotency_key = f"{student}-{key}"
            held, limit = self.run(self._held_and_limit(family))
            response = self.run(
                self._call(
                    "POST", f"/terms/{self.term}/enrollments", family,
                    idempotency_key,
                    json={"student_id": family.student_id, "course_id": course_id},
                )
            )  # fmt: skip
            body = response.json()
            first = self.answered.get(idempotency_key)
            if first is not None and first[1] == 201:
                if first[0] == course_id:
                    assert (response.status_code, body["id"]) == (201, first[2]["id"])
                else:
                    assert body["slug"] == "idempotency-key-reused"
                return
            if response.status_code == 201:
                self.acknowledged.add(int(body["id"]))
                assert family.student_id in self.ready, "granted without its gates"
                assert held < limit, "granted above the term's limit per student"
                assert self.window_open, "granted outside the window"
            elif response.status_code == 409 and body["slug"] in REFUSALS:
                self.run(self._refusal_agrees(family, course_id, body["slug"]))
                if body["slug"] == "limit-reached":
                    assert held >= limit, "refused under the term's limit per student"
            elif response.status_code == 409 and body["slug"] == "window-not-open":
                assert not self.window_open, "refused in an open window"
            if response.status_code != 503:
                self.answered.setdefault(idempotency_key, (course_id, response.status_code, body))

        async def _held_and_limit(self, family: Family) -> tuple[int, int]:
            """The student's confirmed seats and the term's limit per student, in Postgres."""
            async with self.resources.sessionmaker() as session:
                held = await session.scalar(
                    select(func.count()).where(
                        Enrollment.student_id == family.student_id,
                        Enrollment.term_id == self.term,
                        Enrollment.status == EnrollmentStatus.CONFIRMED,
                    )
                )
                limit = await session.scalar(
                    select(Term.max_extension_courses).where(Term.id == self.term)
                )
            return int(held or 0), int(limit or 0)

        async def _refusal_agrees(self, family: Family, course_id: int, slug: str) -> None:
            """A refusal is one Postgres would give: the engine has not drifted from it."""
            async with self.resources.sessionmaker() as session:
                course = await session.get(Course, course_id)
            assert course is not None
            if slug == "course-full":
                assert course.seats_taken >= course.capacity, "full in Redis, not in Postgres"
            elif slug == "prerequisites-missing":
                assert family.student_id not in self.ready, "its gates were recorded"
            elif slug == "time-conflict":
                assert await self._clashes_in_postgres(family, course), "no clash in Postgres"

        async def _clashes_in_postgres(self, family: Family, course: Course) -> bool:
            async with self.resources.sessionmaker() as session:
                rules = await grade_rules(session, self.term)
                held = await session.scalars(
                    select(Course)
                    .join(Enrollment, Enrollment.course_id == Course.id)
                    .where(
                        Enrollment.student_id == family.student_id,
                        Enrollment.status == EnrollmentStatus.CONFIRMED,
                        Course.id != course.id,
                    )
                )

                def slot(c: Course) -> TimeSlot:
                    weekdays = frozenset(c.weekdays)
                    return course_slot(c.grades, weekdays, rules, c.start_time, c.end_time)

                return any(slot(other).conflicts_with(slot(course)) for other in held)

        async def _get(self, path: str) -> dict[str, Any]:
            response = await self._call("GET", path, "admin-a")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        @rule(student=st.integers(0, UNREADY - 1))
        def record_gates(self, student: int) -> None:
            family = self.families[student]
            self.run(self._gates(family))
            self.ready.add(family.student_id)

        async def _gates(self, family: Family) -> None:
            async with self.resources.sessionmaker() as session, session.begin():
                if not await session.scalar(
                    select(func.count()).where(Insurance.student_id == family.student_id)
                ):
                    session.add(
                        Insurance(student_id=family.student_id, insurer="x",
                                  policy_number=f"P{family.student_id}",
                                  valid_from=date(2020, 1, 1), valid_to=date(2035, 1, 1))
                    )  # fmt: skip
            response = await self._call(
                "POST", f"/students/{family.student_id}/agreements", family,
                json={"term_id": self.term, "agreement_version": "v1"},
            )  # fmt: skip
            assert response.status_code in (200, 201, 409), response.text

        # Administrators

        async def _patch_course(self, course_id: int, **changes: Any) -> None:
            course = await self._get(f"/courses/{course_id}")
            await self._call(
                "PATCH", f"/courses/{course_id}", "admin-a",
                json={"version": course["version"], **changes},
            )  # fmt: skip

        @rule(course=st.integers(0, COURSES - 1), capacity=st.integers(0, 4))
        def edit_capacity(self, course: int, capacity: int) -> None:
            self.run(self._patch_course(self.courses[course], capacity=capacity, min_size=0))

        @rule(course=st.integers(0, COURSES - 1), slot=st.sampled_from(SLOTS))
        def edit_times(self, course: int, slot: tuple[list[int], str, str]) -> None:
            weekdays, start, end = slot
            self.run(
                self._patch_course(
                    self.courses[course], weekdays=weekdays, start_time=start, end_time=end
                )
            )

        @rule(course=st.integers(0, COURSES - 1), grades=st.sampled_from(GRADES))
        def edit_grades(self, course: int, grades: list[int]) -> None:
            self.run(self._patch_course(self.courses[course], grades=grades))

        @rule(limit=st.integers(1, 3))
        def edit_limit(self, limit: int) -> None:
            async def edit() -> None:
                term = await self._get(f"/terms/{self.term}")
                await self._call(
                    "PATCH", f"/terms/{self.term}", "admin-a",
                    json={"version": term["version"], "max_extension_courses": limit},
                )  # fmt: skip

            self.run(edit())

        @rule(open_now=st.booleans())
        def edit_window(self, open_now: bool) -> None:
            """Open the window now, or move it an hour ahead (as an administrator who set it
            too early)."""
            now = datetime.now(UTC)
            starts = now - timedelta(hours=1) if open_now else now + timedelta(hours=1)
            window = {
                "opens_at": starts, "grab_opens_at": starts,
                "closes_at": starts + timedelta(hours=2),
                "round2_opens_at": starts + timedelta(hours=2),
                "round2_closes_at": starts + timedelta(hours=4),
            }  # fmt: skip

            async def edit() -> int:
                term = await self._get(f"/terms/{self.term}")
                response = await self._call(
                    "PATCH", f"/terms/{self.term}", "admin-a",
                    json={"version": term["version"],
                          **{name: at.isoformat() for name, at in window.items()}},
                )  # fmt: skip
                return int(response.status_code)

            if self.run(edit()) == 200:
                self.window_open = open_now

        @rule(end=st.sampled_from(["17:00:00", "17:30:00"]))
        def edit_grade_four_hours(self, end: str) -> None:
            """Grade 4's care ends earlier or later: so does the course with no times."""
            self.run(
                self._call(
                    "PUT", f"/terms/{self.term}/grade-schedules/4", "admin-a",
                    json={"start_time": "15:50:00", "end_time": end, "summer_end_time": "18:00:00",
                          "weekdays": [1, 2, 3, 4, 5]},
                )
            )  # fmt: skip

        @rule(weekdays=st.sampled_from([[1, 2, 3, 4, 5], [1, 3, 5], [2, 4]]))
        def edit_grade_schedule(self, weekdays: list[int]) -> None:
            self.run(
                self._call(
                    "PUT", f"/terms/{self.term}/grade-schedules/3", "admin-a",
                    json={"start_time": "15:50:00", "end_time": "17:30:00",
                          "summer_end_time": "18:00:00", "weekdays": weekdays},
                )
            )  # fmt: skip

        async def _a_seat(self, pick: int) -> int | None:
            """One of the term's confirmed seats, if any: the `pick`-th, round the list."""
            async with self.resources.sessionmaker() as session:
                seats = list(
                    await session.scalars(
                        select(Enrollment.id)
                        .where(Enrollment.status == EnrollmentStatus.CONFIRMED)
                        .order_by(Enrollment.id)
                    )
                )
            return seats[pick % len(seats)] if seats else None

        @rule(pick=st.integers(0, 9))
        def remove(self, pick: int) -> None:
            seat = self.run(self._a_seat(pick))
            if seat is not None:
                self.run(
                    self._call("POST", f"/enrollments/{seat}/remove", "admin-a",
                               json={"reason": "家长书面申请退出"})
                )  # fmt: skip

        @rule(pick=st.integers(0, 9), course=st.integers(0, COURSES - 1))
        def move(self, pick: int, course: int) -> None:
            seat = self.run(self._a_seat(pick))
            if seat is not None:
                self.run(
                    self._call("POST", f"/enrollments/{seat}/move", "admin-a",
                               json={"to_course_id": self.courses[course], "reason": "调课"})
                )  # fmt: skip

        @rule(student=st.integers(0, READY + UNREADY - 1), course=st.integers(0, COURSES - 1),
              above=st.booleans())  # fmt: skip
        def override_enrol(self, student: int, course: int, above: bool) -> None:
            self.run(
                self._call(
                    "POST", f"/terms/{self.term}/override-enrollments", "admin-a",
                    json={"student_id": self.families[student].student_id,
                          "course_id": self.courses[course], "above_capacity": above,
                          "reason": "补录"},
                )
            )  # fmt: skip

        # Faults

        @rule()
        def flush_scripts(self) -> None:
            self.run(self.resources.redis.script_flush())

        @rule()
        def redis_restarts_empty(self) -> None:
            """Killed and back with nothing: the term, the stream and its group are gone, and
            every connection the workers held with them."""
            server.kill()
            (server.folder / "dump.rdb").unlink(missing_ok=True)
            server.start()

        @rule()
        def redis_restarts_with_its_data(self) -> None:
            """Killed and back with everything it last saved, the consumer group and the grabs
            it still had pending among them; every connection is new."""
            self.run(self.resources.redis.save())
            server.kill()
            server.start()

        @rule()
        def persister_dies_holding_grabs(self) -> None:
            async def die_then_survive() -> None:
                dying = Persister(
                    self.resources.sessionmaker, self.resources.engine, consumer="dies"
                )
                if await self.resources.engine.is_armed(self.term):
                    await dying.read(self.term)  # read, never written nor acknowledged
                survivor = Persister(
                    self.resources.sessionmaker,
                    self.resources.engine,
                    consumer="survives",
                    stale_ms=0,
                )
                await survivor.run_once(self.term)

            self.run(die_then_survive())

        @rule()
        def rearm(self) -> None:
            response = self.run(self._call("POST", f"/terms/{self.term}/arm", "admin-a"))
            assert response.status_code == 200, response.text

        # After every step

        @invariant()
        def engine_and_postgres_agree(self) -> None:
            report = self.run(
                audit_term(self.resources.sessionmaker, self.resources.engine, self.term)
            )
            assert report.ok, report.lines()

        @invariant()
        def every_201_is_one_row(self) -> None:
            async def written() -> set[int]:
                async with self.resources.sessionmaker() as session:
                    rows = await session.scalars(
                        select(Enrollment.id).where(Enrollment.id.in_(self.acknowledged))
                    )
                    return set(rows)

            assert self.run(written()) == self.acknowledged

    return EngineMachine


@pytest.mark.timeout(600)
def test_the_engine_follows_postgres_through_any_sequence_of_edits_grabs_and_faults(
    scratch_settings: Settings, scratch_redis: RedisServer, clean_tables: None
) -> None:
    run_state_machine_as_test(  # it restarts Redis: a server of its own
        machine_for(scratch_settings, scratch_redis),
        settings=hypothesis_settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
