"""A calendar a phone can subscribe to: a secret address per child made by a guardian, fetched
without signing in, revoked at once; its events in Asia/Shanghai with the zone inside, the room
and the teacher, cancelled sessions marked."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import update

from app.api.calendar_feeds import FEED_PATH
from app.domain.sessions import CancelCause
from app.domain.statuses import BindingStatus, EnrollmentStatus, SessionStatus
from app.models import CareSession, Course, Enrollment, Guardianship, User
from app.observability import logged_path
from app.resources import Resources
from tests.support.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _course_sessions(app: FastAPI, world: World) -> None:
    """Student 1 holds course A (in room 科学楼201, with 张老师): one session held, one cancelled."""
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        teacher = User(name="张老师")
        session.add(teacher)
        await session.flush()
        course = await session.get(Course, world.course_a)
        assert course is not None
        course.room, course.teacher_id = "科学楼201", teacher.id
        session.add(
            Enrollment(
                term_id=world.term_a, student_id=world.student_1, course_id=world.course_a,
                round=1, status=EnrollmentStatus.CONFIRMED, grabbed_at=datetime.now(UTC),
            )
        )  # fmt: skip
        for day, status in ((date(2026, 11, 24), SessionStatus.SCHEDULED),
                            (date(2026, 11, 26), SessionStatus.CANCELLED)):  # fmt: skip
            session.add(
                CareSession(
                    term_id=world.term_a, course_id=world.course_a, on_date=day,
                    starts_at=datetime.combine(day, time(16, 0), SHANGHAI),
                    ends_at=datetime.combine(day, time(16, 40), SHANGHAI), status=status,
                    cancel_cause=CancelCause.FORCE_MAJEURE if status is SessionStatus.CANCELLED else None,
                    cancel_reason="暴雨停课" if status is SessionStatus.CANCELLED else "",
                )
            )  # fmt: skip


async def test_a_phone_subscribes_by_address_and_a_revoked_one_stops(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await _course_sessions(app, world)
    made = await client.post(
        f"/api/v1/students/{world.student_1}/calendar-feeds", headers=world.auth("parent-1")
    )
    assert made.status_code == 201, made.text
    feed = made.json()
    assert feed["webcal_url"].startswith("webcal://")
    assert feed["webcal_url"].split("://")[1] == feed["url"].split("://")[1]
    path = "/" + feed["url"].split("://", 1)[1].split("/", 1)[1]

    fetched = await client.get(path)  # no Authorization: a calendar app cannot sign in
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(fetched.content)
    assert [str(zone.get("tzid")) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    course_events = [e for e in calendar.walk("VEVENT") if str(e.get("location")) == "科学楼201"]
    assert len(course_events) == 2
    held, cancelled = sorted(course_events, key=lambda e: e.decoded("dtstart"))
    start = held.decoded("dtstart")
    assert (start.tzinfo.key, start.hour, start.minute) == ("Asia/Shanghai", 16, 0)
    assert held.get("dtstart").params["TZID"] == "Asia/Shanghai"
    assert "教师:张老师" in str(held.get("description"))
    assert str(held.get("status")) == "CONFIRMED"
    assert str(cancelled.get("status")) == "CANCELLED"
    assert "暴雨停课" in str(cancelled.get("description"))

    listed = await client.get(
        f"/api/v1/students/{world.student_1}/calendar-feeds", headers=world.auth("parent-1")
    )
    assert feed["id"] in [f["id"] for f in listed.json()]
    assert "url" not in listed.json()[0]  # the secret is shown once
    revoked = await client.delete(
        f"/api/v1/calendar-feeds/{feed['id']}", headers=world.auth("parent-1")
    )
    assert revoked.status_code == 204
    assert (await client.get(path)).status_code == 404


async def test_only_the_childs_guardians_make_its_feed(
    client: httpx.AsyncClient, world: World
) -> None:
    for caller in ("parent-2", "admin-a"):
        refused = await client.post(
            f"/api/v1/students/{world.student_1}/calendar-feeds", headers=world.auth(caller)
        )
        assert refused.status_code == 403, caller
    unknown = await client.get("/calendar/an-address-nobody-made-0000.ics")
    assert unknown.status_code == 404


async def test_a_feed_ends_with_the_binding_and_is_no_one_elses_to_revoke(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    made = (
        await client.post(
            f"/api/v1/students/{world.student_1}/calendar-feeds", headers=world.auth("parent-1")
        )
    ).json()
    path = "/" + made["url"].split("://", 1)[1].split("/", 1)[1]
    assert (await client.get(path)).status_code == 200
    # Another family cannot revoke it, nor learn that it exists.
    other = await client.delete(
        f"/api/v1/calendar-feeds/{made['id']}", headers=world.auth("parent-2")
    )
    assert other.status_code == 404
    assert (await client.get(path)).status_code == 200
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Guardianship)
            .where(
                Guardianship.student_id == world.student_1,
                Guardianship.user_id == world.users["parent-1"],
            )
            .values(status=BindingStatus.REVOKED)
        )
    assert (await client.get(path)).status_code == 404  # the guardian no longer is one


def test_the_access_log_keeps_no_feed_token() -> None:
    scope = {"path": "/calendar/s3cr3t-t0ken.ics", "route": SimpleNamespace(path=FEED_PATH)}
    assert logged_path(scope) == "/calendar/{token}.ics"
    assert logged_path({"path": "/api/v1/terms/1", "route": None}) == "/api/v1/terms/1"
