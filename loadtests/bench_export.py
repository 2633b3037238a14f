"""Benchmark: a 2,000-student school's term attendance export (.xlsx) through the API, and the
same school's term ended early and settled.

    uv run python loadtests/bench_export.py [--students 2000] [--limit-s 5]

Builds a school term on its own database: 2,000 students in 48 classes, every one of them in a
basic-care group (50 groups) and in one of 40 extension courses (two days a week), a spring
term of 19 weeks with its public holidays. The sessions are generated through the API; a roll
call for every session is written in one statement (the demo's: roughly 9 in 10 present). Then it downloads
`GET /terms/{id}/attendance.xlsx` in the request (HTTP stack in-process: routing, auth, query,
workbook, streaming; the size limit lifted), reads the workbook back, and prints the timings.
Then the same export as the service answers it (past `export_inline_max_cells`): 202 and a job,
followed until its file is downloaded, with `/healthz` asked every 50 ms meanwhile. Exit status 1
over the limit (the export's in the request; the job's and the settlement's figures are printed
for the record).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import insert, text

from app.demo.running import sample_roll_calls
from app.domain.access import Role
from app.domain.statuses import CourseStatus
from app.main import create_app
from app.models import (
    CareGroup,
    CareGroupMember,
    Course,
    CourseKind,
    District,
    Enrollment,
    RoleGrant,
    School,
    SchoolClass,
    Student,
    Term,
    User,
)
from app.services.common import school_today
from app.settings import Settings
from loadtests.scratch import scratch_database

TERM_START, TERM_END = date(2026, 3, 2), date(2026, 7, 10)
COURSES = 40
GROUP_SIZE = 40


async def _seed(
    app: Any, students: int, code: str, dates: tuple[date, date] = (TERM_START, TERM_END)
) -> tuple[int, int]:
    """A school (its admin signs in as `dev:bench-<code>`) with its care teacher, classes,
    students, a term over `dates`, care groups and courses."""
    sessionmaker = app.state.resources.sessionmaker
    async with sessionmaker() as session, session.begin():
        district = District(name="基准区", code=f"bench-{code}")
        session.add(district)
        await session.flush()
        school = School(district_id=district.id, name="基准小学", code=f"bench-{code}")
        admin = User(name="admin", dev_login=f"bench-{code}")
        teacher = User(name="托管老师")
        session.add_all([school, admin, teacher])
        await session.flush()
        session.add_all(
            [
                RoleGrant(user_id=admin.id, role=Role.SCHOOL_ADMIN, school_id=school.id),
                RoleGrant(user_id=teacher.id, role=Role.CARE_TEACHER, school_id=school.id),
            ]
        )
        long_ago = datetime(2026, 2, 1, 3, tzinfo=UTC)
        term = Term(
            school_id=school.id, name="2026春", starts_on=dates[0], ends_on=dates[1],
            opens_at=long_ago, grab_opens_at=long_ago, closes_at=long_ago + timedelta(days=1),
            round2_opens_at=long_ago + timedelta(days=1),
            round2_closes_at=long_ago + timedelta(days=2),
        )  # fmt: skip
        session.add(term)
        await session.flush()
        per_grade = -(-students // 6)
        classes = {}
        for grade in range(1, 7):
            for number in range(1, -(-per_grade // 42) + 1):
                klass = SchoolClass(school_id=school.id, grade=grade, number=number)
                session.add(klass)
                classes[(grade, number)] = klass
        await session.flush()
        rows = []
        for index in range(students):
            grade = index // per_grade + 1
            number = (index % per_grade) // 42 + 1
            rows.append(
                {"school_id": school.id, "class_id": classes[(grade, number)].id,
                 "name": f"学生{index}", "student_number": f"S{index:05d}"}
            )  # fmt: skip
        ids = list(await session.scalars(insert(Student).returning(Student.id), rows))
        grades = [index // per_grade + 1 for index in range(students)]
        courses = []
        for number in range(COURSES):
            grade_pair = [1, 2] if number % 3 == 0 else [3, 4] if number % 3 == 1 else [5, 6]
            courses.append(
                Course(
                    term_id=term.id, kind=CourseKind.EXTENSION, name=f"拓展课{number + 1}",
                    grades=grade_pair, weekdays=[[1, 3], [2, 4], [3, 5]][number % 3],
                    start_time=None, end_time=None, capacity=200, min_size=1,
                    fee_per_session_fen=2000, status=CourseStatus.CONFIRMED,
                )
            )  # fmt: skip
        session.add_all(courses)
        await session.flush()
        by_pair: dict[int, list[Course]] = {}
        for course in courses:
            by_pair.setdefault(course.grades[0], []).append(course)
        enrollments = []
        for index, (student, grade) in enumerate(zip(ids, grades, strict=True)):
            options = by_pair[1 if grade <= 2 else 3 if grade <= 4 else 5]
            course = options[index % len(options)]
            course.seats_taken += 1
            enrollments.append(
                {"term_id": term.id, "student_id": student, "course_id": course.id, "round": 1,
                 "grabbed_at": long_ago, "created_at": long_ago}
            )  # fmt: skip
        await session.execute(insert(Enrollment), enrollments)
        members = []
        for start in range(0, students, GROUP_SIZE):
            group = CareGroup(
                term_id=term.id, number=start // GROUP_SIZE + 1, grades=[grades[start]]
            )
            session.add(group)
            await session.flush()
            members += [
                {"group_id": group.id, "term_id": term.id, "student_id": student}
                for student in ids[start : start + GROUP_SIZE]
            ]
        await session.execute(insert(CareGroupMember), members)
        return term.id, teacher.id


async def _sign_in(client: httpx.AsyncClient, code: str) -> dict[str, str]:
    login = await client.post("/api/v1/auth/dingtalk", json={"auth_code": f"dev:bench-{code}"})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _post(client: httpx.AsyncClient, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = await client.post(path, headers=headers, **kw)
    if response.status_code != 200:
        raise SystemExit(f"{path} failed: {response.status_code} {response.text[:500]}")
    return response.json()


async def _export(
    app: Any, client: httpx.AsyncClient, students: int, timings: dict[str, float]
) -> None:
    started = time.perf_counter()
    term_id, teacher_id = await _seed(app, students, "export")
    headers = await _sign_in(client, "export")
    generated = await _post(client, f"/api/v1/terms/{term_id}/sessions/generate", headers)
    async with app.state.resources.sessionmaker() as session, session.begin():
        await sample_roll_calls(session, term_id, teacher_id, TERM_END)
        timings["marks"] = int(await session.scalar(text("SELECT count(*) FROM attendance")) or 0)
    timings["sessions"] = generated["sessions"]
    timings["seed s"] = time.perf_counter() - started
    for attempt in ("first", "second"):
        started = time.perf_counter()
        first_byte = 0.0
        body = bytearray()
        async with client.stream(
            "GET", f"/api/v1/terms/{term_id}/attendance.xlsx", headers=headers
        ) as response:
            if response.status_code != 200:
                raise SystemExit(f"export failed: {response.status_code}")
            async for chunk in response.aiter_bytes():
                first_byte = first_byte or time.perf_counter() - started
                body.extend(chunk)
        timings[f"{attempt} s"] = time.perf_counter() - started
        timings[f"{attempt} first byte s"] = first_byte
    await _as_job(app, client, term_id, headers, timings)
    book = load_workbook(io.BytesIO(bytes(body)), read_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for value in row if value not in (None, ""))
    timings["sheets"] = len(book.worksheets)
    timings["cells"] = cells
    timings["bytes"] = len(body)


async def _as_job(
    app: Any,
    client: httpx.AsyncClient,
    term_id: int,
    headers: dict[str, str],
    timings: dict[str, float],
) -> None:
    """The export as the service answers it: 202 and a job, followed until downloaded."""
    resources = app.state.resources
    resources.settings = resources.settings.model_copy(
        update={"export_inline_max_cells": Settings.model_fields["export_inline_max_cells"].default}
    )
    healthz: list[float] = []
    done = asyncio.Event()

    async def ask_healthz() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await client.get("/healthz")
            healthz.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)

    asking = asyncio.create_task(ask_healthz())
    started = time.perf_counter()
    accepted = await client.get(f"/api/v1/terms/{term_id}/attendance.xlsx", headers=headers)
    if accepted.status_code != 202:
        raise SystemExit(f"expected a job: {accepted.status_code}")
    timings["job answered s"] = time.perf_counter() - started
    job = accepted.json()
    while job["state"] in ("queued", "running"):
        await asyncio.sleep(0.1)
        job = (await client.get(accepted.headers["location"], headers=headers)).json()
    if job["state"] != "done":
        raise SystemExit(f"the job ended {job['state']}: {job['error']}")
    download = await client.get(job["download_url"], headers=headers)
    timings["job s"] = time.perf_counter() - started
    done.set()
    await asking
    timings["job bytes"] = len(download.content)
    timings["healthz median ms"] = 1000 * sorted(healthz)[len(healthz) // 2]
    timings["healthz max ms"] = 1000 * max(healthz)


async def _end_early(
    app: Any, client: httpx.AsyncClient, students: int, timings: dict[str, float]
) -> None:
    """The same school size, half-way through a term: bill it, then end it early and settle
    (every session still to come cancelled and refunded, every family told, every balance
    closed)."""
    today = school_today()
    dates = (today - timedelta(weeks=9), today + timedelta(weeks=9))
    term_id, teacher_id = await _seed(app, students, "settle", dates)
    headers = await _sign_in(client, "settle")
    await _post(client, f"/api/v1/terms/{term_id}/sessions/generate", headers)
    async with app.state.resources.sessionmaker() as session, session.begin():
        await sample_roll_calls(session, term_id, teacher_id, today - timedelta(days=1))
    started = time.perf_counter()
    billed = await _post(client, f"/api/v1/terms/{term_id}/billing", headers)
    timings["billing s"] = time.perf_counter() - started
    timings["charges"] = billed["new_charges"]
    started = time.perf_counter()
    settled = await _post(
        client, f"/api/v1/terms/{term_id}/settlement", headers,
        json={"end_early_reason": "校舍维修"},
    )  # fmt: skip
    timings["settlement s"] = time.perf_counter() - started
    timings["cancelled"] = settled["sessions_cancelled"]
    timings["settled"] = settled["students"]
    async with app.state.resources.sessionmaker() as session:
        timings["refunds"] = int(
            await session.scalar(
                text("SELECT count(*) FROM ledger_entry WHERE kind = 'refund' AND term_id = :t"),
                {"t": term_id},
            )
            or 0
        )


async def run(settings: Settings, students: int) -> dict[str, float]:
    app = create_app(settings)
    timings: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=300
        ) as client:
            await _export(app, client, students, timings)
            await _end_early(app, client, students, timings)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--limit-s", type=float, default=5.0)
    args = parser.parse_args()
    base = Settings(
        log_level="WARNING",
        access_log=False,
        data_dir=Path(".data/bench"),
        export_inline_max_cells=10**9,  # first, the whole export in the request
    )
    with scratch_database(base) as settings:
        timings = asyncio.run(run(settings, args.students))
    print(
        f"term attendance export, {args.students} students: {timings['sessions']:.0f} sessions, "
        f"{timings['marks']:.0f} roll-call marks (seeded in {timings['seed s']:.1f} s)"
    )
    print(
        f"  workbook: {timings['sheets']:.0f} sheets, {timings['cells']:.0f} filled cells, "
        f"{timings['bytes'] / 1024:.0f} KiB"
    )
    for attempt in ("first", "second"):
        print(
            f"  {attempt:6} download: {timings[f'{attempt} s']:5.2f} s "
            f"(first byte {timings[f'{attempt} first byte s']:.2f} s; limit {args.limit_s:.0f} s)"
        )
    print(
        f"  as the service answers it: 202 and a job in {timings['job answered s']:.2f} s, the "
        f"file downloaded {timings['job s']:.2f} s after asking "
        f"({timings['job bytes'] / 1024:.0f} KiB); /healthz meanwhile: median "
        f"{timings['healthz median ms']:.1f} ms, slowest {timings['healthz max ms']:.0f} ms"
    )
    print(
        f"term ended early and settled, {args.students} students: billing "
        f"{timings['billing s']:.2f} s ({timings['charges']:.0f} seats), settlement "
        f"{timings['settlement s']:.2f} s ({timings['cancelled']:.0f} sessions cancelled, "
        f"{timings['refunds']:.0f} refunds, {timings['settled']:.0f} balances settled)"
    )
    worst = max(timings["first s"], timings["second s"])
    met = worst <= args.limit_s
    print("  target met" if met else "  TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
