"""Dismissal for disruption (篇十 ①) through the API: teachers record conduct incidents on the
sessions of a running term; at the limit the family is warned, one more proposes a dismissal the
school decides; every step notified and audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import AuditEvent, CareGroupMember, Notice
from app.services.common import school_today
from tests.support.term import RunningTerm


async def test_repeated_disruption_warns_the_family_then_the_school_decides(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    child = families[0]  # in basic-care group 1, which meets every school day
    listed = await api.call(
        "GET", f"/terms/{world.term_a}/sessions", "admin-a",
        params={"care_group_id": world.care_group,
                "from": (school_today() - timedelta(days=14)).isoformat(),
                "to": school_today().isoformat(), "size": 100},
    )  # fmt: skip
    held = [s for s in listed["items"] if s["status"] == "scheduled"]
    assert len(held) >= 4
    incident = {"student_id": child.student_id, "note": "多次推搡同学,劝阻无效"}

    def path(n: int) -> str:
        return f"/sessions/{held[n]['id']}/conduct-incidents"

    await api.call("POST", path(0), child, 403, json=incident)  # a parent records nothing
    await api.call("POST", path(0), "care-a", 422, json={**incident, "note": " "})
    outsider = {**incident, "student_id": families[5].student_id}  # not in the group
    await api.call("POST", path(0), "care-a", 422, json=outsider)
    steps = []
    for n in range(4):
        recorded = await api.call("POST", path(n), "care-a", 201, json=incident)
        steps.append([s["action"] for s in recorded["policy_steps"]])
    assert steps == [[], [], ["conduct_warning"], ["dismissal_proposed"]]
    await api.call("POST", path(0), "care-a", 409, json=incident)  # once a session
    assert len(await api.call("GET", path(0), "care-a")) == 1

    proposed = await api.call(
        "GET", f"/terms/{world.term_a}/policy-steps", "admin-a",
        params={"action": "dismissal_proposed"},
    )  # fmt: skip
    (step,) = [s for s in proposed if s["place"] == "conduct"]
    await api.call(
        "POST", f"/policy-steps/{step['id']}/decision", "admin-a",
        json={"dismiss": True, "reason": "多次影响他人,经家校沟通无改善"},
    )  # fmt: skip
    async with resources.sessionmaker() as session:
        kinds = set(
            await session.scalars(select(Notice.kind).where(Notice.user_id == child.user_id))
        )
        assert {"conduct_warning", "dismissed"} <= kinds
        to_school = await session.scalar(
            select(Notice.body).where(
                Notice.kind == "dismissal_proposed", Notice.user_id == world.users["admin-a"]
            )
        )
        assert to_school is not None
        assert "违纪" in to_school
        in_group = await session.scalar(
            select(CareGroupMember.id).where(CareGroupMember.student_id == child.student_id)
        )
        assert in_group is None
        audited = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.student_id == child.student_id)
                .order_by(AuditEvent.id)
            )
        )
    assert audited.count("conduct_incident") == 4
    assert audited[-4:] == [
        "conduct_warning", "conduct_incident", "dismissal_proposed", "dismissal_dismissed",
    ]  # fmt: skip
