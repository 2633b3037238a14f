"""Basic care after the applications: places by priority when short, the groups (编班) and their
manual adjustment, and publication (公示) with masked names and objections."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select, update

from app.domain.statuses import ApplicationState
from app.models import (
    AuditEvent,
    CareApplication,
    CareApplicationEvent,
    Notice,
    Publication,
    SchoolClass,
    Student,
    Term,
)
from app.resources import Resources
from tests.support.grabbing import Family, add_families
from tests.support.world import World, build_world, sign_in_everyone

API = "/api/v1"


@pytest.fixture
async def ready(quiet_app: FastAPI, quiet_client: httpx.AsyncClient) -> tuple[Resources, World]:
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    return resources, world


async def new_class(resources: Resources, school_id: int, grade: int, number: int) -> int:
    async with resources.sessionmaker() as session, session.begin():
        return int(
            await session.scalar(
                insert(SchoolClass).returning(SchoolClass.id),
                {"school_id": school_id, "grade": grade, "number": number},
            )
            or 0
        )


async def applications(
    resources: Resources, term_id: int, families: list[Family], state: ApplicationState
) -> list[int]:
    async with resources.sessionmaker() as session, session.begin():
        rows = [
            {"term_id": term_id, "student_id": f.student_id, "state": state,
             "applied_by_id": f.user_id}
            for f in families
        ]  # fmt: skip
        return list(
            await session.scalars(insert(CareApplication).returning(CareApplication.id), rows)
        )


async def test_short_places_go_to_the_priority_groups_then_lower_grades(
    ready: tuple[Resources, World], quiet_client: httpx.AsyncClient
) -> None:
    resources, world = ready
    grade_1 = await new_class(resources, world.school_a, 1, 5)
    older = await add_families(resources, world.school_a, world.class_a301, world.term_a, 3)
    younger = await add_families(resources, world.school_a, grade_1, world.term_a, 2)
    ids = await applications(
        resources, world.term_a, older + younger, ApplicationState.CLASS_APPROVED
    )
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Student).where(Student.id == older[2].student_id).values(left_behind=True)
        )
        await session.execute(
            update(Term).where(Term.id == world.term_a).values(basic_care_places=3)
        )
    admin = world.auth("admin-a")
    url = f"{API}/terms/{world.term_a}/care-allocation"
    preview = await quiet_client.post(url, params={"preview": "true"}, headers=admin)
    assert preview.status_code == 200, preview.text
    # 留守 first, then grade 1 before grade 3, then the order of application.
    expected = [ids[2], ids[3], ids[4]]
    assert preview.json()["admitted"] == expected
    assert preview.json()["applied"] is False
    async with resources.sessionmaker() as session:
        assert set(await session.scalars(select(CareApplication.state))) == {
            ApplicationState.APPLIED, ApplicationState.CLASS_APPROVED
        }  # fmt: skip
    done = await quiet_client.post(url, headers=admin)
    assert (done.json()["admitted"], done.json()["refused"]) == (expected, [ids[0], ids[1]])
    async with resources.sessionmaker() as session:
        states = dict(
            (await session.execute(
                select(CareApplication.id, CareApplication.state)
                .where(CareApplication.id.in_(ids))
            )).all()
        )  # fmt: skip
        reasons = set(
            await session.scalars(
                select(CareApplicationEvent.reason).where(CareApplicationEvent.action == "allocate")
            )
        )
    assert [states[i] for i in ids] == [ApplicationState.REFUSED] * 2 + [
        ApplicationState.APPROVED
    ] * 3
    assert reasons == {"按优先保障顺序分配基础托管名额", "基础托管名额已满"}

    # No place left: approving one more by hand is refused, the application unchanged.
    [late] = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    [late_id] = await applications(resources, world.term_a, [late], ApplicationState.CLASS_APPROVED)
    refused = await quiet_client.post(
        f"{API}/care-applications/{late_id}/transitions", json={"action": "approve"}, headers=admin
    )
    assert refused.status_code == 409
    assert "places" in refused.json()["detail"]


async def test_groups_follow_the_seed_and_can_be_adjusted_by_hand(
    ready: tuple[Resources, World], quiet_client: httpx.AsyncClient
) -> None:
    resources, world = ready
    big = await add_families(resources, world.school_a, world.class_a302, world.term_a, 31)
    small_3 = await add_families(resources, world.school_a, world.class_a301, world.term_a, 5)
    grade_4 = await new_class(resources, world.school_a, 4, 1)
    small_4 = await add_families(resources, world.school_a, grade_4, world.term_a, 7)
    grade_6 = await new_class(resources, world.school_a, 6, 1)
    small_6 = await add_families(resources, world.school_a, grade_6, world.term_a, 3)
    everyone = big + small_3 + small_4 + small_6
    await applications(resources, world.term_a, everyone, ApplicationState.APPROVED)
    admin = world.auth("admin-a")
    formed = await quiet_client.post(f"{API}/terms/{world.term_a}/care-groups", headers=admin)
    assert formed.status_code == 200, formed.text
    groups = formed.json()
    placed = Counter(m["student_id"] for g in groups for m in g["members"])
    assert set(placed) == {f.student_id for f in everyone}
    assert set(placed.values()) == {1}
    assert all(g["size"] <= 40 for g in groups)
    own = next(
        g for g in groups if {m["student_id"] for m in g["members"]} == {f.student_id for f in big}
    )
    assert own["grades"] == [3]
    assert [g["grades"] for g in groups if g["id"] != own["id"]] == [[3, 4], [6]]

    mixed = next(g for g in groups if g["grades"] == [3, 4])
    sixth = next(g for g in groups if g["grades"] == [6])
    across = await quiet_client.post(
        f"{API}/care-groups/{mixed['id']}/members",
        json={"student_id": small_6[0].student_id, "reason": "家长申请"},
        headers=admin,
    )
    assert (across.status_code, across.json()["slug"]) == (422, "rule-violation")
    moved = await quiet_client.post(
        f"{API}/care-groups/{mixed['id']}/members",
        json={"student_id": big[0].student_id, "reason": "与弟弟同组便于接送"},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    after = {g["id"]: g for g in moved.json()}
    assert big[0].student_id in {m["student_id"] for m in after[mixed["id"]]["members"]}
    assert after[own["id"]]["size"] == 30
    assert after[sixth["id"]]["size"] == 3
    async with resources.sessionmaker() as session:
        event = await session.scalar(select(AuditEvent))
    assert event is not None
    assert (event.action, event.reason) == ("care_group_move", "与弟弟同组便于接送")
    listing = await quiet_client.get(
        f"{API}/terms/{world.term_a}/care-groups", headers=world.auth("teacher-a302")
    )
    assert listing.json() == moved.json()


async def test_a_publication_masks_names_for_families_and_takes_objections(
    ready: tuple[Resources, World], quiet_client: httpx.AsyncClient
) -> None:
    resources, world = ready
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 2)
    await applications(resources, world.term_a, families, ApplicationState.APPROVED)
    admin = world.auth("admin-a")
    assert (
        await quiet_client.post(f"{API}/terms/{world.term_a}/care-groups", headers=admin)
    ).status_code == 200
    nothing = await quiet_client.post(
        f"{API}/terms/{world.term_a}/publications",
        json={"kind": "courses", "title": "开班名单"},
        headers=admin,
    )
    assert (nothing.status_code, nothing.json()["slug"]) == (422, "rule-violation")
    made = await quiet_client.post(
        f"{API}/terms/{world.term_a}/publications",
        json={"kind": "care_groups", "title": "基础托管分组名单公示", "days": 3},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    publication_id = made.json()["id"]
    staff_view = made.json()["lists"][0]["students"]
    assert {s["name"] for s in staff_view} == {"学生0", "学生1"}
    assert all("student_id" in s for s in staff_view)

    family = families[0]
    seen = await quiet_client.get(f"{API}/publications/{publication_id}", headers=family.headers)
    assert seen.status_code == 200
    shown = seen.json()["lists"][0]["students"]
    assert sorted(shown, key=lambda s: s["name"]) == [
        {"name": "学*0", "class_name": "3年级1班"},
        {"name": "学*1", "class_name": "3年级1班"},
    ]
    assert "学生0" not in seen.text

    objected = await quiet_client.post(
        f"{API}/publications/{publication_id}/objections",
        json={"text": "名单缺少我家孩子", "student_id": family.student_id},
        headers=family.headers,
    )
    assert objected.status_code == 201, objected.text
    not_theirs = await quiet_client.post(
        f"{API}/publications/{publication_id}/objections",
        json={"text": "x", "student_id": families[1].student_id},
        headers=family.headers,
    )
    assert not_theirs.status_code == 403
    answered = await quiet_client.post(
        f"{API}/objections/{objected.json()['id']}/answer",
        json={"text": "已核实并更正"},
        headers=admin,
    )
    assert (answered.status_code, answered.json()["answer"]) == (200, "已核实并更正")
    async with resources.sessionmaker() as session:
        told = await session.scalar(
            select(Notice.user_id).where(Notice.kind == "objection_answered")
        )
    assert told == family.user_id

    # Once the period is over families no longer see it or object; staff still see it.
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Publication)
            .where(Publication.id == publication_id)
            .values(closes_at=datetime.now(UTC) - timedelta(minutes=1),
                    opens_at=datetime.now(UTC) - timedelta(days=3))
        )  # fmt: skip
    gone = await quiet_client.get(f"{API}/publications/{publication_id}", headers=family.headers)
    assert gone.status_code == 403
    listed = await quiet_client.get(
        f"{API}/terms/{world.term_a}/publications", headers=family.headers
    )
    assert publication_id not in [p["id"] for p in listed.json()]
    kept = await quiet_client.get(f"{API}/publications/{publication_id}", headers=admin)
    assert kept.status_code == 200
