"""Joining basic care mid-term and leaving a place by written request (篇一, 篇四, 篇十), through
the API, on a term that is running (registration long over)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from app.domain.statuses import ApplicationState, EnrollmentStatus
from app.models import (
    AuditEvent,
    CareApplication,
    CareGroupMember,
    Course,
    Enrollment,
    LedgerEntry,
    Notice,
    SchoolClass,
    Term,
    session_roster,
)
from app.resources import Resources
from app.services.common import school_today
from tests.api.test_exports import today_session
from tests.support.grabbing import Family, add_families
from tests.support.term import RunningTerm


async def _set(resources: Resources, term_id: int, **values: object) -> None:
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(update(Term).where(Term.id == term_id).values(**values))


async def _join_mid_term(running_term: RunningTerm, family: Family) -> dict[str, Any]:
    """The term takes basic care mid-term; the family applies, the class teacher reviews, the
    school approves. The application as approved."""
    resources, world, api, _ = running_term
    await _set(resources, world.term_a, care_applications_midterm=True)
    applied = await api.call(
        "POST", f"/terms/{world.term_a}/care-applications", family, 201,
        json={"student_id": family.student_id},
    )  # fmt: skip
    path = f"/care-applications/{applied['id']}/transitions"
    await api.call("POST", path, "teacher-a301", json={"action": "review_approve"})
    approved: dict[str, Any] = await api.call("POST", path, "admin-a", json={"action": "approve"})
    return approved


async def test_after_the_window_an_application_is_neither_made_nor_withdrawn(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    withdraw = await api.call(
        "POST", f"/care-applications/{world.care_application}/transitions", "parent-1", 409,
        json={"action": "withdraw"},
    )  # fmt: skip
    assert withdraw["slug"] == "window-closed"  # 无法补报、退报、调报
    late = await api.call(
        "POST", f"/terms/{world.term_a}/care-applications", families[4], 409,
        json={"student_id": families[4].student_id},
    )  # fmt: skip
    assert late["slug"] == "window-closed"
    # Where the term takes basic care mid-term, both are open until its last day.
    await _set(resources, world.term_a, care_applications_midterm=True)
    withdrawn = await api.call(
        "POST", f"/care-applications/{world.care_application}/transitions", "parent-1",
        json={"action": "withdraw"},
    )  # fmt: skip
    assert withdrawn["state"] == "withdrawn"
    await _set(resources, world.term_a, ends_on=school_today() - timedelta(days=1))
    over = await api.call(
        "POST", f"/terms/{world.term_a}/care-applications", families[4], 409,
        json={"student_id": families[4].student_id},
    )  # fmt: skip
    assert over["slug"] == "window-closed"


async def test_a_child_approved_mid_term_joins_a_group_and_its_sessions(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    late = families[4]  # grade 3, in no group
    approved = await _join_mid_term(running_term, late)
    assert approved["state"] == "approved"
    async with resources.sessionmaker() as session:
        group = await session.scalar(
            select(CareGroupMember.group_id).where(CareGroupMember.student_id == late.student_id)
        )
        assert group == world.care_group  # grade 3's group had room
    today = await today_session(api, world.term_a, care_group_id=world.care_group)
    async with resources.sessionmaker() as session:
        roster = set(
            await session.scalars(
                select(session_roster.c.student_id).where(
                    session_roster.c.session_id == today["id"]
                )
            )
        )
    assert late.student_id in roster


async def test_a_basic_care_place_is_left_by_request_the_school_approves(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    child = families[5]
    await _join_mid_term(running_term, child)

    ask = {"term_id": world.term_a, "reason": "家中老人可以接送"}
    requests = f"/students/{child.student_id}/exit-requests"
    await api.call("POST", requests, families[0], 403, json=ask)  # another family's child
    await api.call("POST", requests, child, 422, json={**ask, "reason": " "})
    asked = await api.call("POST", requests, child, 201, json=ask)
    assert (asked["state"], asked["course_id"], asked["ends_on"]) == ("pending", None, None)
    again = await api.call("POST", requests, child, 409, json=ask)
    assert again["slug"] == "conflict"
    decision = f"/exit-requests/{asked['id']}/decision"
    await api.call("POST", decision, "teacher-a301", 403, json={"approve": True})
    await api.call("POST", decision, "admin-a", 409, json={"approve": False})  # no reason
    approved = await api.call("POST", decision, "admin-a", json={"approve": True})
    assert (approved["state"], approved["ends_on"]) == ("approved", school_today().isoformat())
    await api.call("POST", decision, "admin-a", 409, json={"approve": True})  # decided
    async with resources.sessionmaker() as session:
        member = await session.scalar(
            select(CareGroupMember.id).where(CareGroupMember.student_id == child.student_id)
        )
        assert member is None
        told = await session.scalar(
            select(Notice.body).where(
                Notice.kind == "exit_decided", Notice.user_id == child.user_id
            )
        )
        assert told is not None
        assert "同意" in told
        logged = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.student_id == child.student_id)
                .order_by(AuditEvent.id)
            )
        )
        assert logged[-2:] == ["exit_requested", "exit_approved"]
    listed = await api.call(
        "GET", f"/terms/{world.term_a}/exit-requests", "admin-a", params={"state": "approved"}
    )
    assert [r["id"] for r in listed["items"]] == [asked["id"]]
    waiting = await api.call(
        "GET", f"/terms/{world.term_a}/exit-requests", "admin-a", params={"state": "pending"}
    )
    assert [r["id"] for r in waiting["items"]] == [world.exit_request]
    mine = await api.call("GET", requests, child)
    assert [r["state"] for r in mine] == ["approved"]
    # A place no longer held cannot be left again.
    await api.call("POST", requests, child, 422, json=ask)


async def test_a_course_is_left_only_where_the_term_allows_and_what_is_left_is_refunded(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    child = families[2]
    ask = {"term_id": world.term_a, "course_id": world.course_a, "reason": "孩子转学"}
    requests = f"/students/{child.student_id}/exit-requests"
    refused = await api.call("POST", requests, child, 422, json=ask)
    assert refused["slug"] == "rule-violation"  # 一旦报名不允许中途退出
    await _set(resources, world.term_a, withdrawal_allowed=True)
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    asked = await api.call("POST", requests, child, 201, json=ask)
    withdrawn = await api.call("POST", f"/exit-requests/{asked['id']}/withdraw", child)
    assert withdrawn["state"] == "withdrawn"
    await api.call("POST", f"/exit-requests/{asked['id']}/withdraw", child, 409)
    asked = await api.call("POST", requests, child, 201, json=ask)
    decided = await api.call(
        "POST", f"/exit-requests/{asked['id']}/decision", "admin-a", json={"approve": True}
    )
    async with resources.sessionmaker() as session:
        seat = await session.scalar(
            select(Enrollment.status).where(
                Enrollment.student_id == child.student_id, Enrollment.course_id == world.course_a
            )
        )
        assert seat is EnrollmentStatus.DISMISSED
        taken = await session.scalar(select(Course.seats_taken).where(Course.id == world.course_a))
        assert taken == len(families) - 1
        refunds = list(
            await session.scalars(
                select(LedgerEntry.session_id).where(
                    LedgerEntry.student_id == child.student_id, LedgerEntry.kind == "refund"
                )
            )
        )
    assert decided["refunded_sessions"] == len(refunds) > 0  # course A meets twice a week
    statement = await api.call(
        "GET", f"/students/{child.student_id}/statement", child, params={"term_id": world.term_a}
    )
    assert statement["refunded_fen"] == len(refunds) * 2000


async def test_a_child_of_another_grade_joins_a_group_whose_sessions_follow(
    running_term: RunningTerm,
) -> None:
    """A grade-4 child approved mid-term joins grade 3's group (adjacent, with room): the
    group's sessions after today are for grade 4 too, so the child is on their rosters."""
    resources, world, api, _ = running_term
    async with resources.sessionmaker() as session, session.begin():
        fourth = SchoolClass(school_id=world.school_a, grade=4, number=1)
        session.add(fourth)
        await session.flush()
        class_id = fourth.id
    (child,) = await add_families(resources, world.school_a, class_id, world.term_a, 1)
    await _set(resources, world.term_a, care_applications_midterm=True)
    applied = await api.call(
        "POST", f"/terms/{world.term_a}/care-applications", child, 201,
        json={"student_id": child.student_id},
    )  # fmt: skip
    await api.call(
        "POST", f"/care-applications/{applied['id']}/transitions", "admin-a",
        json={"action": "approve"}, expect=409,
    )  # fmt: skip  # the class teacher reviews first; the new class has none: reviewed here
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(CareApplication)
            .where(CareApplication.id == applied["id"])
            .values(state=ApplicationState.CLASS_APPROVED)
        )
    await api.call(
        "POST", f"/care-applications/{applied['id']}/transitions", "admin-a",
        json={"action": "approve"},
    )  # fmt: skip
    coming = await api.call(
        "GET", f"/terms/{world.term_a}/sessions", "admin-a",
        params={"care_group_id": world.care_group,
                "from": (school_today() + timedelta(days=1)).isoformat(),
                "to": (school_today() + timedelta(days=7)).isoformat()},
    )  # fmt: skip
    async with resources.sessionmaker() as session:
        rosters = [
            set(
                await session.scalars(
                    select(session_roster.c.student_id).where(
                        session_roster.c.session_id == row["id"]
                    )
                )
            )
            for row in coming["items"]
        ]
    assert rosters  # the group meets in the coming week
    assert all(child.student_id in roster for roster in rosters)
