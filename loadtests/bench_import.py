"""Benchmark: import a 5,000-row roster (.xlsx, as a 学籍 system exports it: title rows, grades
and classes in words, +86 phones) into one school, dry run and commit, then the next term's
export of it (one student in 20 renamed) again, as an update.

    uv run python loadtests/bench_import.py [--rows 5000] [--limit-s 10]

Runs on DATABASE_URL / REDIS_URL when set, else on the embedded servers. It creates a database of
its own, drives the real app (HTTP stack in-process: routing, auth, multipart, validation,
transaction) and prints the timings. While each import runs, /healthz is asked again and again on
the same event loop: its round trips say whether the import leaves the loop free. Last, a file of
a million rows (a few hundred KB) is sent, and the time until it is refused printed. Exit status 1
when a commit takes longer than the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import time
from pathlib import Path

import httpx
from fastapi import FastAPI
from openpyxl import Workbook

from app.domain.access import Role
from app.main import create_app
from app.models import District, RoleGrant, School, User
from app.resources import Resources
from app.settings import Settings
from loadtests.scratch import scratch_database
from tests.support.workbooks import million_bad_rows

HEADERS = [
    "年级",
    "班级",
    "学号",
    "姓名",
    "监护人姓名",
    "监护人电话",
    "关系",
    "随迁子女",
    "单亲",
    "留守",
    "困难家庭",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
RENAMED_EVERY = 20  # the next term's export: one student in 20 renamed
GIVEN = "子轩梓涵浩然欣怡宇轩雨桐俊杰思远佳琪博文"


GRADE_NAMES = "一二三四五六"


def roster_xlsx(rows: int, seed: int = 7, renamed_every: int = 0) -> bytes:
    """A school's roster as its 学籍 system exports it: a title and a date above the header,
    grades and classes in words (三年级, 三(2)班), phones with +86 and dashes; 6 grades, classes
    of 40, one guardian per family (some siblings). With `renamed_every`, every such student's
    name has changed since (the next term's export)."""
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["基准小学 2026学年 学生花名册"])
    sheet.append(["导出时间:2026-09-01 08:00"])
    sheet.append(HEADERS)
    per_grade = -(-rows // 6)
    for index in range(rows):
        grade = index // per_grade + 1
        class_number = (index % per_grade) // 40 + 1
        surname = rng.choice(SURNAMES)
        family = index - 1 if index and rng.random() < 0.05 else index  # about 5% siblings
        name = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
        if renamed_every and index % renamed_every == 0:
            name += "改"
        phone = f"139{family:08d}"
        sheet.append(
            [
                f"{GRADE_NAMES[grade - 1]}年级", f"{GRADE_NAMES[grade - 1]}({class_number})班",
                f"S{index:06d}", name, surname + "家长", f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}",
                rng.choice(["父亲", "母亲", "祖父母"]),
                "是" if rng.random() < 0.1 else "否", "否", "是" if rng.random() < 0.05 else "否", "否",
            ]
        )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def _seed(app: FastAPI) -> int:
    resources: Resources = app.state.resources
    sessionmaker = resources.sessionmaker
    async with sessionmaker() as session, session.begin():
        district = District(name="基准区", code="bench")
        session.add(district)
        await session.flush()
        school = School(district_id=district.id, name="基准小学", code="bench")
        admin = User(name="admin", dev_login="bench-admin")
        session.add_all([school, admin])
        await session.flush()
        session.add(RoleGrant(user_id=admin.id, role=Role.SCHOOL_ADMIN, school_id=school.id))
        return school.id


async def run(settings: Settings, rows: int) -> dict[str, float]:
    content = roster_xlsx(rows)
    app = create_app(settings)
    timings: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        school_id = await _seed(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            login = await client.post(
                "/api/v1/auth/dingtalk", json={"auth_code": "dev:bench-admin"}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            again = roster_xlsx(rows, renamed_every=RENAMED_EVERY)
            renamed = -(-rows // RENAMED_EVERY)
            passes = (
                ("dry run", True, content, "students_created", rows),
                ("commit", False, content, "students_created", rows),
                ("re-import dry run", True, again, "students_updated", renamed),
                ("re-import commit", False, again, "students_updated", renamed),
            )
            for label, dry_run, file, counted, expected in passes:
                started = time.perf_counter()
                importing = asyncio.create_task(
                    client.post(
                        f"/api/v1/schools/{school_id}/imports",
                        params={"dry_run": str(dry_run).lower()},
                        files={"file": ("roster.xlsx", file, "application/octet-stream")},
                        headers=headers,
                    )
                )
                probes = await _probe_health(client, importing)
                response = await importing
                timings[label] = time.perf_counter() - started
                timings[f"{label} health median"] = statistics.median(probes)
                timings[f"{label} health max"] = max(probes)
                report = response.json()
                if response.status_code != 200 or report[counted] != expected:
                    raise SystemExit(
                        f"{label} failed: {response.status_code} {response.text[:500]}"
                    )
            listing = await client.get(
                f"/api/v1/schools/{school_id}/students", params={"size": 1}, headers=headers
            )
            if listing.json()["total"] != rows:
                raise SystemExit(f"expected {rows} students, found {listing.json()['total']}")
            started = time.perf_counter()
            refused = await client.post(
                f"/api/v1/schools/{school_id}/imports",
                files={"file": ("roster.xlsx", million_bad_rows(), "application/octet-stream")},
                headers=headers,
            )
            timings["refusal"] = time.perf_counter() - started
            if refused.status_code != 413:
                raise SystemExit(f"million rows: {refused.status_code} {refused.text[:500]}")
    timings["file bytes"] = len(content)
    return timings


async def _probe_health(client: httpx.AsyncClient, importing: asyncio.Task[object]) -> list[float]:
    """Round trips of /healthz, 10 ms apart, until the import ends (in-process, a round trip that
    finds the loop free never suspends: the pause lets the import go on)."""
    probes = []
    while not importing.done():
        started = time.perf_counter()
        await client.get("/healthz")
        probes.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return probes or [0.0]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--limit-s", type=float, default=10.0)
    args = parser.parse_args()
    base = Settings(log_level="WARNING", access_log=False, data_dir=Path(".data/bench"))
    with scratch_database(base) as settings:
        timings = asyncio.run(run(settings, args.rows))
    print(f"roster import, {args.rows} rows ({timings['file bytes'] / 1024:.0f} KiB .xlsx)")
    print(f"  dry run           : {timings['dry run']:6.2f} s")
    print(f"  commit            : {timings['commit']:6.2f} s   (limit {args.limit_s:.0f} s)")
    print(
        f"  re-import dry run : {timings['re-import dry run']:6.2f} s   (1 in {RENAMED_EVERY} renamed)"
    )
    print(
        f"  re-import commit  : {timings['re-import commit']:6.2f} s   (limit {args.limit_s:.0f} s)"
    )
    for label in ("dry run", "commit", "re-import dry run", "re-import commit"):
        print(
            f"  /healthz during the {label}: median {timings[label + ' health median'] * 1000:.1f}"
            f" ms, max {timings[label + ' health max'] * 1000:.1f} ms"
        )
    print(f"  a million rows refused in {timings['refusal']:.2f} s")
    met = max(timings["commit"], timings["re-import commit"]) <= args.limit_s
    print("  target met" if met else "  TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
