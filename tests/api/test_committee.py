"""The parent committee (家委会) through the API: made of the school's parents, it sees every
family's fees, and co-signs the settled books before the families see the income and spending,
which is published by the term's spending categories."""

from __future__ import annotations

from tests.support.term import RunningTerm


async def test_the_committee_sees_the_fees_and_co_signs_before_the_families_see_them(
    running_term: RunningTerm,
) -> None:
    _, world, api, _ = running_term
    staff = f"/schools/{world.school_a}/staff"
    member = {"role": "parent_committee", "user_id": world.users["parent-1"]}
    not_a_parent = {"role": "parent_committee", "user_id": world.users["teacher-a301"]}
    await api.call("POST", staff, "admin-a", 422, json=not_a_parent)
    await api.call("POST", staff, "parent-2", 403, json=member)
    await api.call("POST", staff, "admin-a", 201, json=member)

    term = f"/terms/{world.term_a}"
    await api.call("POST", f"{term}/billing", "admin-a")
    statements = await api.call("GET", f"{term}/statements", "parent-1")  # every family's
    assert statements["total"] > 0
    await api.call("GET", f"{term}/statements", "parent-2", 403)
    await api.call("GET", f"{term}/fee-summary", "parent-2", 409)  # not settled, not signed
    draft = await api.call("GET", f"{term}/fee-summary", "parent-1")
    assert (draft["published"], draft["has_committee"], draft["co_signed_by"]) == (
        False, True, [],
    )  # fmt: skip
    assert [(a["category"], a["percent"]) for a in draft["allocation"]] == [
        ("辅导教师量化考核", 60), ("教学质量奖及四优考核", 20), ("托管成本", 5), ("托管设备", 5),
        ("学区提取", 10),
    ]  # fmt: skip
    assert sum(a["amount_fen"] for a in draft["allocation"]) == draft["income_fen"] > 0

    await api.call("POST", f"{term}/fee-summary/co-signatures", "parent-1", 409, json={})
    await api.call("POST", f"{term}/settlement", "admin-a", json={"end_early_reason": "校舍维修"})
    await api.call("GET", f"{term}/fee-summary", "parent-2", 409)  # settled, not yet signed
    await api.call("POST", f"{term}/fee-summary/co-signatures", "admin-a", 403, json={})
    await api.call("POST", f"{term}/fee-summary/co-signatures", "parent-2", 403, json={})
    signed = await api.call(
        "POST", f"{term}/fee-summary/co-signatures", "parent-1", 201, json={"note": "账目无误"}
    )
    assert signed["note"] == "账目无误"
    await api.call("POST", f"{term}/fee-summary/co-signatures", "parent-1", 409, json={})
    seen = await api.call("GET", f"{term}/fee-summary", "parent-2")
    assert (seen["published"], seen["co_signed_by"]) == (True, ["parent-1"])
    # What was signed stays as signed: the shares and rates are fixed once the term is settled.
    current = await api.call("GET", term, "admin-a")
    own = [{"category": "劳动补贴", "percent": 100}]
    for change in ({"spending_shares": own}, {"subsidy_fen_per_student_hour": 300}):
        await api.call(
            "PATCH", term, "admin-a", 409, json={"version": current["version"], **change}
        )
    assert (await api.call("GET", f"{term}/fee-summary", "parent-2")) == seen


async def test_a_school_sets_its_own_spending_categories(running_term: RunningTerm) -> None:
    _, world, api, _ = running_term
    # Without a parent committee the families see the figures as they stand, not yet published.
    standing = await api.call("GET", f"/terms/{world.term_a}/fee-summary", "parent-2")
    assert (standing["published"], standing["has_committee"]) == (False, False)
    term = await api.call("GET", f"/terms/{world.term_a}", "admin-a")
    assert sum(s["percent"] for s in term["spending_shares"]) == 100
    bad = [{"category": "劳动补贴", "percent": 70}, {"category": "风险保证金", "percent": 20}]
    await api.call(
        "PATCH", f"/terms/{world.term_a}", "admin-a", 422,
        json={"version": term["version"], "spending_shares": bad},
    )  # fmt: skip
    own = [{"category": "劳动补贴", "percent": 70}, {"category": "风险保证金", "percent": 30}]
    changed = await api.call(
        "PATCH", f"/terms/{world.term_a}", "admin-a",
        json={"version": term["version"], "spending_shares": own},
    )  # fmt: skip
    assert changed["spending_shares"] == own
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    summary = await api.call("GET", f"/terms/{world.term_a}/fee-summary", "admin-a")
    income = summary["income_fen"]
    assert income > 0
    assert income % 100 == 0  # 20 yuan a session: the shares split it exactly
    assert [(a["category"], a["amount_fen"]) for a in summary["allocation"]] == [
        ("劳动补贴", income * 70 // 100), ("风险保证金", income * 30 // 100),
    ]  # fmt: skip
