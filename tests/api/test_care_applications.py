"""Basic care by application through the API: parent → class teacher → school, with a log."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import CareApplicationEvent
from app.resources import Resources
from tests.support.grabbing import set_window
from tests.support.world import World

API = "/api/v1"


async def step(
    client: httpx.AsyncClient, world: World, login: str, action: str, reason: str = ""
) -> httpx.Response:
    return await client.post(
        f"{API}/care-applications/{world.care_application}/transitions",
        json={"action": action, "reason": reason},
        headers=world.auth(login),
    )


async def test_the_approval_chain_and_its_log(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    assert (await step(client, world, "admin-a", "approve")).status_code == 409  # not reviewed yet
    assert (
        await step(client, world, "teacher-a302", "review_approve")
    ).status_code == 403  # other class
    reviewed = await step(client, world, "teacher-a301", "review_approve")
    assert (reviewed.status_code, reviewed.json()["state"]) == (200, "class_approved")
    assert (
        await step(client, world, "teacher-a301", "approve")
    ).status_code == 403  # the school decides
    approved = await step(client, world, "admin-a", "approve")
    assert (approved.json()["state"], approved.json()["decided_at"] is not None) == (
        "approved",
        True,
    )
    assert (await step(client, world, "parent-1", "withdraw")).status_code == 409  # decided
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        log = list(
            await session.execute(
                select(
                    CareApplicationEvent.action,
                    CareApplicationEvent.from_state,
                    CareApplicationEvent.to_state,
                )
                .where(CareApplicationEvent.application_id == world.care_application)
                .order_by(CareApplicationEvent.id)
            )
        )
    assert [tuple(row) for row in log] == [
        ("review_approve", "applied", "class_approved"),
        ("approve", "class_approved", "approved"),
    ]


async def test_a_refusal_needs_a_reason(client: httpx.AsyncClient, world: World) -> None:
    assert (await step(client, world, "teacher-a301", "review_refuse")).status_code == 409
    refused = await step(client, world, "teacher-a301", "review_refuse", "需要家长陪护")
    assert refused.json()["state"] == "refused"


async def test_applying_inside_the_window_only(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    resources: Resources = app.state.resources
    apply = {"student_id": world.student_2}
    before = await client.post(
        f"{API}/terms/{world.term_a}/care-applications", json=apply, headers=world.auth("parent-2")
    )
    assert (before.status_code, before.json()["slug"]) == (409, "window-not-open")
    await set_window(resources.sessionmaker, world.term_a, "round1")
    applied = await client.post(
        f"{API}/terms/{world.term_a}/care-applications", json=apply, headers=world.auth("parent-2")
    )
    assert (applied.status_code, applied.json()["state"]) == (201, "applied")
    twice = await client.post(
        f"{API}/terms/{world.term_a}/care-applications", json=apply, headers=world.auth("parent-2")
    )
    assert twice.status_code == 409
    not_mine = await client.post(
        f"{API}/terms/{world.term_a}/care-applications",
        json={"student_id": world.student_1},
        headers=world.auth("parent-2"),
    )
    assert (not_mine.status_code, not_mine.json()["slug"]) == (403, "not-your-child")
    teacher_view = await client.get(
        f"{API}/terms/{world.term_a}/care-applications", headers=world.auth("teacher-a302")
    )
    assert [a["student_id"] for a in teacher_view.json()["items"]] == [
        world.student_2
    ]  # own class only
    admin_view = await client.get(
        f"{API}/terms/{world.term_a}/care-applications",
        params={"state": "applied"},
        headers=world.auth("admin-a"),
    )
    assert admin_view.json()["total"] == 2
    await set_window(resources.sessionmaker, world.term_a, "after")
    late = await client.post(
        f"{API}/terms/{world.term_a}/care-applications",
        json={"student_id": world.student_1},
        headers=world.auth("parent-1"),
    )
    assert late.json()["slug"] == "window-closed"
