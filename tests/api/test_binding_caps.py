"""Binding requests by number and name are capped per account and per student, also when they
come at once."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.domain.bindings import MAX_PENDING_PER_ACCOUNT, MAX_PENDING_PER_STUDENT
from app.domain.statuses import BindingStatus
from app.models import Guardianship, Student, User
from app.resources import Resources
from tests.support.world import World


async def _students(app: FastAPI, world: World, count: int) -> list[tuple[str, str]]:
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        students = [
            Student(
                school_id=world.school_a, class_id=world.class_a302,
                name=f"学生{n}", student_number=f"C{n:04d}",
            )
            for n in range(count)
        ]  # fmt: skip
        session.add_all(students)
    return [(s.student_number, s.name) for s in students]


async def _accounts(app: FastAPI, client: httpx.AsyncClient, count: int) -> list[dict[str, str]]:
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        session.add_all(User(name=f"家长{n}", dev_login=f"family-{n}") for n in range(count))
    headers = []
    for n in range(count):
        signed_in = await client.post(
            "/api/v1/auth/dingtalk", json={"auth_code": f"dev:family-{n}"}
        )
        headers.append({"Authorization": f"Bearer {signed_in.json()['access_token']}"})
    return headers


async def _ask(
    client: httpx.AsyncClient, world: World, headers: dict[str, str], student: tuple[str, str]
) -> httpx.Response:
    number, name = student
    return await client.post(
        "/api/v1/bindings",
        json={"school_id": world.school_a, "student_number": number, "student_name": name,
              "relation": "mother"},
        headers=headers,
    )  # fmt: skip


async def _pending(app: FastAPI, **whose: int) -> int:
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        query = select(func.count()).select_from(Guardianship).filter_by(**whose)
        count = await session.scalar(query.where(Guardianship.status == BindingStatus.PENDING))
        return int(count or 0)


async def test_an_account_keeps_only_a_few_requests_waiting(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    students = await _students(app, world, MAX_PENDING_PER_ACCOUNT + 3)
    stranger = world.users["stranger"]  # one request waiting already (for student 1)
    headers = world.auth("stranger")

    answers = [await _ask(client, world, headers, student) for student in students]

    assert [a.status_code for a in answers] == [201] * (MAX_PENDING_PER_ACCOUNT - 1) + [409] * 4
    assert answers[-1].json()["slug"] == "too-many-pending-bindings"
    assert await _pending(app, user_id=stranger) == MAX_PENDING_PER_ACCOUNT


async def test_concurrent_requests_of_one_account_stop_at_the_cap(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    students = await _students(app, world, MAX_PENDING_PER_ACCOUNT + 5)
    (headers,) = await _accounts(app, client, 1)

    answers = await asyncio.gather(*(_ask(client, world, headers, s) for s in students))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * MAX_PENDING_PER_ACCOUNT + [409] * 5, [a.text for a in answers]
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        family = await session.scalar(select(User.id).where(User.dev_login == "family-0"))
    assert family is not None
    assert await _pending(app, user_id=family) == MAX_PENDING_PER_ACCOUNT


async def test_concurrent_requests_for_one_student_stop_at_the_cap(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    (student,) = await _students(app, world, 1)
    families = await _accounts(app, client, MAX_PENDING_PER_STUDENT + 4)

    answers = await asyncio.gather(*(_ask(client, world, h, student) for h in families))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * MAX_PENDING_PER_STUDENT + [409] * 4, [a.text for a in answers]
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        student_id = await session.scalar(
            select(Student.id).where(Student.student_number == student[0])
        )
    assert student_id is not None
    assert await _pending(app, student_id=student_id) == MAX_PENDING_PER_STUDENT
