"""The audit finds every kind of breach in a real term, and only real ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

from fastapi import FastAPI
from sqlalchemy import insert

from app.grab.audit import AuditReport, audit_term
from app.models import Enrollment
from app.resources import Resources
from tests.support.grabbing import add_course, add_families, open_and_arm
from tests.support.world import build_world


def breaches(report: AuditReport) -> dict[str, list[str]]:
    return {c.name: c.breaches for c in report.checks if not c.ok}


async def test_a_clean_term_passes_and_each_breach_is_named(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    world = await build_world(resources.sessionmaker)
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 4)
    clash = await add_course(resources, world.term_a, 5, [2], time(16, 20), time(17, 0))
    await open_and_arm(resources, world.term_a)
    for family in families[:3]:
        outcome = await resources.grabs.grab(
            world.term_a, family.student_id, world.course_a, family.user_id, uuid.uuid4().hex
        )
        assert outcome.confirmed
    report = await audit_term(resources.sessionmaker, resources.engine, world.term_a)
    assert report.ok, report.lines()
    assert (report.confirmed, report.armed) == (3, True)

    # A seat the engine granted that never reached Postgres.
    lost = families[3]
    await resources.engine.grab(world.term_a, lost.student_id, world.course_a, lost.user_id, "k")
    # A seat in Postgres the engine never granted, clashing with one the student holds.
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            insert(Enrollment),
            {"term_id": world.term_a, "student_id": families[0].student_id, "course_id": clash,
             "round": 1, "grabbed_at": datetime.now(UTC)},
        )  # fmt: skip
    found = breaches(await audit_term(resources.sessionmaker, resources.engine, world.term_a))
    assert found["every confirmed grab in Postgres"] == [
        f"student {lost.student_id} holds course {world.course_a} in Redis, not in Postgres"
    ]
    assert found["every Postgres seat known to the engine"] == [
        f"student {families[0].student_id} holds course {clash} in Postgres, not in Redis"
    ]
    assert found["no time conflict held"] == [
        f"student {families[0].student_id}: courses {world.course_a} and {clash} clash"
    ]
    assert found["no course over capacity"] == [
        f"course {clash}: 1 confirmed, counter 0, capacity 5"
    ]
    assert sorted(found["Redis seats left + Postgres confirmed = capacity"]) == sorted(
        [
            f"course {world.course_a}: 26 left + 3 confirmed ≠ 30",
            f"course {clash}: 5 left + 1 confirmed ≠ 5",
        ]
    )
