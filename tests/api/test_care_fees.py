"""Basic care charged as the term chooses (`care_fee_model`): per session (篇九: 3元/人/课时,
期末按实结算, 多还少补) or monthly (篇一: 40元/月, 一次性缴清); billing, refunds when the school
does not hold a session or a place ends early, the settlement, the statement and the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.domain.statuses import ApplicationState
from app.models import CareApplication
from app.resources import Resources
from app.services.common import school_today
from tests.support.grabbing import Family
from tests.support.term import Api, RunningTerm

Row = dict[str, Any]


async def set_care_fee(api: Api, term_id: int, expect: int = 200, **fee: object) -> Row:
    version = (await api.call("GET", f"/terms/{term_id}", "admin-a"))["version"]
    result: Row = await api.call(
        "PATCH", f"/terms/{term_id}", "admin-a", expect, json={"version": version, **fee}
    )
    return result


async def group_sessions(api: Api, term_id: int, group_id: int) -> list[Row]:
    page = await api.call(
        "GET", f"/terms/{term_id}/sessions", "admin-a",
        params={"care_group_id": group_id, "size": 200},
    )  # fmt: skip
    return [row for row in page["items"] if row["status"] == "scheduled"]


async def approve(resources: Resources, term_id: int, families: list[Family]) -> None:
    """The families' children approved for after-school care before the term began."""
    async with resources.sessionmaker() as session, session.begin():
        session.add_all(
            CareApplication(
                term_id=term_id, student_id=family.student_id, state=ApplicationState.APPROVED,
                applied_by_id=family.user_id, decided_at=datetime.now(UTC) - timedelta(days=60),
            )
            for family in families
        )  # fmt: skip


def care_line(statement: Row) -> Row:
    (line,) = statement["care"]
    return line  # type: ignore[no-any-return]


async def test_care_charged_per_session_follows_the_sessions_held(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    term = world.term_a
    await approve(resources, term, families[:4])  # the four in care group 1
    free_with_a_fee = await set_care_fee(api, term, 422, care_fee_fen=300)
    assert "free basic care has no fee" in free_with_a_fee["detail"]
    no_fee = await set_care_fee(api, term, 422, care_fee_model="per_session")
    assert "give the fee" in no_fee["detail"]
    await set_care_fee(api, term, care_fee_model="per_session", care_fee_fen=300)
    sessions = await group_sessions(api, term, world.care_group)
    await api.call("POST", f"/terms/{term}/billing", "admin-a")
    member, outsider = families[0], families[5]  # the first four are in care group 1
    statement = await api.call("GET", f"/students/{member.student_id}/statement", member,
                               params={"term_id": term})  # fmt: skip
    line = care_line(statement)
    assert (line["period"], line["units"]) == ("after_school", len(sessions))
    assert line["charged_fen"] == 300 * len(sessions)
    course_only = await api.call("GET", f"/students/{outsider.student_id}/statement", outsider,
                                 params={"term_id": term})  # fmt: skip
    assert course_only["care"] == []
    # Billed: the fee stays as it was billed (the same value may be sent again), and the
    # groups stay (children are moved between them by hand).
    await set_care_fee(api, term, 409, care_fee_fen=400)
    await set_care_fee(api, term, care_fee_fen=300)
    await api.call("POST", f"/terms/{term}/care-groups", "admin-a", 409)
    await api.call("POST", f"/terms/{term}/billing", "admin-a")  # charges no one twice

    later = next(row for row in sessions if date.fromisoformat(row["on_date"]) > school_today())
    await api.call(
        "POST", f"/sessions/{later['id']}/cancel", "admin-a",
        json={"cause": "force_majeure", "reason": "暴雨红色预警"},
    )  # fmt: skip
    statement = await api.call("GET", f"/students/{member.student_id}/statement", member,
                               params={"term_id": term})  # fmt: skip
    line = care_line(statement)
    assert (line["units"], line["refunded_fen"]) == (len(sessions) - 1, 300)
    refund = statement["entries"][-1]
    assert (refund["kind"], refund["amount_fen"], refund["care_period"]) == (
        "refund", -300, "after_school"
    )  # fmt: skip
    assert refund["note"] == "暴雨红色预警"

    await api.call("POST", f"/terms/{term}/payments", "admin-a", 201, json={
        "student_id": member.student_id, "amount_fen": statement["charged_fen"],
        "reference": "WX-CARE-1",
    })  # fmt: skip
    settled = await api.call(
        "POST", f"/terms/{term}/settlement", "admin-a",
        json={"end_early_reason": "校舍维修,提前结束托管"},
    )  # fmt: skip
    assert settled["sessions_cancelled"] > 0
    held = [
        row for row in sessions
        if row["id"] != later["id"] and date.fromisoformat(row["on_date"]) < school_today()
    ]  # fmt: skip
    final = await api.call("GET", f"/students/{member.student_id}/statement", member,
                           params={"term_id": term})  # fmt: skip
    line = care_line(final)
    # 按实结算: the sessions held before today, the rest returned (多还).
    assert line["units"] == len(held)
    assert line["charged_fen"] - line["refunded_fen"] == 300 * len(held)
    assert final["balance_fen"] == 0
    summary = await api.call("GET", f"/terms/{term}/fee-summary", "admin-a")
    assert (summary["care_fee_model"], summary["care_fee_fen"]) == ("per_session", 300)
    assert summary["care_income_fen"] == 4 * 300 * len(held)
    assert summary["courses_income_fen"] + summary["care_income_fen"] == summary["income_fen"]


async def test_monthly_care_is_charged_once_and_a_place_left_keeps_the_months_begun(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    term = world.term_a
    leaver = families[1]
    await approve(resources, term, [leaver])
    await set_care_fee(api, term, care_fee_model="monthly", care_fee_fen=4000)
    sessions = await group_sessions(api, term, world.care_group)
    months = {row["on_date"][:7] for row in sessions}
    await api.call("POST", f"/terms/{term}/billing", "admin-a")
    before = await api.call("GET", f"/students/{leaver.student_id}/statement", leaver,
                            params={"term_id": term})  # fmt: skip
    assert care_line(before)["units"] == len(months)
    assert care_line(before)["charged_fen"] == 4000 * len(months)
    # Billing again charges nothing more.
    await api.call("POST", f"/terms/{term}/billing", "admin-a")
    again = await api.call("GET", f"/students/{leaver.student_id}/statement", leaver,
                           params={"term_id": term})  # fmt: skip
    assert len(again["entries"]) == len(before["entries"])

    asked = await api.call(
        "POST", f"/students/{leaver.student_id}/exit-requests", leaver, 201,
        json={"term_id": term, "reason": "家中老人可以接送"},
    )  # fmt: skip
    await api.call("POST", f"/exit-requests/{asked['id']}/decision", "admin-a",
                   json={"approve": True})  # fmt: skip
    today = school_today()
    begun = {row["on_date"][:7] for row in sessions if date.fromisoformat(row["on_date"]) <= today}
    after = await api.call("GET", f"/students/{leaver.student_id}/statement", leaver,
                           params={"term_id": term})  # fmt: skip
    line = care_line(after)
    assert line["units"] == len(begun)
    assert line["refunded_fen"] == 4000 * (len(months) - len(begun))
    assert months - begun  # the term runs into a month the child no longer begins
    assert after["entries"][-1]["sessions"] == len(months) - len(begun)  # months refunded
    # Free again is refused once billed; before billing, `free` alone clears the fee.
    await set_care_fee(api, term, 409, care_fee_model="free")


async def test_a_term_back_to_free_care_before_billing_clears_its_fee(
    running_term: RunningTerm,
) -> None:
    _, world, api, _ = running_term
    await set_care_fee(api, world.term_a, care_fee_model="monthly", care_fee_fen=4000)
    term = await set_care_fee(api, world.term_a, care_fee_model="free")
    assert (term["care_fee_model"], term["care_fee_fen"]) == ("free", 0)
