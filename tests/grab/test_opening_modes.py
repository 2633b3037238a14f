"""Round one opened by a draw, end to end through the API on real Postgres and Redis: a fair
start's attempts held and served in the draw's order, ranked choices served at the close of round
one and followed by the reconciler and round two, the draw checked from what is published, and
the engine rebuilt from Postgres after it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.domain.draw import verify_draw
from app.grab.arming import arm_term
from app.models import Course, DrawEntry, Enrollment, Notice, Term
from app.resources import Resources
from tests.support.grabbing import add_course, add_families, counts, grab, set_window
from tests.support.world import World

API = "/api/v1"
MON, TUE = 1, 2


@pytest.fixture
def resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


async def choose_opening(
    client: httpx.AsyncClient, resources: Resources, world: World, **body: object
) -> dict[str, object]:
    """Set the opening before the grab opens, then open round one now and arm."""
    await set_window(resources.sessionmaker, world.term_a, "before")
    answer = await client.put(
        f"{API}/terms/{world.term_a}/opening-mode", json=body, headers=world.auth("admin-a")
    )
    assert answer.status_code == 200, answer.text
    await set_window(resources.sessionmaker, world.term_a, "round1")
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(  # opened a minute ago: a fair start's draw is still to come
            update(Term)
            .where(Term.id == world.term_a)
            .values(grab_opens_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    await arm_term(resources.sessionmaker, resources.engine, world.term_a)
    published: dict[str, object] = answer.json()
    return published


async def draw_due_at(resources: Resources, term_id: int) -> datetime:
    async with resources.sessionmaker() as session:
        term = await session.get(Term, term_id)
        assert term is not None
        return term.grab_opens_at + timedelta(seconds=term.fair_start_s)


async def test_a_fair_start_holds_the_first_seconds_and_serves_them_in_the_draws_order(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    course = await add_course(resources, world.term_a, 10, [MON], time(16), time(17))
    other = await add_course(resources, world.term_a, 30, [TUE], time(16), time(17))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 30)
    published = await choose_opening(
        client, resources, world, opening="fair_start", fair_start_s=600
    )
    assert published["commitment"]
    assert published["seed"] is None
    # 30 families at the opening second, all at once: every attempt is entered, no seat given.
    answers = await asyncio.gather(*(grab(client, world.term_a, f, course) for f in families))
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    assert {a.json()["status"] for a in answers} == {"in_draw"}
    assert answers[0].json()["opening"] == "fair_start"
    assert await counts(resources, world.term_a, course) == (0, 0, 10)
    # The same family trying a second course adds it to its choices.
    second = await grab(client, world.term_a, families[0], other)
    assert (second.status_code, second.json()["choices"]) == (202, [course, other])
    early = await client.post(f"{API}/terms/{world.term_a}/draw", headers=world.auth("admin-a"))
    assert early.status_code == 409, early.text

    report = await resources.engine_sync.serve_draw(
        world.term_a, await draw_due_at(resources, world.term_a) + timedelta(seconds=1)
    )
    assert (report.entrants, report.seats_given) == (30, 11)
    # Exactly the seats there were, in Postgres and in the engine, which now gives seats again.
    assert await counts(resources, world.term_a, course) == (10, 10, 0)

    draw = (
        await client.get(f"{API}/terms/{world.term_a}/draw", headers=families[0].headers)
    ).json()
    last = families[[f.student_id for f in families].index(draw["order"][-1])]
    late = await grab(client, world.term_a, last, course)
    assert (late.status_code, late.json()["slug"]) == (409, "course-full")
    assert draw["commitment"] == published["commitment"]
    assert draw["seed"]
    assert sorted(draw["order"]) == sorted(f.student_id for f in families)
    assert draw["late"] == []
    check = await client.post(
        f"{API}/draw-verifications",
        json={k: draw[k] for k in ("seed", "commitment", "scope", "order")}
        | {"entrants": sorted(draw["order"])},
    )
    assert check.json()["ok"] is True, check.text
    assert verify_draw(
        draw["seed"], draw["commitment"], draw["scope"], draw["order"], draw["order"]
    ).ok
    # The first ten in the order got the seats; everyone knows their place.
    async with resources.sessionmaker() as session:
        holders = set(
            await session.scalars(
                select(Enrollment.student_id).where(
                    Enrollment.course_id == course, Enrollment.status == "confirmed"
                )
            )
        )
        told = await session.scalar(
            select(func.count()).select_from(Notice).where(Notice.kind == "draw_served")
        )
    assert holders == set(draw["order"][:10])
    assert told == 30
    entry = await client.get(
        f"{API}/terms/{world.term_a}/draw/entries/{last.student_id}", headers=last.headers
    )
    assert (entry.json()["place"], entry.json()["given"]) == (30, [])

    # Redis lost: the term rebuilt from Postgres holds the same seats and holds no attempt.
    await arm_term(resources.sessionmaker, resources.engine, world.term_a)
    assert await counts(resources, world.term_a, course) == (10, 10, 0)
    after = await grab(client, world.term_a, last, other)
    assert after.status_code == 201, after.text


async def test_ranked_choices_are_served_at_the_close_then_the_reconciler_and_round_two(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    wanted = await add_course(resources, world.term_a, 3, [MON], time(16), time(17))
    fallback = await add_course(resources, world.term_a, 8, [MON], time(16), time(17))
    later = await add_course(resources, world.term_a, 10, [TUE], time(16), time(17))
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(update(Course).where(Course.id == fallback).values(min_size=6))
        await session.execute(update(Course).where(Course.id == wanted).values(min_size=1))
        await session.execute(update(Course).where(Course.id == later).values(min_size=1))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 9)
    await choose_opening(client, resources, world, opening="ranked", choices_max=2)
    for family in families[:8]:
        listed = await client.put(
            f"{API}/terms/{world.term_a}/draw/entries/{family.student_id}",
            json={"course_ids": [wanted, fallback]},
            headers=family.headers,
        )
        assert listed.status_code == 200, listed.text
    # A grab in round one of a ranked term lists the course as the family's next choice.
    listed_by_grab = await grab(client, world.term_a, families[8], later)
    assert (listed_by_grab.status_code, listed_by_grab.json()["choices"]) == (202, [later])
    too_many = await client.put(
        f"{API}/terms/{world.term_a}/draw/entries/{families[0].student_id}",
        json={"course_ids": [wanted, fallback, later]},
        headers=families[0].headers,
    )
    assert too_many.status_code == 422
    not_mine = await client.put(
        f"{API}/terms/{world.term_a}/draw/entries/{families[0].student_id}",
        json={"course_ids": [wanted]},
        headers=families[1].headers,
    )
    assert not_mine.status_code == 403
    admin = world.auth("admin-a")
    assert (
        await client.post(f"{API}/terms/{world.term_a}/reconcile", headers=admin)
    ).status_code == 409

    # Round one closes: the draw, then the reconciler (the scheduler's order).
    now = datetime.now(UTC)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(
                closes_at=now - timedelta(seconds=1), round2_opens_at=now - timedelta(seconds=1)
            )
        )
    served = await client.post(f"{API}/terms/{world.term_a}/draw", headers=admin)
    assert served.status_code == 200, served.text
    assert served.json()["seats_given"] == 9
    again = await client.post(f"{API}/terms/{world.term_a}/draw", headers=admin)
    assert again.json()["already_served"] is True
    assert (await counts(resources, world.term_a, wanted))[:2] == (3, 3)
    assert await counts(resources, world.term_a, fallback) == (5, 5, 3)
    reconciled = await client.post(f"{API}/terms/{world.term_a}/reconcile", headers=admin)
    assert reconciled.status_code == 200, reconciled.text
    assert fallback in reconciled.json()["cancelled"]
    assert wanted not in reconciled.json()["cancelled"]

    # The five of the cancelled course grab first come first served in round two.
    async with resources.sessionmaker() as session:
        moved = set(
            await session.scalars(select(DrawEntry.student_id).where(DrawEntry.given == [fallback]))
        )
    assert len(moved) == 5
    round_two = [f for f in families if f.student_id in moved]
    answers = await asyncio.gather(*(grab(client, world.term_a, f, later) for f in round_two))
    assert [a.status_code for a in answers] == [201] * 5, answers[0].text
    assert {a.json()["round"] for a in answers} == {2}
    assert await counts(resources, world.term_a, later) == (6, 6, 4)


async def test_the_opening_is_fixed_once_the_grab_opens(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    await set_window(resources.sessionmaker, world.term_a, "round1")
    answer = await client.put(
        f"{API}/terms/{world.term_a}/opening-mode",
        json={"opening": "ranked"},
        headers=world.auth("admin-a"),
    )
    assert answer.status_code == 409, answer.text


async def test_attempts_held_while_the_draw_is_served_are_never_lost(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    """Attempts racing the draw: each is either entered before it (and served by it, with a
    place) or refused to be sent again, never entered and forgotten; seats are never
    oversold, and Redis agrees with Postgres."""
    course = await add_course(resources, world.term_a, 15, [MON], time(16), time(17))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 40)
    await choose_opening(client, resources, world, opening="fair_start", fair_start_s=600)
    first = await asyncio.gather(*(grab(client, world.term_a, f, course) for f in families[:10]))
    assert {a.status_code for a in first} == {202}
    due = await draw_due_at(resources, world.term_a) + timedelta(seconds=1)
    racing, report = await asyncio.gather(
        asyncio.gather(*(grab(client, world.term_a, f, course) for f in families[10:])),
        resources.engine_sync.serve_draw(world.term_a, due),
    )
    entered = {
        f.student_id
        for f, a in zip(families, [*first, *racing], strict=True)
        if a.status_code == 202
    }
    async with resources.sessionmaker() as session:
        placed = dict(
            (
                await session.execute(
                    select(DrawEntry.student_id, DrawEntry.place).where(
                        DrawEntry.term_id == world.term_a
                    )
                )
            ).all()
        )
    assert entered <= set(placed)
    assert None not in placed.values()
    assert report.entrants == len(placed)
    confirmed = {
        f.student_id for f, a in zip(families[10:], racing, strict=True) if a.status_code == 201
    }
    for answer in racing:
        assert answer.status_code in (201, 202, 409, 503), answer.text
    rows, taken, left = await counts(resources, world.term_a, course)
    assert rows == taken == min(15, len(placed) + len(confirmed))
    assert left == 15 - taken
