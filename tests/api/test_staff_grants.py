"""Staff roles go to people of the school's district, named by who they are."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.domain.access import Role
from app.models import RoleGrant, School, User
from app.resources import Resources
from tests.support.world import World


async def _person(
    app: FastAPI, world: World, login: str, phone: str | None = None, elsewhere: bool = False
) -> int:
    """A new account; `elsewhere`: a teacher of a school of the other district."""
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        user = User(name=login, dev_login=login, dingtalk_user_id=f"dt-{login}", phone=phone)
        session.add(user)
        await session.flush()
        if elsewhere:
            school = School(district_id=world.other_district_id, name="邻区小学", code=login)
            session.add(school)
            await session.flush()
            session.add(RoleGrant(user_id=user.id, role=Role.CARE_TEACHER, school_id=school.id))
        return user.id


async def _grants(app: FastAPI, user_id: int) -> int:
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.user_id == user_id)
        )
        return int(count or 0)


async def _grant(client: httpx.AsyncClient, world: World, **person: object) -> httpx.Response:
    return await client.post(
        f"/api/v1/schools/{world.school_a}/staff",
        json={"role": "care_teacher", **person},
        headers=world.auth("admin-a"),
    )


async def test_a_person_of_another_district_is_not_granted_by_id(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    foreign = await _person(app, world, "foreign", elsewhere=True)

    response = await _grant(client, world, user_id=foreign)

    assert response.status_code == 404, response.text
    assert await _grants(app, foreign) == 1


async def test_a_person_of_another_district_is_not_granted_by_identity_either(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    foreign = await _person(app, world, "foreign", phone="+8613711110000", elsewhere=True)
    for person in ({"dingtalk_user_id": "dt-foreign"}, {"phone": "13711110000"}):
        response = await _grant(client, world, **person)
        assert response.status_code == 404, response.text
    assert await _grants(app, foreign) == 1


async def test_a_guessed_id_of_a_person_with_no_ties_is_refused(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    newcomer = await _person(app, world, "newcomer")
    assert (await _grant(client, world, user_id=newcomer)).status_code == 404
    assert await _grants(app, newcomer) == 0


async def test_a_newcomer_is_granted_by_their_dingtalk_account_or_phone(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    by_dingtalk = await _person(app, world, "newcomer-1")
    by_phone = await _person(app, world, "newcomer-2", phone="+8613722220000")

    first = await _grant(client, world, dingtalk_user_id="dt-newcomer-1")
    second = await _grant(client, world, phone="137-2222-0000")  # as typed: found all the same

    assert first.status_code == 201, first.text
    assert first.json()["user_id"] == by_dingtalk
    assert second.status_code == 201, second.text
    assert second.json()["user_id"] == by_phone


async def test_a_person_of_the_district_is_still_granted_by_id(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await _grant(client, world, user_id=world.users["admin-b"])
    assert response.status_code == 201, response.text


async def test_a_phone_several_accounts_share_is_refused(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    response = await _grant(client, world, phone="13900000000")  # every account of the world's
    assert response.status_code == 409, response.text
    assert await _grants(app, world.users["parent-1"]) == 0


async def test_a_person_is_named_one_way(client: httpx.AsyncClient, world: World) -> None:
    response = await _grant(client, world, dingtalk_user_id="dt-x", user_id=world.users["admin-b"])
    assert response.status_code == 422, response.text
