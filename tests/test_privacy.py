"""Minors' data is sensitive (PIPL art. 28). A full run of every read, by every kind of caller,
with the logs captured: priority-group flags, guardians' phone numbers and ID numbers appear only
where a role needs them, and never in a log line."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.support.route_catalog import CATALOG
from tests.support.world import build_world, sign_in_everyone

GUARDIAN_PHONE = "13612345678"
GUARDIAN_ID = "110101201001011234"
IMPORTED_PHONE = "13787654321"
PRIORITY_KEYS = ("migrant_worker_child", "single_parent", "left_behind", "low_income")
# Callers who need none of it: families, a care teacher, another school's administrator.
UNPRIVILEGED = ("parent-1", "parent-2", "care-a", "admin-b", "stranger")
PRIVILEGED = ("admin-a", "teacher-a301", "district-admin")


async def test_sensitive_data_stays_with_the_roles_that_need_it(
    settings: Settings, capsys: pytest.CaptureFixture[str], clean_tables: None
) -> None:
    app = create_app(settings)
    answers: dict[str, list[str]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            world = await sign_in_everyone(
                client, await build_world(app.state.resources.sessionmaker)
            )
            admin = world.auth("admin-a")
            recorded = await client.post(
                f"/api/v1/students/{world.student_1}/guardians",
                json={
                    "guardian": {"name": "王爸爸", "phone": GUARDIAN_PHONE},
                    "relation": "father",
                    "id_number": GUARDIAN_ID,
                },
                headers=admin,
            )
            assert recorded.status_code == 201
            roster = f"年级,班级,学号,姓名,监护人姓名,监护人电话,留守\n3,1,A0200,新生,新家长,{IMPORTED_PHONE},是\n"
            imported = await client.post(
                f"/api/v1/schools/{world.school_a}/imports",
                params={"dry_run": "false"},
                files={"file": ("roster.csv", roster.encode(), "text/csv")},
                headers=admin,
            )
            assert imported.status_code == 200, imported.text
            documentation = {"/openapi.json", "/docs", "/redoc"}  # describe fields, hold no data
            reads = [
                (method, spec)
                for (method, path), spec in CATALOG.items()
                if method == "GET" and path not in documentation and not spec(world).endless
            ]
            for login in UNPRIVILEGED + PRIVILEGED:
                answers[login] = []
                for method, spec in reads:
                    call = spec(world)
                    response = await client.request(
                        method, call.path, params=call.params, headers=world.auth(login)
                    )
                    answers[login].append(response.text)
    logs = capsys.readouterr().out
    assert "/api/v1/students" in logs  # the capture did see the run

    for secret in (GUARDIAN_PHONE, GUARDIAN_ID, IMPORTED_PHONE, *PRIORITY_KEYS):
        assert secret not in logs, f"{secret} reached the logs"
    for login in UNPRIVILEGED:
        everything = "\n".join(answers[login])
        for secret in (GUARDIAN_PHONE, GUARDIAN_ID, IMPORTED_PHONE, *PRIORITY_KEYS):
            assert secret not in everything, f"{login} was shown {secret}"
    for login in PRIVILEGED:
        everything = "\n".join(answers[login])
        assert GUARDIAN_ID not in everything  # masked even for administrators
        assert GUARDIAN_PHONE in everything, login  # the class teacher and admins can call home
        assert "left_behind" in everything, login
