"""Clearing the school (清校) through the API: the duty leader's end-of-day check, and the duty
report showing each day of care with its patrols and clearing check, a day without one missing."""

from __future__ import annotations

from datetime import timedelta

from app.domain.access import Role
from app.models import RoleGrant
from app.services.common import school_today
from tests.support.term import RunningTerm


async def test_the_duty_leader_clears_the_school_and_a_day_without_it_shows(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    async with resources.sessionmaker() as session, session.begin():
        session.add(
            RoleGrant(
                user_id=world.users["teacher-a302"], role=Role.DUTY_LEADER,
                school_id=world.school_a,
            )
        )  # fmt: skip
    today, yesterday = school_today(), school_today() - timedelta(days=1)
    path = f"/schools/{world.school_a}/clearing-checks"
    clear = {"on_date": today.isoformat(), "all_groups_dismissed": True, "rooms_checked": True}
    await api.call("POST", path, "care-a", 403, json=clear)  # not a duty leader
    await api.call("POST", path, families[0], 403, json=clear)
    ahead = {**clear, "on_date": (today + timedelta(days=1)).isoformat()}
    await api.call("POST", path, "teacher-a302", 422, json=ahead)
    silent = {**clear, "on_date": yesterday.isoformat(), "all_groups_dismissed": False}
    await api.call("POST", path, "teacher-a302", 422, json=silent)  # found what? say it
    long_ago = {**clear, "on_date": (today - timedelta(days=3)).isoformat()}
    await api.call("POST", path, "teacher-a302", 422, json=long_ago)  # today or yesterday
    await api.call(
        "POST", path, "teacher-a302", 201, json={**clear, "on_date": yesterday.isoformat()}
    )
    recorded = await api.call("POST", path, "teacher-a302", 201, json=clear)
    assert (recorded["on_date"], recorded["checked_by_id"]) == (
        today.isoformat(),
        world.users["teacher-a302"],
    )
    await api.call("POST", path, "admin-a", 409, json=clear)  # one a day
    await api.call(
        "POST", f"/schools/{world.school_a}/duty-records", "teacher-a302", 201,
        json={"kind": "patrol", "on_date": today.isoformat(), "note": "巡查"},
    )  # fmt: skip

    report = f"/schools/{world.school_a}/duty-report"
    window = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    await api.call("GET", report, "teacher-a302", 403, params=window)  # administrators
    days = await api.call("GET", report, "admin-a", params=window)
    by_day = {day["on_date"]: day for day in days}
    assert by_day[today.isoformat()]["clearing"]["clear"] is True
    assert by_day[today.isoformat()]["clearing"]["checked_by"] == "teacher-a302"
    assert by_day[today.isoformat()]["patrols"] == 1
    assert by_day[today.isoformat()]["clearing_missing"] is False
    earlier = [day for day in days if day["on_date"] < yesterday.isoformat()]
    assert earlier  # the care group met on the school days before
    assert all(day["clearing_missing"] for day in earlier)
    # An administrator fills in a day missed, knowingly; the report then has it.
    await api.call("POST", path, "admin-a", 201, json={**long_ago, "note": "补登"})
    await api.call(
        "GET", report, "admin-a", 422, params={"from": today.isoformat(), "to": "2020-01-01"}
    )
