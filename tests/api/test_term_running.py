"""A term run end to end through the API: sessions generated from the calendar, a week of roll
calls, a leave, the absence policy firing, late pickups up to a dismissal, a suspension, billing,
payments, the term ended early and settled, statements, exports and the calendar feed.

One scenario, told in named steps: each step works on what the steps before it left, so they run
in order within one test, on each school day of `SCHOOL_DAYS`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import func, select

from app.domain.statuses import EnrollmentStatus
from app.models import Enrollment, LedgerEntry
from app.persistence.calendar import public_holiday
from app.resources import Resources
from app.services.common import school_today
from tests.support.clock import SCHOOL_DAYS, SUMMER_DAY, day_id
from tests.support.grabbing import Family, add_families
from tests.support.term import Api, a_term_around_today, notices, take_roll_call
from tests.support.workbooks import sheet_tables
from tests.support.world import World, build_world, sign_in_everyone

API = "/api/v1"
FEE = 2000
Row = dict[str, Any]  # one object of an answer's JSON


@pytest.fixture
async def ready(
    school_day: date, quiet_app: FastAPI, quiet_client: httpx.AsyncClient
) -> tuple[Resources, World]:
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    return resources, world


def _sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    """The table (header, then rows) of the one sheet of an exported workbook, as values."""
    [(_, table)] = sheet_tables(content).values()
    return table


@dataclass(frozen=True)
class Run:
    """The term being run: term A around today, course A opened with sixteen children."""

    resources: Resources
    world: World
    api: Api
    families: list[Family]
    today: date
    summer: bool  # on the summer schedule (夏令时) until today

    @property
    def on_leave(self) -> Family:
        return self.families[0]

    @property
    def absentee(self) -> Family:
        return self.families[1]

    @property
    def late_picker(self) -> Family:
        return self.families[2]

    @property
    def payer(self) -> Family:
        return self.families[3]

    @property
    def underpayer(self) -> Family:
        return self.families[4]

    @property
    def course_only(self) -> Family:
        """In course A and not in basic care."""
        return self.families[5]


@dataclass(frozen=True)
class Sessions:
    course: list[Row]  # course A's
    care: list[Row]  # basic-care group 1's
    today: str  # today's date, as the sessions give it

    @property
    def days(self) -> list[date]:
        """The days course A meets."""
        return [date.fromisoformat(s["on_date"]) for s in self.course]

    @property
    def course_today(self) -> Row:
        return next(s for s in self.course if s["on_date"] == self.today)

    @property
    def charge(self) -> int:
        """What one seat of course A costs for the term as scheduled."""
        return len(self.days) * FEE


@pytest.mark.parametrize("school_day", SCHOOL_DAYS, indirect=True, ids=day_id)
async def test_a_term_runs_from_its_sessions_to_its_settlement(
    school_day: date, ready: tuple[Resources, World], quiet_client: httpx.AsyncClient
) -> None:
    run = await a_term_worked_today(school_day, ready, quiet_client)
    sessions = await sessions_are_generated_once(run)
    await every_seat_is_billed(run, sessions)
    await a_leave_is_asked_ahead_and_approved(run, sessions)
    week = await three_absences_give_the_place_up(run, sessions)
    await a_roll_call_sent_twice_is_one(run, sessions)
    await late_pickups_end_in_a_dismissal(run, sessions)
    suspended = await a_suspension_cancels_the_next_course_day(run, sessions)
    await payments_count_once_per_reference(run, sessions)
    not_held = await the_term_ends_early_and_settles(run, sessions)
    statements = await the_statements_add_up_to_the_fee_summary(run)
    await the_care_teacher_supervised_every_roll_call(run, week)
    await the_exports_open_again(run, statements, suspended)
    await the_calendar_feed_marks_the_cancelled(run, sessions, not_held)
    await feedback_is_answered(run)


async def a_term_worked_today(
    school_day: date, ready: tuple[Resources, World], client: httpx.AsyncClient
) -> Run:
    """Term A around today, today worked as a Tuesday (调休) so that a session falls on today
    whatever day it is, and a limit of one late pickup."""
    resources, world = ready
    api = Api(client, world)
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 16)
    summer = school_day == SUMMER_DAY
    await a_term_around_today(resources, world, families, summer_until_today=summer)
    today = school_today()
    assert today == school_day
    await api.call(
        "POST", f"/districts/{world.district_id}/calendar-overrides", "district-admin", 201,
        json={"on_date": today.isoformat(), "is_workday": True, "follows_weekday": 2,
              "name": "调休"},
    )  # fmt: skip
    term = await api.call("GET", f"/terms/{world.term_a}", "admin-a")
    await api.call(
        "PATCH", f"/terms/{world.term_a}", "admin-a",
        json={"version": term["version"], "late_pickup_limit": 1},
    )  # fmt: skip
    return Run(resources, world, api, families, today, summer)


async def sessions_are_generated_once(run: Run) -> Sessions:
    """Sessions, generated once from the calendar: the second run adds nothing."""
    api, world, today = run.api, run.world, run.today
    had = (
        await api.call(
            "GET", f"/terms/{world.term_a}/sessions", "admin-a",
            params={"from": (today - timedelta(days=14)).isoformat(),
                    "to": (today + timedelta(days=21)).isoformat()},
        )
    )["total"]  # fmt: skip
    report = await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    assert report["courses"] == 1
    assert report["care_groups"] == 1
    assert report["created"] == report["sessions"] - had  # the world's care session, if in range
    again = await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    assert again["created"] == 0
    assert again["sessions"] == report["sessions"]
    course_sessions = (
        await api.call(
            "GET", f"/terms/{world.term_a}/sessions", "admin-a",
            params={"course_id": world.course_a, "size": 200},
        )
    )["items"]  # fmt: skip
    days = [date.fromisoformat(s["on_date"]) for s in course_sessions]
    assert today in days
    assert all(d.isoweekday() in (2, 4) or d == today for d in days)
    assert all(s["starts_at"].endswith("T16:00:00+08:00") for s in course_sessions)
    care_sessions = (
        await api.call(
            "GET", f"/terms/{world.term_a}/sessions", "admin-a",
            params={"care_group_id": world.care_group, "size": 200},
        )
    )["items"]  # fmt: skip
    # Care meets on school days: weekdays, and weekend days worked for a holiday (调休).
    care_days = [date.fromisoformat(s["on_date"]) for s in care_sessions]
    assert all(d.isoweekday() <= 5 or d == today or public_holiday(d) is False
               for d in care_days)  # fmt: skip
    assert not any(public_holiday(d) for d in care_days)
    # Care follows grade 3's hours, until 18:00 on the summer schedule (today, if summer).
    care_ends = {s["on_date"]: s["ends_at"][11:16] for s in care_sessions}
    assert care_ends[today.isoformat()] == ("18:00" if run.summer else "17:30")
    assert care_ends[max(care_ends)] == "17:30"
    return Sessions(course_sessions, care_sessions, today.isoformat())


async def every_seat_is_billed(run: Run, sessions: Sessions) -> None:
    """Billing: every seat pays for every scheduled session, once."""
    api, world = run.api, run.world
    bill = await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    assert bill["enrollments"] == 16
    assert bill["charged_fen"] == 16 * sessions.charge
    assert (await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a"))["new_charges"] == 0


async def a_leave_is_asked_ahead_and_approved(run: Run, sessions: Sessions) -> None:
    """A leave for today, asked in advance and approved by the class teacher; one for yesterday
    is refused. The roll-call screen and the sign-in sheet show it."""
    api, world, today, on_leave = run.api, run.world, run.today, run.on_leave
    leave_body = {"term_id": world.term_a, "first_day": today.isoformat(),
                  "last_day": today.isoformat(), "reason": "看牙医"}  # fmt: skip
    leave = await api.call(
        "POST", f"/students/{on_leave.student_id}/leave-requests", on_leave, 201, json=leave_body
    )
    late_leave = {**leave_body, "first_day": (today - timedelta(days=1)).isoformat()}
    await api.call(
        "POST", f"/students/{on_leave.student_id}/leave-requests", on_leave, 422, json=late_leave
    )
    pending = await api.call(
        "GET", f"/classes/{world.class_a301}/leave-requests", "teacher-a301",
        params={"state": "pending"},
    )  # fmt: skip
    assert leave["id"] in [p["id"] for p in pending]
    decided = await api.call(
        "POST", f"/leave-requests/{leave['id']}/decision", "teacher-a301", json={"approve": True}
    )
    assert decided["state"] == "approved"
    assert (await notices(run.resources, "leave_decided"))[on_leave.user_id] == 1
    today_course = sessions.course_today
    before = await api.call("GET", f"/sessions/{today_course['id']}/attendance", "care-a")
    ahead = {s["student_id"]: (s["status"], s["on_leave"]) for s in before["students"]}
    assert ahead[on_leave.student_id] == (None, True)  # the roll-call screen shows the leave
    assert ahead[run.payer.student_id] == (None, False)
    sign_in = await api.call("GET", f"/sessions/{today_course['id']}/sign-in-sheet.xlsx", "care-a")
    sheet_marks = {r[1]: r[3] for r in _sheet_rows(sign_in.content)[1:]}
    assert sorted(sheet_marks.values(), key=str).count("假") == 1


async def three_absences_give_the_place_up(run: Run, sessions: Sessions) -> list[Row]:
    """Roll calls of the last three course sessions, today's the last: the absentee misses all
    three, and the third absence (the term's limit) is today's. The sessions called."""
    api, today, absentee, on_leave = run.api, run.today, run.absentee, run.on_leave
    week = [s for s in sessions.course if s["on_date"] <= today.isoformat()][-3:]
    assert week[-1]["on_date"] == today.isoformat()
    first_day = date.fromisoformat(week[0]["on_date"])
    steps: list[dict[str, Any]] = []
    for row in week:
        is_today = row["on_date"] == today.isoformat()
        absent = {absentee.student_id} | ({on_leave.student_id} if is_today else set())
        result = await take_roll_call(api, row["id"], absent=absent)
        steps += result["policy_steps"]
    for row in sessions.care:
        if first_day <= date.fromisoformat(row["on_date"]) <= today:
            await take_roll_call(api, row["id"])
    actions = [(s["student_id"], s["action"]) for s in steps]
    assert actions == [
        (absentee.student_id, "absence_warning"),
        (absentee.student_id, "place_given_up"),
    ]
    sheet = await api.call("GET", f"/sessions/{sessions.course_today['id']}/attendance", "admin-a")
    status = {s["student_id"]: s["status"] for s in sheet["students"]}
    assert status[on_leave.student_id] == "leave"  # excused by the approved leave
    assert status[absentee.student_id] == "absent"
    async with run.resources.sessionmaker() as session:
        seat = await session.scalar(
            select(Enrollment.status).where(Enrollment.student_id == absentee.student_id)
        )
        assert seat is EnrollmentStatus.DISMISSED
    assert (await notices(run.resources, "place_given_up"))[absentee.user_id] == 1
    assert (await notices(run.resources, "absence_warning"))[absentee.user_id] == 1
    return week


async def a_roll_call_sent_twice_is_one(run: Run, sessions: Sessions) -> None:
    """The same roll call sent twice is one roll call; an incomplete one is refused."""
    today_course = sessions.course_today
    again_today = await take_roll_call(
        run.api, today_course["id"], absent={run.on_leave.student_id, run.absentee.student_id}
    )
    assert again_today["policy_steps"] == []
    incomplete = {"marks": [{"student_id": run.payer.student_id, "status": "present"}]}
    await run.api.call(
        "PUT", f"/sessions/{today_course['id']}/attendance", "care-a", 422, json=incomplete
    )


async def late_pickups_end_in_a_dismissal(run: Run, sessions: Sessions) -> None:
    """Late pickups: with a limit of 1, the first warns the family, the second proposes 劝退,
    which the school decides; every step is audited."""
    api, world, late_picker, payer = run.api, run.world, run.late_picker, run.payer
    care_today = next(s for s in sessions.care if s["on_date"] == sessions.today)
    care_before = [s for s in sessions.care if s["on_date"] < sessions.today][-1]
    for row in (care_before, care_today):
        ends = datetime.fromisoformat(row["ends_at"])
        await api.call(
            "POST", f"/sessions/{row['id']}/pickups", "care-a",
            json={"pickups": [{"student_id": late_picker.student_id,
                               "picked_up_at": (ends + timedelta(minutes=40)).isoformat()},
                              {"student_id": payer.student_id,
                               "picked_up_at": (ends + timedelta(minutes=5)).isoformat()}]},
        )  # fmt: skip
    proposals = await api.call(
        "GET", f"/terms/{world.term_a}/policy-steps", "admin-a",
        params={"action": "dismissal_proposed"},
    )  # fmt: skip
    proposal = next(p for p in proposals if p["student_id"] == late_picker.student_id)
    assert (await notices(run.resources, "late_pickup_warning"))[late_picker.user_id] == 1
    assert (await notices(run.resources, "dismissal_proposed"))[world.users["admin-a"]] == 1
    assert all(p["student_id"] != payer.student_id for p in proposals)  # within the grace
    await api.call(
        "POST", f"/sessions/{care_today['id']}/handovers", "care-a", 201,
        json={"from_teacher": "王老师", "children": 5,
              "handed_over_at": care_today["starts_at"]},
    )  # fmt: skip
    await api.call(
        "POST", f"/policy-steps/{proposal['id']}/decision", "admin-a",
        json={"dismiss": True, "reason": "本学期多次延迟接回"},
    )  # fmt: skip
    audit = await api.call("GET", f"/schools/{world.school_a}/audit-events", "admin-a")
    audited = {(e["action"], e["student_id"]) for e in audit["items"]}
    assert {
        ("absence_warning", run.absentee.student_id),
        ("place_given_up", run.absentee.student_id),
        ("late_pickup_warning", late_picker.student_id),
        ("dismissal_proposed", late_picker.student_id),
        ("dismissal_dismissed", late_picker.student_id),
    } <= audited


async def a_suspension_cancels_the_next_course_day(run: Run, sessions: Sessions) -> Row:
    """A suspension on the next course day cancels that day's sessions and tells the families.
    That day's course session."""
    api, world = run.api, run.world
    future = [s for s in sessions.course if s["on_date"] > sessions.today]
    suspended_day = future[0]["on_date"]
    suspension = await api.call(
        "POST", f"/terms/{world.term_a}/suspensions", "admin-a", 201,
        json={"on_date": suspended_day, "reason": "秋季运动会"},
    )  # fmt: skip
    cancelled = (
        await api.call(
            "GET", f"/terms/{world.term_a}/sessions", "admin-a",
            params={"from": suspended_day, "to": suspended_day},
        )
    )["items"]  # fmt: skip
    assert cancelled
    assert all(s["status"] == "cancelled" for s in cancelled)
    told = await notices(run.resources, "session_cancelled")
    # One notice per family for the day, however many of its sessions; none for the dismissed.
    assert told[run.payer.user_id] == 1
    assert told[run.course_only.user_id] == 1
    assert told[run.late_picker.user_id] == 0
    await api.call("DELETE", f"/suspensions/{suspension['id']}", "admin-a", 409)
    return future[0]


async def payments_count_once_per_reference(run: Run, sessions: Sessions) -> None:
    """Payments, once per reference: the same payment sent again is one; another payment under
    a reference taken is refused."""
    api, world, payer, underpayer = run.api, run.world, run.payer, run.underpayer
    charge = sessions.charge
    for family, amount, reference in ((payer, charge, "R-1"), (underpayer, charge - 6000, "R-2")):
        await api.call(
            "POST", f"/terms/{world.term_a}/payments", "admin-a", 201,
            json={"student_id": family.student_id, "amount_fen": amount, "reference": reference},
        )  # fmt: skip
    await api.call(
        "POST", f"/terms/{world.term_a}/payments", "admin-a", 201,
        json={"student_id": payer.student_id, "amount_fen": charge, "reference": "R-1"},
    )  # fmt: skip
    await api.call(
        "POST", f"/terms/{world.term_a}/payments", "admin-a", 409,
        json={"student_id": underpayer.student_id, "amount_fen": 100, "reference": "R-1"},
    )  # fmt: skip


async def the_term_ends_early_and_settles(run: Run, sessions: Sessions) -> int:
    """The term ends early: the rest is cancelled and refunded, every balance settles, and the
    term takes no more billing nor a second settlement. How many course days were not held."""
    api, world, today = run.api, run.world, run.today
    await api.call("POST", f"/terms/{world.term_a}/settlement", "admin-a", 409, json={})
    settled = await api.call(
        "POST", f"/terms/{world.term_a}/settlement", "admin-a",
        json={"end_early_reason": "校舍维修,提前结束托管"},
    )  # fmt: skip
    held = sum(1 for d in sessions.days if d <= today)
    not_held = len(sessions.days) - held
    assert settled["sessions_cancelled"] > 0
    payer_statement = await api.call(
        "GET", f"/students/{run.payer.student_id}/statement", run.payer,
        params={"term_id": world.term_a},
    )  # fmt: skip
    assert payer_statement["charged_fen"] == sessions.charge
    assert payer_statement["refunded_fen"] == not_held * FEE
    assert payer_statement["to_return_fen"] == not_held * FEE  # 多还
    assert payer_statement["balance_fen"] == 0
    under = await api.call(
        "GET", f"/students/{run.underpayer.student_id}/statement", run.underpayer,
        params={"term_id": world.term_a},
    )  # fmt: skip
    assert under["to_collect_fen"] == max(6000 - not_held * FEE, 0)
    assert under["to_return_fen"] == max(not_held * FEE - 6000, 0)
    gave_up = await api.call(
        "GET", f"/students/{run.absentee.student_id}/statement", "admin-a",
        params={"term_id": world.term_a},
    )  # fmt: skip
    assert gave_up["refunded_fen"] == 0  # giving the place up is not refunded
    dismissed = await api.call(
        "GET", f"/students/{run.late_picker.student_id}/statement", "admin-a",
        params={"term_id": world.term_a},
    )  # fmt: skip
    assert dismissed["refunded_fen"] == not_held * FEE  # the school ended it: refunded
    async with run.resources.sessionmaker() as session:
        balances = await session.execute(
            select(LedgerEntry.student_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.term_id == world.term_a)
            .group_by(LedgerEntry.student_id)
        )
        assert {amount for _, amount in balances} == {0}
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a", 409)
    await api.call("POST", f"/terms/{world.term_a}/settlement", "admin-a", 409, json={})
    return not_held


async def the_statements_add_up_to_the_fee_summary(run: Run) -> list[Row]:
    """Sixteen statements, paged in student order, whose sums are the fee summary's. The
    statements."""
    api, world = run.api, run.world
    summary = await api.call("GET", f"/terms/{world.term_a}/fee-summary", run.payer)
    statements_page = await api.call("GET", f"/terms/{world.term_a}/statements", "admin-a")
    statements: list[Row] = statements_page["items"]
    assert statements_page["total"] == 16
    second = await api.call(
        "GET", f"/terms/{world.term_a}/statements", "admin-a", params={"page": 2, "size": 10}
    )
    assert [s["student_id"] for s in second["items"]] == sorted(
        s["student_id"] for s in statements
    )[10:]
    assert summary["students"] == len(statements) == 16
    assert summary["income_fen"] == sum(s["charged_fen"] - s["refunded_fen"] for s in statements)
    assert (
        summary["paid_fen"] - summary["returned_fen"] + summary["collected_fen"]
        == (summary["income_fen"])
    )
    return statements


async def the_care_teacher_supervised_every_roll_call(run: Run, week: list[Row]) -> None:
    """Workload: the care teacher supervised every roll call taken."""
    workload = await run.api.call("GET", f"/terms/{run.world.term_a}/workload", "admin-a")
    care = next(line for line in workload if line["user_id"] == run.world.users["care-a"])
    assert care["sessions"] >= len(week) + 1
    assert care["subsidy_fen"] > 0
    assert care["points"] == care["sessions"] * 50


async def the_exports_open_again(run: Run, statements: list[Row], suspended: Row) -> None:
    """The attendance summary, the statements and a roster, exported and opened again."""
    api, world, today = run.api, run.world, run.today
    attendance = await api.call("GET", f"/terms/{world.term_a}/attendance.xlsx", "admin-a")
    disposition = attendance.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''")[1]).endswith("考勤汇总.xlsx")
    _, sheet_rows = sheet_tables(attendance.content)["少儿编程"]
    header = sheet_rows[0]
    column = header.index(f"{today.month}/{today.day}")
    by_number = {r[1]: r for r in sheet_rows[1:]}
    leave_row = next(r for r in sheet_rows[1:] if r[column] == "假")
    assert leave_row[header.index("请假")] == 1
    absent_rows = [r for r in sheet_rows[1:] if r[header.index("缺勤")] == 3]  # the limit
    assert len(absent_rows) == 1
    assert f"{suspended['on_date'][5:7].lstrip('0')}/{int(suspended['on_date'][8:])}停" in header
    assert len(by_number) == 16

    statements_book = await api.call("GET", f"/terms/{world.term_a}/statements.xlsx", "admin-a")
    rows = _sheet_rows(statements_book.content)
    assert rows[0][:4] == ("姓名", "班级", "课程(实际课次)", "应收(元)")
    assert sum(float(r[3]) for r in rows[1:]) == sum(s["charged_fen"] for s in statements) / 100
    assert {r[9] for r in rows[1:]} == {"已结算"}

    roster = await api.call("GET", f"/courses/{world.course_a}/roster.xlsx", "teacher-a302")
    roster_rows = _sheet_rows(roster.content)
    assert len(roster_rows) - 1 == 14  # 16 minus the place given up and the dismissal


async def the_calendar_feed_marks_the_cancelled(
    run: Run, sessions: Sessions, not_held: int
) -> None:
    """The calendar feed: every session of the child, the cancelled ones marked."""
    course_only = run.course_only
    feed = await run.api.call(
        "GET", f"/students/{course_only.student_id}/sessions.ics", course_only
    )
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == len(sessions.days)
    assert sum(1 for e in events if str(e.get("status")) == "CANCELLED") == not_held


async def feedback_is_answered(run: Run) -> None:
    """Feedback and its answer, which the family is told of."""
    api, payer = run.api, run.payer
    note = await api.call(
        "POST", f"/schools/{run.world.school_a}/feedback", payer, 201, json={"body": "谢谢老师"}
    )
    await api.call("POST", f"/feedback/{note['id']}/answer", "admin-a", json={"text": "不客气"})
    assert (await notices(run.resources, "feedback_answered"))[payer.user_id] == 1
