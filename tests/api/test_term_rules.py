"""The running term's rules one by one, and its invariants under concurrent requests: one roll call
per session and student, one charge per seat, one settlement per term."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from app.domain.attendance import PolicyAction
from app.domain.fees import LedgerKind
from app.grab.arming import arm_term
from app.grab.audit import audit_term
from app.models import Attendance, LedgerEntry, Notice, PolicyStep, Term
from app.resources import Resources
from app.services.common import school_today
from tests.support.term import Api, RunningTerm, take_roll_call
from tests.support.world import World


async def course_sessions(api: Api, world: World) -> list[dict[str, object]]:
    page = await api.call(
        "GET", f"/terms/{world.term_a}/sessions", "admin-a",
        params={"course_id": world.course_a, "size": 200},
    )  # fmt: skip
    rows: list[dict[str, object]] = page["items"]
    assert page["total"] == len(rows)
    return rows


async def count(resources: Resources, statement: Executable) -> int:
    async with resources.sessionmaker() as session:
        return int(await session.scalar(statement) or 0)


async def test_a_roll_call_waits_for_its_day_and_a_refused_one_changes_nothing(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    rows = await course_sessions(api, world)
    upcoming = next(r for r in rows if str(r["on_date"]) > school_today().isoformat())
    marks = {"marks": [{"student_id": f.student_id, "status": "present"} for f in families]}
    problem = await api.call(
        "PUT", f"/sessions/{upcoming['id']}/attendance", "care-a", 422, json=marks
    )
    assert "on its day" in problem["detail"]
    past = next(r for r in rows if str(r["on_date"]) < school_today().isoformat())
    stranger = {"marks": [*marks["marks"], {"student_id": world.student_2, "status": "present"}]}
    problem = await api.call(
        "PUT", f"/sessions/{past['id']}/attendance", "care-a", 422, json=stranger
    )
    assert problem["not_in_session"] == [world.student_2]
    await api.call(
        "POST", f"/sessions/{past['id']}/pickups", "care-a", 422,
        json={"pickups": [{"student_id": families[0].student_id,
                           "picked_up_at": str(past["ends_at"])}]},
    )  # fmt: skip
    assert await count(resources, select(func.count()).select_from(Attendance)) == 0
    await api.call("PUT", f"/sessions/{past['id']}/attendance", "teacher-a301", 403, json=marks)


async def test_concurrent_identical_roll_calls_leave_one_mark_each_and_one_policy_step(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(update(Term).where(Term.id == world.term_a).values(absence_limit=1))
    past = next(
        r
        for r in await course_sessions(api, world)
        if str(r["on_date"]) < school_today().isoformat()
    )
    marks = {
        "marks": [
            {"student_id": f.student_id, "status": "absent" if i == 0 else "present"}
            for i, f in enumerate(families)
        ]
    }
    answers = await asyncio.gather(
        *(
            api.call("PUT", f"/sessions/{past['id']}/attendance", "care-a", json=marks)
            for _ in range(6)
        )
    )
    steps = [step for answer in answers for step in answer["policy_steps"]]
    assert [s["action"] for s in steps] == ["place_given_up"]  # taken by exactly one of them
    assert await count(resources, select(func.count()).select_from(Attendance)) == len(families)
    assert await count(resources, select(func.count()).select_from(PolicyStep)) == 1 + 1
    seats = await count(
        resources, text(f"SELECT seats_taken FROM course WHERE id = {world.course_a}")
    )
    assert seats == len(families) - 1


async def test_an_old_roll_call_sent_again_takes_no_step_for_marks_that_did_not_change(
    running_term: RunningTerm,
) -> None:
    _, world, api, families = running_term
    absentee = families[0]
    past = [
        r
        for r in await course_sessions(api, world)
        if str(r["on_date"]) < school_today().isoformat()
    ]
    assert len(past) >= 3
    for row in past[:2]:  # absent twice, within the term's limit of 3: a warning
        answer = await take_roll_call(api, int(str(row["id"])), absent={absentee.student_id})
        assert {s["action"] for s in answer["policy_steps"]} <= {"absence_warning"}
    term = await api.call("GET", f"/terms/{world.term_a}", "admin-a")
    await api.call(
        "PATCH", f"/terms/{world.term_a}", "admin-a",
        json={"version": term["version"], "absence_limit": 2},
    )  # fmt: skip
    # The first day's roll call re-saved as it was: nothing changed, nothing is decided.
    again = await take_roll_call(api, int(str(past[0]["id"])), absent={absentee.student_id})
    assert again["policy_steps"] == []
    enrollments = await api.call("GET", f"/students/{absentee.student_id}/enrollments", absentee)
    assert [e["status"] for e in enrollments["items"]] == ["confirmed"]
    # A new absence is an occasion: the limit now in force applies.
    third = await take_roll_call(api, int(str(past[2]["id"])), absent={absentee.student_id})
    assert [s["action"] for s in third["policy_steps"]] == ["place_given_up"]


async def test_leave_approved_after_an_absence_excuses_it_and_a_refusal_does_not(
    running_term: RunningTerm,
) -> None:
    _resources, world, api, families = running_term
    today = school_today()
    today_row = next(
        r for r in await course_sessions(api, world) if r["on_date"] == today.isoformat()
    )
    first, second = families[0], families[1]
    await take_roll_call(
        api, int(str(today_row["id"])), absent={first.student_id, second.student_id}
    )
    body = {"term_id": world.term_a, "first_day": today.isoformat(),
            "last_day": today.isoformat(), "reason": "发烧"}  # fmt: skip
    for family, approve in ((first, True), (second, False)):
        leave = await api.call(
            "POST", f"/students/{family.student_id}/leave-requests", family, 201, json=body
        )
        await api.call(
            "POST", f"/leave-requests/{leave['id']}/decision", "teacher-a301",
            json={"approve": approve, "note": "" if approve else "未附病历"},
        )  # fmt: skip
        await api.call(
            "POST", f"/leave-requests/{leave['id']}/decision", "admin-a", 409,
            json={"approve": True},
        )  # fmt: skip
        await api.call("POST", f"/leave-requests/{leave['id']}/withdraw", family, 409)
    sheet = await api.call("GET", f"/sessions/{today_row['id']}/attendance", "care-a")
    status = {s["student_id"]: s["status"] for s in sheet["students"]}
    assert status[first.student_id] == "leave"
    assert status[second.student_id] == "absent"
    other = await api.call(
        "POST", f"/students/{first.student_id}/leave-requests", first, 201,
        json={**body, "first_day": (today + timedelta(days=2)).isoformat(),
              "last_day": (today + timedelta(days=2)).isoformat()},
    )  # fmt: skip
    withdrawn = await api.call("POST", f"/leave-requests/{other['id']}/withdraw", first)
    assert withdrawn["state"] == "withdrawn"
    await api.call("POST", f"/students/{first.student_id}/leave-requests", second, 403, json=body)


async def test_concurrent_billing_charges_each_seat_once_and_a_cancelled_session_is_refunded(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    answers = await asyncio.gather(
        *(api.call("POST", f"/terms/{world.term_a}/billing", "admin-a") for _ in range(4))
    )
    assert sum(a["new_charges"] for a in answers) == len(families)
    charges = select(func.count()).where(LedgerEntry.kind == LedgerKind.CHARGE)
    assert await count(resources, charges) == len(families)
    upcoming = next(
        r
        for r in await course_sessions(api, world)
        if str(r["on_date"]) > school_today().isoformat()
    )
    cancelled = await api.call(
        "POST", f"/sessions/{upcoming['id']}/cancel", "admin-a",
        json={"cause": "force_majeure", "reason": "暴雨红色预警"},
    )  # fmt: skip
    assert cancelled["cancel_cause"] == "force_majeure"
    await api.call(
        "POST", f"/sessions/{upcoming['id']}/cancel", "admin-a", 409,
        json={"cause": "school", "reason": "again"},
    )  # fmt: skip
    refunds = select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.kind == LedgerKind.REFUND)
    assert await count(resources, refunds) == -2000 * len(families)


async def test_the_ledger_is_append_only(running_term: RunningTerm) -> None:
    resources, world, api, _ = running_term
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    for statement in ("UPDATE ledger_entry SET amount_fen = 1", "DELETE FROM ledger_entry"):
        async with resources.sessionmaker() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))


async def test_one_settlement_of_many_at_once_and_none_before_the_end_without_a_reason(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    early = await api.call("POST", f"/terms/{world.term_a}/settlement", "admin-a", 409, json={})
    assert "runs until" in early["detail"]
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(ends_on=school_today() - timedelta(days=1))
        )
    responses = await asyncio.gather(
        *(
            api.client.post(
                f"/api/v1/terms/{world.term_a}/settlement", json={}, headers=world.auth("admin-a")
            )
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    report = next(r.json() for r in responses if r.status_code == 200)
    assert report["students"] == len(families)  # nobody paid: every balance is collected
    assert report["sessions_cancelled"] == 0
    settlements = select(func.count()).where(LedgerEntry.kind == LedgerKind.SETTLEMENT)
    assert await count(resources, settlements) == len(families)
    await api.call(
        "POST", f"/terms/{world.term_a}/payments", "admin-a", 409,
        json={"student_id": families[0].student_id, "amount_fen": 100, "reference": "late"},
    )  # fmt: skip


async def test_workload_by_month_and_patrols_by_duty_leaders_only(
    running_term: RunningTerm,
) -> None:
    _resources, world, api, _ = running_term
    today = school_today()
    rows = [r for r in await course_sessions(api, world) if str(r["on_date"]) <= today.isoformat()]
    for row in rows:
        await take_roll_call(api, int(str(row["id"])))
    await api.call(
        "POST", f"/schools/{world.school_a}/duty-records", "care-a", 403,
        json={"kind": "patrol", "on_date": today.isoformat(), "note": "巡查"},
    )  # fmt: skip
    await api.call(
        "POST", f"/schools/{world.school_a}/duty-records", "admin-a", 201,
        json={"kind": "patrol", "on_date": today.isoformat(), "note": "巡查", "incidents": "无"},
    )  # fmt: skip
    month = today.strftime("%Y-%m")
    lines = await api.call(
        "GET", f"/terms/{world.term_a}/workload", "admin-a", params={"month": month}
    )
    care = next(line for line in lines if line["user_id"] == world.users["care-a"])
    assert care["sessions"] == sum(1 for r in rows if str(r["on_date"]).startswith(month))
    admin = next(line for line in lines if line["user_id"] == world.users["admin-a"])
    assert admin["patrols"] == 1
    assert admin["points"] == 40
    own = await api.call("GET", f"/terms/{world.term_a}/workload", "care-a")
    assert [line["user_id"] for line in own] == [world.users["care-a"]]
    await api.call(
        "GET", f"/terms/{world.term_a}/workload", "admin-a", 422, params={"month": "2019-01"}
    )


async def test_a_place_given_up_frees_its_seat_in_an_armed_seat_engine(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(update(Term).where(Term.id == world.term_a).values(absence_limit=1))
    await arm_term(resources.sessionmaker, resources.engine, world.term_a)
    capacity = 30
    assert (await resources.engine.seats_left(world.term_a))[world.course_a] == (
        capacity - len(families)
    )
    past = next(
        r
        for r in await course_sessions(api, world)
        if str(r["on_date"]) < school_today().isoformat()
    )
    await take_roll_call(api, int(str(past["id"])), absent={families[0].student_id})
    # Released in the engine after the commit: the seat is back on offer.
    assert (await resources.engine.seats_left(world.term_a))[world.course_a] == (
        capacity - len(families) + 1
    )
    async with resources.sessionmaker() as session, session.begin():
        step = PolicyStep(
            term_id=world.term_a, student_id=families[1].student_id,
            action=PolicyAction.DISMISSAL_PROPOSED, place="", count=4,
        )  # fmt: skip
        session.add(step)
    await api.call(
        "POST", f"/policy-steps/{step.id}/decision", "admin-a",
        json={"dismiss": True, "reason": "多次延迟接回"},
    )  # fmt: skip
    assert (await resources.engine.seats_left(world.term_a))[world.course_a] == (
        capacity - len(families) + 2
    )
    report = await audit_term(resources.sessionmaker, resources.engine, world.term_a)
    assert report.armed
    assert report.ok, report.lines()


async def test_a_pickup_is_recorded_on_the_sessions_day_after_it_starts(
    running_term: RunningTerm,
) -> None:
    _, world, api, families = running_term
    past = next(
        r
        for r in await course_sessions(api, world)
        if str(r["on_date"]) < school_today().isoformat()
    )
    await take_roll_call(api, int(str(past["id"])))
    ends = datetime.fromisoformat(str(past["ends_at"]))
    path = f"/sessions/{past['id']}/pickups"
    for moment, expected in (
        (ends + timedelta(days=1), 422),
        (ends - timedelta(hours=3), 422),
        (ends + timedelta(minutes=11), 200),  # one minute past the grace: late
    ):
        pickup = {"student_id": families[0].student_id, "picked_up_at": moment.isoformat()}
        await api.call("POST", path, "care-a", expected, json={"pickups": [pickup]})
    sheet = await api.call("GET", f"/sessions/{past['id']}/attendance", "care-a")
    line = next(s for s in sheet["students"] if s["student_id"] == families[0].student_id)
    assert line["picked_up_late"] is True


async def test_generating_again_follows_a_changed_calendar_for_the_sessions_to_come(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    today = school_today()
    upcoming = [
        r for r in await course_sessions(api, world) if str(r["on_date"]) > today.isoformat()
    ]
    holiday = str(upcoming[0]["on_date"])
    await api.call(
        "POST", f"/districts/{world.district_id}/calendar-overrides", "district-admin", 201,
        json={"on_date": holiday, "is_workday": False, "name": "临时放假"},
    )  # fmt: skip
    term = await api.call("GET", f"/terms/{world.term_a}", "admin-a")
    await api.call(
        "PATCH", f"/terms/{world.term_a}", "admin-a",
        json={"version": term["version"], "summer_starts_on": today.isoformat(),
              "summer_ends_on": term["ends_on"]},
    )  # fmt: skip
    report = await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    assert report["created"] == 0
    assert report["cancelled"] == 2  # course A and care group 1 on the new holiday
    care = (
        await api.call(
            "GET", f"/terms/{world.term_a}/sessions", "admin-a",
            params={"care_group_id": world.care_group, "size": 200},
        )
    )["items"]  # fmt: skip
    later = [r for r in care if r["on_date"] > today.isoformat() and r["status"] == "scheduled"]
    assert report["moved"] == len(later)  # the summer schedule: care ends at 18:00 now
    assert {r["ends_at"][11:19] for r in later} == {"18:00:00"}
    held = [r for r in care if r["on_date"] <= today.isoformat()]
    assert {r["ends_at"][11:19] for r in held} == {"17:30:00"}  # days begun keep their times
    course = {r["on_date"]: r for r in await course_sessions(api, world)}
    assert course[holiday]["status"] == "cancelled"
    assert course[holiday]["cancel_cause"] == "school"
    assert {str(r["ends_at"])[11:19] for r in course.values()} == {"16:40:00"}  # its own times
    refunds = select(func.count()).where(
        LedgerEntry.kind == LedgerKind.REFUND, LedgerEntry.session_id == course[holiday]["id"]
    )
    assert await count(resources, refunds) == len(families)
    told = select(func.count()).select_from(Notice).where(Notice.kind == "schedule_changed")
    assert await count(resources, told) == len(families) + 1  # and student 1, in the care group
    again = await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    assert (again["created"], again["moved"], again["cancelled"]) == (0, 0, 0)
