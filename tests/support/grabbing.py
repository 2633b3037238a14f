"""Helpers for grab tests: open a term's window now, add many ready families, mint their tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.statuses import BindingStatus
from app.grab.arming import arm_term
from app.models import (
    Agreement,
    Course,
    CourseKind,
    Enrollment,
    Guardianship,
    Insurance,
    Student,
    Term,
    User,
)
from app.resources import Resources


@dataclass(frozen=True)
class Family:
    student_id: int
    user_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def set_window(
    sessionmaker: async_sessionmaker[AsyncSession],
    term_id: int,
    phase: str = "round1",
    max_courses: int = 3,
) -> None:
    """Move a term's window so that `phase` (before, round1, between, round2, after) is now."""
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    starts = {
        "before": now + hour,
        "round1": now - hour,
        "between": now - 3 * hour,
        "round2": now - 3 * hour,
        "after": now - 10 * hour,
    }[phase]
    closes = starts + 2 * hour
    round2_opens = now + hour if phase == "between" else closes
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == term_id)
            .values(
                opens_at=starts, grab_opens_at=starts, closes_at=closes, round2_opens_at=round2_opens,
                round2_closes_at=round2_opens + 2 * hour, max_extension_courses=max_courses,
            )
        )  # fmt: skip


async def open_and_arm(
    resources: Resources, term_id: int, phase: str = "round1", max_courses: int = 3
) -> None:
    await set_window(resources.sessionmaker, term_id, phase, max_courses)
    await arm_term(resources.sessionmaker, resources.engine, term_id)


async def add_families(
    resources: Resources,
    school_id: int,
    class_id: int,
    term_id: int,
    count: int,
    ready: bool = True,
) -> list[Family]:
    """`count` students in the class, each with a guardian; ready ones also have the agreement and
    insurance covering the term."""
    async with resources.sessionmaker() as session, session.begin():
        base = await session.scalar(insert(User).returning(User.id), {"name": "marker"})
        users = list(
            await session.scalars(
                insert(User).returning(User.id), [{"name": f"家长{base}-{i}"} for i in range(count)]
            )
        )
        students = list(
            await session.scalars(
                insert(Student).returning(Student.id),
                [
                    {
                        "school_id": school_id,
                        "class_id": class_id,
                        "name": f"学生{i}",
                        "student_number": f"R{base}-{i}",
                    }
                    for i in range(count)
                ],
            )
        )
        now = datetime.now(UTC)
        await session.execute(
            insert(Guardianship),
            [
                {
                    "student_id": s,
                    "user_id": u,
                    "relation": "mother",
                    "status": BindingStatus.CONFIRMED,
                    "confirmed_at": now,
                }
                for s, u in zip(students, users, strict=True)
            ],
        )
        if ready:
            rows: list[dict[str, Any]] = [
                {
                    "student_id": s,
                    "term_id": term_id,
                    "agreement_version": "v1",
                    "signed_by_id": u,
                    "signed_at": now,
                }
                for s, u in zip(students, users, strict=True)
            ]
            await session.execute(insert(Agreement), rows)
            await session.execute(
                insert(Insurance),
                [
                    {
                        "student_id": s,
                        "insurer": "x",
                        "policy_number": f"P{s}",
                        "valid_from": date(2020, 1, 1),
                        "valid_to": date(2035, 1, 1),
                    }
                    for s in students
                ],
            )
    return [Family(s, u, resources.signer.issue(u)) for s, u in zip(students, users, strict=True)]


async def add_course(
    resources: Resources,
    term_id: int,
    capacity: int,
    weekdays: list[int],
    start: time | None,
    end: time | None,
    grades: list[int] | None = None,
    kind: CourseKind = CourseKind.EXTENSION,
) -> int:
    async with resources.sessionmaker() as session, session.begin():
        return int(
            await session.scalar(
                insert(Course).returning(Course.id),
                {
                    "term_id": term_id, "kind": kind, "name": f"课程{capacity}", "grades": grades or [3, 4],
                    "weekdays": weekdays, "start_time": start, "end_time": end, "capacity": capacity,
                    "min_size": min(15, capacity) if kind is not CourseKind.BASIC else 0,
                    "fee_per_session_fen": 0 if kind is CourseKind.BASIC else 2000,
                },
            )
            or 0
        )  # fmt: skip


async def grab(
    client: httpx.AsyncClient, term_id: int, family: Family, course_id: int, key: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/terms/{term_id}/enrollments",
        json={"student_id": family.student_id, "course_id": course_id},
        headers={**family.headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def counts(resources: Resources, term_id: int, course_id: int) -> tuple[int, int, int]:
    """(confirmed enrollment rows, course.seats_taken, seats left in Redis) of one course."""
    async with resources.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.course_id == course_id, Enrollment.status == "confirmed")
        )
        taken = await session.scalar(select(Course.seats_taken).where(Course.id == course_id))
    left = (await resources.engine.seats_left(term_id)).get(course_id, -1)
    return int(rows or 0), int(taken or 0), left
