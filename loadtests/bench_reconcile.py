"""Benchmark: arm, grab and reconcile a 2,000-student term.

    uv run python loadtests/bench_reconcile.py [--students 2000] [--courses 25]

Builds a demo district (half the students per school), opens the first school's window now, lets
every ready child of that school try up to three courses (the seat engine and the Postgres write, as
the API does them, without HTTP), closes the window and runs the reconciler. Prints the time of each
step and the reconciler's report in short. Runs on DATABASE_URL / REDIS_URL when set, else on the
embedded servers, in a database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.demo.world import DemoOptions, build_demo
from app.domain.errors import DomainError
from app.grab.arming import arm_term
from app.grab.reconciler import reconcile
from app.models import Term, User
from app.resources import Resources
from app.settings import Settings
from loadtests.scratch import bench_settings, forget_keys, scratch_database


async def run(
    settings: Settings, students: int, courses: int
) -> tuple[dict[str, float], Counter[str]]:
    """The timings and counts of the run, and the grabs' refusals by slug."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    manifest = await build_demo(
        settings.database_url or "", DemoOptions(students=students, courses=courses, opens_in_s=0)
    )
    timings["demo built"] = time.perf_counter() - started
    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        school = manifest["schools"][0]
        term_id = school["terms"][0]["id"]
        started = time.perf_counter()
        report = await arm_term(resources.sessionmaker, resources.engine, term_id)
        timings["arm"] = time.perf_counter() - started
        term_courses = [
            c for c in manifest["courses"] if c["term_id"] == term_id and c["kind"] == "extension"
        ]
        rng = random.Random(7)
        attempts, granted = 0, 0
        refusals: Counter[str] = Counter()
        started = time.perf_counter()
        # The first school's ready children (their logins read parent-s1-…).
        families = [
            p for p in manifest["parents"] if p["children"][0]["ready"] and "-s1-" in p["login"]
        ]
        users = await _user_ids(resources, [p["login"].removeprefix("dev:") for p in families])
        for parent in families:
            child = parent["children"][0]
            fitting = [c for c in term_courses if child["grade"] in c["grades"]]
            weights = [0.01 if c["popularity"] == "low" else 1.0 for c in fitting]
            for course in (
                {c["id"]: c for c in rng.choices(fitting, weights, k=3)}.values() if fitting else []
            ):
                attempts += 1
                try:
                    await resources.grabs.grab(
                        term_id, child["id"], course["id"], users[parent["login"]], f"b{attempts}"
                    )
                    granted += 1
                except DomainError as refusal:
                    refusals[refusal.slug] += 1
        timings["grabs"] = time.perf_counter() - started
        timings["attempts"], timings["granted"] = attempts, granted
        async with resources.sessionmaker() as session, session.begin():
            past = datetime.now(UTC) - timedelta(seconds=1)
            await session.execute(
                update(Term)
                .where(Term.id == term_id)
                .values(
                    closes_at=past,
                    grab_opens_at=past - timedelta(hours=1),
                    opens_at=past - timedelta(hours=1),
                )
            )
        started = time.perf_counter()
        result = await reconcile(resources.sessionmaker, resources.engine, term_id)
        timings["reconcile"] = time.perf_counter() - started
        timings["opened"], timings["cancelled"] = len(result.opened), len(result.cancelled)
        timings["students affected"] = len(result.students_affected)
        timings["term students"] = report.students
    finally:
        await resources.close()
    return timings, refusals


async def _user_ids(resources: Resources, logins: list[str]) -> dict[str, int]:
    async with resources.sessionmaker() as session:
        rows = await session.execute(
            select(User.dev_login, User.id).where(User.dev_login.in_(logins))
        )
        return {f"dev:{login}": user_id for login, user_id in rows}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--students", type=int, default=4000, help="across both schools (2,000 per term)"
    )
    parser.add_argument("--courses", type=int, default=25)
    args = parser.parse_args()
    base = bench_settings()
    prefix = base.redis_key_prefix
    with scratch_database(base) as settings:
        try:
            figures, refusals = asyncio.run(run(settings, args.students, args.courses))
        finally:
            forget_keys(settings.redis_url or "", prefix)
    print(f"one term of {int(figures['term students'])} students, {args.courses} extension courses")
    for name in ("demo built", "arm", "grabs", "reconcile"):
        print(f"  {name:<11}: {figures[name]:7.2f} s")
    print(f"  refusals   : {dict(refusals)}")
    print(
        f"  {int(figures['attempts'])} grab attempts, {int(figures['granted'])} seats granted; reconciler opened "
        f"{int(figures['opened'])}, cancelled {int(figures['cancelled'])}, moved "
        f"{int(figures['students affected'])} students to round two"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
