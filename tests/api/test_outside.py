"""People from outside (外聘人员) through the API: proposed by the school, vetted by the school and
its parent committee, engaged by the three-party agreement; then they take roll calls and their
sessions count in workload like any teacher's."""

from __future__ import annotations

from sqlalchemy import update

from app.domain.access import Role
from app.models import RoleGrant, User
from app.services.common import school_today
from tests.api.test_exports import today_session
from tests.support.term import RunningTerm


async def test_a_provider_s_teacher_is_vetted_engaged_and_then_teaches(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    staff = f"/schools/{world.school_a}/staff"
    committee = {"role": "parent_committee", "user_id": world.users["parent-1"]}
    await api.call("POST", staff, "admin-a", 201, json=committee)
    path = f"/schools/{world.school_a}/outside-staff"
    coach = {"kind": "provider_teacher", "name": "陈教练", "phone": "137 0013 7000"}
    await api.call("POST", path, "admin-a", 422, json=coach)  # which provider?
    await api.call("POST", path, "parent-1", 403, json={**coach, "provider": "体育中心"})
    proposed = await api.call("POST", path, "admin-a", 201, json={**coach, "provider": "体育中心"})
    assert proposed["state"] == "proposed"
    vetting = f"/outside-staff/{proposed['id']}/vetting"
    agreement = f"/outside-staff/{proposed['id']}/agreement"
    signed = {
        "signed_on": school_today().isoformat(), "school_party": "溪尾中心小学",
        "parent_party": "家委会 parent-1", "person_party": "陈教练(体育中心)",
    }  # fmt: skip
    await api.call("POST", vetting, "parent-2", 403, json={"approve": True})
    by_school = await api.call("POST", vetting, "admin-a", json={"approve": True})
    assert (by_school["state"], by_school["school_approved"]) == ("proposed", True)
    await api.call("POST", agreement, "admin-a", 409, json=signed)  # the committee has not
    vetted = await api.call("POST", vetting, "parent-1", json={"approve": True})
    assert (vetted["state"], vetted["committee_approved"]) == ("vetted", True)
    await api.call("POST", vetting, "parent-1", 409, json={"approve": True})  # decided
    ahead = {**signed, "signed_on": "2099-01-01"}
    await api.call("POST", agreement, "admin-a", 422, json=ahead)
    engaged = await api.call("POST", agreement, "admin-a", json=signed)
    assert (engaged["state"], engaged["parent_party"]) == ("engaged", "家委会 parent-1")
    listed = await api.call("GET", path, "parent-1")  # the committee sees whom it vetted
    states = {p["id"]: p["state"] for p in listed}
    assert states == {world.outside_staff: "proposed", proposed["id"]: "engaged"}

    # The coach signs in and takes today's roll call of the care group: it counts as theirs.
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(User).where(User.id == engaged["user_id"]).values(dev_login="coach-chen")
        )
    login = await api.client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:coach-chen"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    row = await today_session(api, world.term_a, care_group_id=world.care_group)
    sheet = await api.client.get(f"/api/v1/sessions/{row['id']}/attendance", headers=token)
    assert sheet.status_code == 200
    marks = [{"student_id": s["student_id"], "status": "present"} for s in sheet.json()["students"]]
    taken = await api.client.put(
        f"/api/v1/sessions/{row['id']}/attendance", json={"marks": marks}, headers=token
    )
    assert taken.status_code == 200, taken.text
    lines = await api.call("GET", f"/terms/{world.term_a}/workload", "admin-a")
    (coach_line,) = [line for line in lines if line["user_id"] == engaged["user_id"]]
    assert coach_line["sessions"] == 1
    assert coach_line["points"] == 50


async def test_a_refusal_says_why_and_ends_it(running_term: RunningTerm) -> None:
    _, world, api, _ = running_term
    path = f"/schools/{world.school_a}/outside-staff"
    volunteer = {"kind": "volunteer", "name": "志愿者小张", "phone": "13600136000"}
    proposed = await api.call("POST", path, "admin-a", 201, json=volunteer)
    vetting = f"/outside-staff/{proposed['id']}/vetting"
    await api.call("POST", vetting, "admin-a", 409, json={"approve": False})  # no reason
    refused = await api.call(
        "POST", vetting, "admin-a", json={"approve": False, "reason": "未提供无犯罪记录证明"}
    )
    assert (refused["state"], refused["refusal_reason"]) == ("refused", "未提供无犯罪记录证明")
    await api.call("POST", vetting, "admin-a", 409, json={"approve": True})
    # Without a parent committee the school's approval is enough.
    other = await api.call("POST", path, "admin-a", 201, json={**volunteer, "phone": "13500135000"})
    done = await api.call(
        "POST", f"/outside-staff/{other['id']}/vetting", "admin-a", json={"approve": True}
    )
    assert done["state"] == "vetted"


async def test_a_phone_of_another_district_s_account_is_not_taken_nor_told(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    async with resources.sessionmaker() as session, session.begin():
        elsewhere = User(name="邻区管理员", phone="+8613100131000")
        session.add(elsewhere)
        await session.flush()
        session.add(
            RoleGrant(
                user_id=elsewhere.id, role=Role.DISTRICT_ADMIN,
                district_id=world.other_district_id,
            )
        )  # fmt: skip
        no_ties = User(name="退休王老师", phone="+8613200132000")
        session.add(no_ties)
        await session.flush()
        elsewhere_id, no_ties_id = elsewhere.id, no_ties.id
    path = f"/schools/{world.school_a}/outside-staff"
    proposed = await api.call(
        "POST", path, "admin-a", 201,
        json={"kind": "volunteer", "name": "张先生", "phone": "131 0013 1000"},
    )  # fmt: skip
    assert proposed["user_id"] != elsewhere_id  # a new account: the other is not this school's
    retired = await api.call(
        "POST", path, "admin-a", 201,
        json={"kind": "retired_teacher", "name": "王老师", "phone": "13200132000"},
    )  # fmt: skip
    assert retired["user_id"] == no_ties_id  # no ties anywhere: named by phone, taken on
