"""A Hypothesis state machine over the seat engine: grabs, replays, re-arms and flushed script
caches in any order, with the capacity invariants checked after every step."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.domain.errors import DomainError
from app.grab.arming import arm_term
from app.models import Course, Enrollment
from app.settings import Settings
from tests.support.grabbing import Family, add_course, add_families, open_and_arm
from tests.support.machines import AppMachine
from tests.support.world import build_world

CAPACITY = 3
STUDENTS = 6


def machine_for(app_settings: Settings) -> type[RuleBasedStateMachine]:
    class SeatMachine(AppMachine):
        settings = app_settings

        def __init__(self) -> None:
            super().__init__()
            self.run(self._setup())
            self.answers: dict[tuple[int, str], Any] = {}
            self.granted: set[tuple[int, int]] = set()

        async def _setup(self) -> None:
            world = await build_world(self.resources.sessionmaker)
            self.term = world.term_a
            self.families: list[Family] = await add_families(
                self.resources, world.school_a, world.class_a301, self.term, STUDENTS
            )
            self.courses = [
                await add_course(
                    self.resources, self.term, CAPACITY, [1], time(16, 0), time(16, 40)
                ),
                await add_course(
                    self.resources, self.term, CAPACITY, [1], time(16, 20), time(17, 0)
                ),
                await add_course(
                    self.resources, self.term, CAPACITY, [2], time(16, 0), time(16, 40)
                ),
            ]
            await open_and_arm(self.resources, self.term, max_courses=2)

        async def _grab(self, family: Family, course_id: int, key: str) -> str:
            try:
                outcome = await self.resources.grabs.grab(
                    self.term, family.student_id, course_id, family.user_id, key
                )
            except DomainError as error:
                return error.slug
            self.granted.add((family.student_id, course_id))
            return f"ok:{outcome.enrollment_id}"

        @rule(
            student=st.integers(0, STUDENTS - 1),
            course=st.integers(0, 2),
            key=st.sampled_from("abcdefgh"),
        )
        def grab(self, student: int, course: int, key: str) -> None:
            family = self.families[student]
            answer = self.run(self._grab(family, self.courses[course], f"{course}-{key}"))
            first = self.answers.setdefault((student, f"{course}-{key}"), answer)
            if first.startswith("ok"):
                assert answer == first, "a replay must repeat the first answer"

        @rule()
        def rearm(self) -> None:
            self.run(arm_term(self.resources.sessionmaker, self.resources.engine, self.term))

        @rule()
        def flush_scripts(self) -> None:
            self.run(self.resources.engine.redis.script_flush())

        async def _state(
            self,
        ) -> tuple[dict[int, int], dict[int, int], dict[int, int], set[tuple[int, int]]]:
            async with self.resources.sessionmaker() as session:
                rows = dict(
                    (await session.execute(
                        select(Enrollment.course_id, func.count()).group_by(Enrollment.course_id)
                    )).all()
                )  # fmt: skip
                taken = dict((await session.execute(select(Course.id, Course.seats_taken))).all())
                enrolled = await session.execute(
                    select(Enrollment.student_id, Enrollment.course_id)
                )
                pairs = {(student, course) for student, course in enrolled}
            return rows, taken, await self.resources.engine.seats_left(self.term), pairs

        @invariant()
        def seats_add_up(self) -> None:
            rows, taken, left, pairs = self.run(self._state())
            for course_id in self.courses:
                assert rows.get(course_id, 0) == taken[course_id] <= CAPACITY
                assert left[course_id] + taken[course_id] == CAPACITY
            assert self.granted <= pairs  # every granted seat is written
            clashing = {(s, c) for s, c in pairs if c in self.courses[:2]}
            students = [s for s, _ in clashing]
            assert len(students) == len(set(students)), (
                "courses 1 and 2 overlap: one of them at most"
            )

    return SeatMachine


@pytest.mark.timeout(300)
def test_engine_invariants_hold_under_any_sequence(scratch_settings: Settings) -> None:
    machine = machine_for(scratch_settings)  # it flushes scripts: a Redis of its own
    run_state_machine_as_test(
        machine,
        settings=settings_profile(),
    )


def settings_profile() -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=8,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
