"""The whole round, end to end through the API with the background work running as deployed:
round one, the window closes, the scheduler runs the reconciler, the families of cancelled
courses are told through DingTalk (a fake at that edge), round two opens and they are told
again, they grab, round two closes and the reconciler runs again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import update

from app.grab.arming import arm_term
from app.grab.reconciler import last_runs
from app.main import create_app
from app.models import Term, User
from app.resources import Resources
from app.settings import Settings
from tests.support.fake_dingtalk import FakeDingTalk
from tests.support.grabbing import Family, add_course, add_families
from tests.support.waiting import eventually
from tests.support.world import build_world, sign_in_everyone

API = "/api/v1"
ROUND_TWO_IN_S = 4


@pytest.fixture
async def live(
    settings: Settings, clean_tables: None
) -> AsyncIterator[tuple[FastAPI, FakeDingTalk]]:
    deployed = settings.model_copy(
        update={"notify_via": "dingtalk", "dingtalk_agent_id": 4242, "background_poll_s": 0.2}
    )
    with respx.mock(assert_all_called=False) as router:
        dingtalk = FakeDingTalk(router).install()
        app = create_app(deployed)
        async with app.router.lifespan_context(app):
            yield app, dingtalk


async def move_clock(resources: Resources, term_id: int, **times: datetime) -> None:
    """The term's timeline, as the clock would bring it (tests cannot wait a day)."""
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(update(Term).where(Term.id == term_id).values(**times))
    await arm_term(resources.sessionmaker, resources.engine, term_id)


async def link_dingtalk(resources: Resources, families: list[Family]) -> dict[int, str]:
    linked = {}
    async with resources.sessionmaker() as session, session.begin():
        for family in families:
            linked[family.user_id] = f"dt-{family.user_id}"
            await session.execute(
                update(User)
                .where(User.id == family.user_id)
                .values(dingtalk_user_id=linked[family.user_id])
            )
    return linked


async def test_the_whole_round_with_the_background_work(
    live: tuple[FastAPI, FakeDingTalk],
) -> None:
    app, dingtalk = live
    resources: Resources = app.state.resources
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        world = await sign_in_everyone(client, await build_world(resources.sessionmaker))
        now = datetime.now(UTC)
        hour = timedelta(hours=1)
        await move_clock(
            resources, world.term_a, opens_at=now - hour, grab_opens_at=now - hour,
            closes_at=now + hour, round2_opens_at=now + 2 * hour, round2_closes_at=now + 3 * hour,
        )  # fmt: skip
        popular = await add_course(resources, world.term_a, 20, [1], time(16), time(16, 40))
        unpopular = await add_course(resources, world.term_a, 20, [3], time(16), time(16, 40))
        families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 22)
        dingtalk_ids = await link_dingtalk(resources, families)
        await arm_term(resources.sessionmaker, resources.engine, world.term_a)

        async def grab(family: Family, course_id: int) -> httpx.Response:
            return await client.post(
                f"{API}/terms/{world.term_a}/enrollments",
                json={"student_id": family.student_id, "course_id": course_id},
                headers={**family.headers, "Idempotency-Key": uuid.uuid4().hex},
            )

        first_round = await asyncio.gather(
            *(grab(f, popular) for f in families[:15]),
            *(grab(f, unpopular) for f in families[15:20]),
        )
        assert [r.status_code for r in first_round] == [201] * 20

        # The window closes; round two opens a few seconds later.
        now = datetime.now(UTC)
        round_two_opens = now + timedelta(seconds=ROUND_TWO_IN_S)
        await move_clock(
            resources, world.term_a, closes_at=now - timedelta(seconds=1),
            round2_opens_at=round_two_opens, round2_closes_at=now + hour,
        )  # fmt: skip
        admin = world.auth("admin-a")

        async def course_status(course_id: int) -> str:
            answer = await client.get(f"{API}/courses/{course_id}", headers=admin)
            return str(answer.json()["status"])

        async def reconciled_round_one() -> bool:
            return await course_status(unpopular) == "cancelled"

        await eventually(reconciled_round_one)
        assert await course_status(popular) == "confirmed"
        moved = families[15:20]
        moved_ids = {dingtalk_ids[f.user_id] for f in moved}

        def told(fragment: str) -> set[str]:
            return {user for (user, text), n in dingtalk.received.items() if fragment in text and n}

        async def cancellations_delivered() -> bool:
            return told("已撤班") == moved_ids

        await eventually(cancellations_delivered)
        assert told("第二轮报名了") == set()  # not before round two opens

        too_early = await grab(moved[0], popular)
        assert too_early.json()["slug"] == "window-not-open"

        async def round_two_announced() -> bool:
            return told("第二轮报名了") == moved_ids

        await eventually(round_two_announced)
        assert datetime.now(UTC) >= round_two_opens

        # Round two: only the families of the cancelled course, over the seats left.
        second_round = await asyncio.gather(*(grab(f, popular) for f in moved))
        assert [r.status_code for r in second_round] == [201] * 5
        assert {r.json()["round"] for r in second_round} == {2}
        outsider = await grab(families[21], popular)
        assert outsider.json()["slug"] == "not-in-round"

        # Round two closes: the reconciler runs again and changes nothing that is settled.
        await move_clock(resources, world.term_a, round2_closes_at=datetime.now(UTC))

        async def reconciled_round_two() -> bool:
            async with resources.sessionmaker() as session:
                return [r.round for r in await last_runs(session, world.term_a)] == [1, 2]

        await eventually(reconciled_round_two)
        async with resources.sessionmaker() as session:
            runs = await last_runs(session, world.term_a)
        first, second = (r.report for r in runs)
        assert first["cancelled"] == sorted([world.course_a, unpopular])
        assert first["opened"] == [popular]
        assert first["students_affected"] == sorted(f.student_id for f in moved)
        assert (second["cancelled"], second["opened"], second["drift"]) == ([], [], [])
        seats = await client.get(f"{API}/courses/{popular}", headers=admin)
        assert seats.json()["seats_left"] == 0
        assert dingtalk.dropped_as_repeat == 0
        assert all(n == 1 for n in dingtalk.received.values())
