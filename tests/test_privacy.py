"""Minors' data is sensitive (PIPL art. 28). A full run of every read, by every kind of caller,
with the logs captured: priority-group flags, guardians' phone numbers and ID numbers appear only
where a role needs them, and never in a log line."""

from __future__ import annotations

import httpx
import pytest
import structlog
from sqlalchemy import exc, text

from app.main import create_app
from app.observability import configure_logging
from app.persistence.database import make_database
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


PLANTED_NAME = "隐私家长甲"
PLANTED_CHILD = "隐私童乙"
PLANTED_PHONE = "13698765432"
PLANTED_ID = "110101201101015678"
PLANTED = (PLANTED_NAME, PLANTED_CHILD, PLANTED_PHONE, PLANTED_ID)


async def test_hostile_input_leaves_no_child_data_in_logs_or_answers(
    settings: Settings, capsys: pytest.CaptureFixture[str], clean_tables: None
) -> None:
    """The attacks that once logged SQLAlchemy's bound parameters: a NUL beside a guardian's
    phone and ID number, in a child's new name, in a parent's leave reason and feedback."""
    app = create_app(settings)
    answers: list[httpx.Response] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            world = await sign_in_everyone(
                client, await build_world(app.state.resources.sessionmaker)
            )
            admin, parent = world.auth("admin-a"), world.auth("parent-1")
            student = f"/api/v1/students/{world.student_1}"
            version = (await client.get(student, headers=admin)).json()["version"]
            for name in (f"{PLANTED_NAME}\u0000", PLANTED_NAME):
                answers.append(
                    await client.post(
                        f"{student}/guardians",
                        json={
                            "guardian": {"name": name, "phone": PLANTED_PHONE},
                            "relation": "father",
                            "id_number": f"{PLANTED_ID}\u0000",
                        },
                        headers=admin,
                    )
                )
            answers.append(
                await client.patch(
                    student,
                    json={"version": version, "name": f"{PLANTED_CHILD}\u0000"},
                    headers=admin,
                )
            )
            answers.append(
                await client.post(
                    f"{student}/leave-requests",
                    json={
                        "term_id": world.term_a,
                        "first_day": "2027-01-06",
                        "last_day": "2027-01-06",
                        "reason": f"{PLANTED_CHILD}发烧\u0000",
                    },
                    headers=parent,
                )
            )
            answers.append(
                await client.post(
                    f"/api/v1/schools/{world.school_a}/feedback",
                    json={"body": f"{PLANTED_CHILD} {PLANTED_PHONE}\u0000"},
                    headers=parent,
                )
            )
            guardians = (await client.get(f"{student}/guardians", headers=admin)).text
    logs = capsys.readouterr().out
    assert "/api/v1/students" in logs  # the capture did see the run
    assert [answer.status_code for answer in answers] == [422] * 5
    assert PLANTED_NAME not in guardians  # refused: nothing was written
    for secret in PLANTED:
        assert secret not in logs, f"{secret} reached the logs"
        for answer in answers:
            assert secret not in answer.text, f"an error answer quoted {secret}"


async def test_a_database_error_is_logged_without_the_values_it_quotes(
    settings: Settings, capsys: pytest.CaptureFixture[str], clean_tables: None
) -> None:
    """Beneath validation: were a value ever to reach the database and be refused there, the
    error's statement parameters, the server's DETAIL line (which quotes the clashing row) and
    any exception message stay out of the log."""
    configure_logging("INFO", json=True)
    database = make_database(settings)
    insert = text("INSERT INTO app_user (name, phone, dev_login) VALUES (:name, :phone, :login)")
    values = {"name": PLANTED_NAME, "phone": PLANTED_PHONE, "login": PLANTED_ID}
    try:
        async with database.begin() as connection:
            await connection.execute(insert, values)
            with pytest.raises(exc.IntegrityError) as refused:
                await connection.execute(insert, values)
            await connection.rollback()
    finally:
        await database.dispose()
    assert PLANTED_ID in str(refused.value.orig)  # the server did quote the row
    log = structlog.get_logger("app.problems")
    log.error("unhandled_error", exc_info=refused.value)
    try:
        raise ValueError(f"invalid literal: {PLANTED_CHILD}")
    except ValueError:
        log.exception("unhandled_error")
    logs = capsys.readouterr().out
    assert "IntegrityError" in logs
    assert "sqlstate 23505" in logs
    assert "ValueError" in logs
    for secret in PLANTED:
        assert secret not in logs, f"{secret} reached the logs"
