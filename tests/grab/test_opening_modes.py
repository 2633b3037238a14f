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
from sqlalchemy import func, insert, select, update

from app.domain.draw import verify_draw
from app.domain.errors import Conflict
from app.domain.opening import DRAW_GRACE
from app.domain.statuses import BindingStatus
from app.grab.arming import arm_if_unarmed, arm_term
from app.grab.draws import serve_due_draw
from app.grab.scheduler import serve_due_draws
from app.models import Course, DrawEntry, Enrollment, Guardianship, Notice, Term, User
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
        assert term.draw_at is not None
        return term.draw_at


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
    with pytest.raises(Conflict):  # due, but within the grace held attempts are written in
        await resources.engine_sync.serve_draw(
            world.term_a, await draw_due_at(resources, world.term_a)
        )

    report = await resources.engine_sync.serve_draw(
        world.term_a, await draw_due_at(resources, world.term_a) + DRAW_GRACE
    )
    assert (report.entrants, report.seats_given) == (30, 11)
    # Exactly the seats there were, in Postgres and in the engine, which now gives seats again.
    assert await counts(resources, world.term_a, course) == (10, 10, 0)

    draw = (
        await client.get(f"{API}/terms/{world.term_a}/draw", headers=families[0].headers)
    ).json()
    # The family drawn last of those that chose only the full course.
    last = max(families[1:], key=lambda f: draw["order"].index(f.student_id))
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
    place = draw["order"].index(last.student_id) + 1
    assert place > 10
    assert (entry.json()["place"], entry.json()["given"]) == (place, [])

    # Redis lost: the term rebuilt from Postgres holds the same seats and holds no attempt.
    await resources.engine.disarm(world.term_a)
    await arm_if_unarmed(resources.sessionmaker, resources.engine, world.term_a)
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

    # Round one closes: the draw, then the reconciler (the scheduler's order), which refuses to
    # run before the draw is served.
    closed = datetime.now(UTC) - DRAW_GRACE - timedelta(seconds=1)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(closes_at=closed, round2_opens_at=closed)
        )
    early = await client.post(f"{API}/terms/{world.term_a}/reconcile", headers=admin)
    assert early.status_code == 409, early.text
    assert "draw" in early.json()["detail"]
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
    """Attempts racing the draw after its due moment: each is entered before it is served (and
    then served after every drawn entrant, as it came) or answered to be sent again, never
    entered and forgotten; seats are never oversold, and Redis agrees with Postgres."""
    course = await add_course(resources, world.term_a, 15, [MON], time(16), time(17))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 40)
    await choose_opening(client, resources, world, opening="fair_start", fair_start_s=600)
    first = await asyncio.gather(*(grab(client, world.term_a, f, course) for f in families[:10]))
    assert {a.status_code for a in first} == {202}
    # The clock moves on: these ten came in the first seconds, and the draw is now due.
    now = datetime.now(UTC)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(grab_opens_at=now - timedelta(seconds=605))
        )
        await session.execute(
            update(DrawEntry)
            .where(DrawEntry.term_id == world.term_a)
            .values(first_at=now - timedelta(seconds=604))
        )
    racing, _ = await asyncio.gather(
        asyncio.gather(*(grab(client, world.term_a, f, course) for f in families[10:])),
        resources.engine_sync.serve_draw(world.term_a, datetime.now(UTC)),
    )
    for answer in racing:
        assert answer.status_code in (201, 202, 409, 503), answer.text
    entered = {
        f.student_id
        for f, a in zip(families, [*first, *racing], strict=True)
        if a.status_code == 202
    }
    draw = (
        await client.get(f"{API}/terms/{world.term_a}/draw", headers=families[0].headers)
    ).json()
    assert sorted(draw["order"]) == sorted(f.student_id for f in families[:10])
    assert entered <= {*draw["order"], *draw["late"]}
    async with resources.sessionmaker() as session:
        arrived = dict(
            (
                await session.execute(
                    select(DrawEntry.student_id, DrawEntry.first_at).where(
                        DrawEntry.term_id == world.term_a
                    )
                )
            ).all()
        )
        holders = set(
            await session.scalars(
                select(Enrollment.student_id).where(
                    Enrollment.course_id == course, Enrollment.status == "confirmed"
                )
            )
        )
    assert [arrived[s] for s in draw["late"]] == sorted(arrived[s] for s in draw["late"])
    by_draw = [*draw["order"], *draw["late"]][:15]
    confirmed = {
        f.student_id for f, a in zip(families[10:], racing, strict=True) if a.status_code == 201
    }
    assert holders == set(by_draw) | confirmed
    rows, taken, left = await counts(resources, world.term_a, course)
    assert rows == taken == len(holders) <= 15
    assert left == 15 - taken
    assert not await resources.engine.holds_for_draw(world.term_a)


@pytest.mark.parametrize("learnt_by", ["a held attempt", "a term edit", "the scheduler"])
async def test_an_engine_that_missed_the_served_draw_learns_its_seats_with_its_end(
    client: httpx.AsyncClient, resources: Resources, world: World, learnt_by: str
) -> None:
    """The process serving the draw ended between its commit and telling the engine. However the
    engine then learns that the draw was served, it takes the draw's seats before it stops
    holding: no grab ever runs on counts that miss them."""
    course = await add_course(resources, world.term_a, 3, [MON], time(16), time(17))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 5)
    await choose_opening(client, resources, world, opening="fair_start", fair_start_s=600)
    entered = await asyncio.gather(*(grab(client, world.term_a, f, course) for f in families[:3]))
    assert {a.status_code for a in entered} == {202}
    async with resources.sessionmaker() as session, session.begin():  # no engine sync after it
        await serve_due_draw(
            session, world.term_a, await draw_due_at(resources, world.term_a) + DRAW_GRACE
        )
    assert await resources.engine.holds_for_draw(world.term_a)
    assert await counts(resources, world.term_a, course) == (3, 3, 3)
    admin = world.auth("admin-a")
    if learnt_by == "a held attempt":
        behind = await grab(client, world.term_a, families[3], course)
        assert behind.status_code == 503, behind.text
    elif learnt_by == "a term edit":
        term = (await client.get(f"{API}/terms/{world.term_a}", headers=admin)).json()
        edited = await client.patch(
            f"{API}/terms/{world.term_a}",
            json={"version": term["version"], "name": "2026秋(改)"},
            headers=admin,
        )
        assert edited.status_code == 200, edited.text
    else:
        await serve_due_draws(resources.sessionmaker, resources.engine, resources.engine_sync)
    assert not await resources.engine.holds_for_draw(world.term_a)
    assert await counts(resources, world.term_a, course) == (3, 3, 0)
    again = await grab(client, world.term_a, families[3], course)
    assert (again.status_code, again.json()["slug"]) == (409, "course-full")


async def test_the_opening_stays_once_families_entered(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    course = await add_course(resources, world.term_a, 3, [MON], time(16), time(17))
    other = await add_course(resources, world.term_a, 3, [TUE], time(16), time(17))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    published = await choose_opening(client, resources, world, opening="ranked", choices_max=1)
    admin = world.auth("admin-a")
    entered = await grab(client, world.term_a, families[0], course)
    assert entered.status_code == 202
    # A second course beyond the term's one choice: refused, and nothing changes.
    beyond = await grab(client, world.term_a, families[0], other)
    assert beyond.status_code == 422, beyond.text
    entry = await client.get(
        f"{API}/terms/{world.term_a}/draw/entries/{families[0].student_id}",
        headers=families[0].headers,
    )
    assert entry.json()["choices"] == [course]
    # Round one's close, by which the draw is due, stays; the grab may be postponed, but the
    # opening is not set anew once anyone entered.
    term = (await client.get(f"{API}/terms/{world.term_a}", headers=admin)).json()

    async def edit(name: str, moment: datetime) -> httpx.Response:
        body = {"version": term["version"], name: moment.isoformat()}
        return await client.patch(f"{API}/terms/{world.term_a}", json=body, headers=admin)

    moved = await edit("closes_at", datetime.now(UTC) + timedelta(hours=2))
    assert moved.status_code == 409, moved.text
    postponed = await edit("grab_opens_at", datetime.now(UTC) + timedelta(minutes=30))
    assert postponed.status_code == 200, postponed.text
    again = await client.put(
        f"{API}/terms/{world.term_a}/opening-mode", json={"opening": "fcfs"}, headers=admin
    )
    assert again.status_code == 409, again.text
    assert "entered" in again.json()["detail"]
    draw = (await client.get(f"{API}/terms/{world.term_a}/draw", headers=admin)).json()
    assert draw["commitment"] == published["commitment"]
    assert (draw["opening"], draw["entrants"]) == ("ranked", 1)


async def test_the_same_opening_sent_again_keeps_its_commitment(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    await set_window(resources.sessionmaker, world.term_a, "before")
    admin = world.auth("admin-a")
    path = f"{API}/terms/{world.term_a}/opening-mode"
    first = await client.put(path, json={"opening": "fair_start"}, headers=admin)
    same = await client.put(path, json={"opening": "fair_start"}, headers=admin)
    other = await client.put(
        path, json={"opening": "fair_start", "fair_start_s": 20}, headers=admin
    )
    assert first.json()["commitment"] == same.json()["commitment"]
    assert other.json()["commitment"] != first.json()["commitment"]


async def test_a_child_not_ready_or_an_unbound_entrant_is_not_served(
    client: httpx.AsyncClient, resources: Resources, world: World
) -> None:
    course = await add_course(resources, world.term_a, 5, [MON], time(16), time(17))
    unready = await add_families(
        resources, world.school_a, world.class_a301, world.term_a, 1, ready=False
    )
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    await choose_opening(client, resources, world, opening="ranked")
    refused = await client.put(
        f"{API}/terms/{world.term_a}/draw/entries/{unready[0].student_id}",
        json={"course_ids": [course]},
        headers=unready[0].headers,
    )
    assert (refused.status_code, refused.json()["slug"]) == (409, "prerequisites-missing")
    for family in families:
        listed = await client.put(
            f"{API}/terms/{world.term_a}/draw/entries/{family.student_id}",
            json={"course_ids": [course]},
            headers=family.headers,
        )
        assert listed.status_code == 200, listed.text
    # The guardian who entered the second child is unbound before the draw; another guardian of
    # the child stays bound (the child is still ready).
    async with resources.sessionmaker() as session, session.begin():
        other_parent = await session.scalar(insert(User).returning(User.id), {"name": "另一家长"})
        session.add(
            Guardianship(
                student_id=families[1].student_id, user_id=other_parent, relation="father",
                status=BindingStatus.CONFIRMED, confirmed_at=datetime.now(UTC),
            )
        )  # fmt: skip
        await session.execute(
            update(Guardianship)
            .where(
                Guardianship.student_id == families[1].student_id,
                Guardianship.user_id == families[1].user_id,
            )
            .values(status=BindingStatus.REVOKED)
        )
    closed = datetime.now(UTC) - DRAW_GRACE - timedelta(seconds=1)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(closes_at=closed, round2_opens_at=closed)
        )
    report = await resources.engine_sync.serve_draw(world.term_a, datetime.now(UTC))
    assert (report.entrants, report.seats_given) == (2, 1)
    assert await counts(resources, world.term_a, course) == (1, 1, 4)
