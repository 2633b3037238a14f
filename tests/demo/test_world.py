"""`kehou demo`: a district whose manifest matches what the API says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from fastapi import FastAPI

from app.demo.world import DemoOptions, build_demo
from app.services.common import school_today
from app.settings import Settings

MANIFEST_KEYS = {"district_id", "district_admin", "schools", "courses", "parents"}


async def _sign_in(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/dingtalk", json={"auth_code": login})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_demo_manifest_matches_the_api(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    options = DemoOptions(students=240, courses=8, opens_in_s=0, window_s=600)
    said: list[str] = []
    manifest = await build_demo(settings.database_url or "", options, said.append)
    assert set(manifest) >= MANIFEST_KEYS
    # A long build says how far it is, school by school.
    assert said[0].startswith("demo: school 1/2 ")
    assert "240 students so far" in said[1]
    assert said[-1].startswith("demo: committing")
    assert len(manifest["schools"]) == 2
    term = manifest["schools"][0]["terms"][0]
    opens = datetime.fromisoformat(term["opens_at"])
    assert abs(opens - datetime.now(UTC)) < timedelta(seconds=30)
    assert datetime.fromisoformat(term["closes_at"]) - opens == timedelta(seconds=600)
    assert datetime.fromisoformat(term["round2_opens_at"]) == datetime.fromisoformat(
        term["closes_at"]
    )
    extension = [c for c in manifest["courses"] if c["kind"] == "extension"]
    assert len(extension) == 16  # 8 per school term
    assert any(c["popularity"] == "low" for c in extension)
    assert {c["kind"] for c in manifest["courses"]} == {"extension", "basic"}
    children = [child for parent in manifest["parents"] for child in parent["children"]]
    assert 200 <= len(children) <= 240
    assert 0 < sum(not c["ready"] for c in children) < len(children) // 3

    admin = await _sign_in(client, manifest["schools"][0]["admin"])
    listing = await client.get(f"/api/v1/terms/{term['id']}/courses", headers=admin)
    assert listing.json()["total"] == 8 + 6  # extension courses and one basic care per grade
    ready = [p for p in manifest["parents"] if p["children"][0]["ready"]][:6]
    not_ready = [p for p in manifest["parents"] if not p["children"][0]["ready"]][:6]
    assert len(not_ready) == 6
    for parent in ready + not_ready:
        child = parent["children"][0]
        headers = await _sign_in(client, parent["login"])
        me = (await client.get("/api/v1/me", headers=headers)).json()
        assert [c["id"] for c in me["children"]] == [child["id"]]
        assert me["children"][0]["grade"] == child["grade"]
        school_term = next(
            s["terms"][0]["id"]
            for s in manifest["schools"]
            if s["id"] == me["children"][0]["school_id"]
        )
        readiness = await client.get(
            f"/api/v1/students/{child['id']}/readiness",
            params={"term_id": school_term},
            headers=headers,
        )
        assert readiness.json()["ready"] is child["ready"], (child, readiness.json())


async def test_demo_has_a_term_in_progress_for_the_running_term_screens(
    school_day: date, app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    manifest = await build_demo(settings.database_url or "", DemoOptions(students=240, courses=4))
    first = manifest["schools"][0]
    (running,) = first["running_terms"]
    assert "running_terms" not in manifest["schools"][1]
    teacher = await _sign_in(client, running["care_teacher"])
    admin = await _sign_in(client, first["admin"])
    today = school_today()
    sessions = (
        await client.get(
            f"/api/v1/terms/{running['id']}/sessions",
            params={
                "from": (today - timedelta(days=7)).isoformat(),
                "to": today.isoformat(),
                "size": 200,
            },
            headers=teacher,
        )
    ).json()["items"]
    past = [s for s in sessions if s["on_date"] < today.isoformat()]
    assert past
    assert all(s["roll_call_at"] is not None for s in past)
    sheet = await client.get(f"/api/v1/sessions/{past[0]['id']}/attendance", headers=teacher)
    marks = [s["status"] for s in sheet.json()["students"]]
    assert marks
    assert None not in marks
    statements = (
        await client.get(f"/api/v1/terms/{running['id']}/statements", headers=admin)
    ).json()["items"]
    assert statements
    assert all(s["charged_fen"] > 0 for s in statements)
