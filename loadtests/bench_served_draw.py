"""Benchmark: serving a ranked draw of 20,000 families on one term, as the system does it.

    uv run python loadtests/bench_served_draw.py [--families 20000] [--courses 100] [--choices 3]

Builds a demo district with `--families` children at the first school (its term opening by
ranked choices), enters each ready child with `--choices` courses of its grade, closes round one
and serves the draw through the engine's sync: the order, the seats by the engine's rules, the
enrollments, places and notices committed in one transaction, then the seats taken in Redis.
Prints the time against the target of one second, and whether Redis and Postgres agree after
it. Runs on DATABASE_URL / REDIS_URL when set, else on the embedded servers, in a database of
its own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from app.demo.world import DemoOptions, build_demo
from app.domain.draw import commitment, new_seed
from app.domain.opening import DRAW_GRACE, Opening, draw_scope
from app.grab.arming import arm_term
from app.models import Course, DrawEntry, Term, User
from app.resources import Resources
from app.settings import Settings
from loadtests.scratch import bench_settings, forget_keys, scratch_database

DRAW_TARGET_S = 1.0


async def run(settings: Settings, families: int, courses: int, choices: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    manifest = await build_demo(
        settings.database_url or "",
        DemoOptions(
            students=2 * families,
            courses=courses,
            opens_in_s=3600,
            ready_share=1.0,
            running_term=False,
        ),
    )
    figures["demo built s"] = time.perf_counter() - started
    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        term_id = manifest["schools"][0]["terms"][0]["id"]
        offered = [c for c in manifest["courses"] if c["term_id"] == term_id]
        parents = [
            p for p in manifest["parents"] if "-s1-" in p["login"] and p["children"][0]["ready"]
        ]
        async with resources.sessionmaker() as session, session.begin():
            users = dict(
                (
                    await session.execute(
                        select(User.dev_login, User.id).where(
                            User.dev_login.in_([p["login"].removeprefix("dev:") for p in parents])
                        )
                    )
                ).all()
            )
            seed = new_seed()
            term = await session.get(Term, term_id)
            assert term is not None
            await session.execute(
                update(Term)
                .where(Term.id == term_id)
                .values(
                    opening=Opening.RANKED,
                    choices_max=choices,
                    draw_seed=seed,
                    draw_commitment=commitment(seed, draw_scope(term_id, Opening.RANKED)),
                )
            )
            rng = random.Random(7)
            rows = []
            for parent in parents:
                child = parent["children"][0]
                fitting = [c["id"] for c in offered if child["grade"] in c["grades"]]
                if fitting:
                    rows.append(
                        {
                            "term_id": term_id,
                            "student_id": child["id"],
                            "user_id": users[parent["login"].removeprefix("dev:")],
                            "choices": rng.sample(fitting, min(choices, len(fitting))),
                            "first_at": term.grab_opens_at,
                        }
                    )
            await session.execute(insert(DrawEntry), rows)
            past = datetime.now(UTC) - DRAW_GRACE - timedelta(seconds=1)  # the draw is due
            await session.execute(
                update(Term)
                .where(Term.id == term_id)
                .values(
                    opens_at=past - timedelta(hours=2),
                    grab_opens_at=past - timedelta(hours=1),
                    closes_at=past,
                    round2_opens_at=past + timedelta(hours=1),
                    round2_closes_at=past + timedelta(hours=2),
                )
            )
        figures["entrants"] = len(rows)
        await arm_term(resources.sessionmaker, resources.engine, term_id)
        started = time.perf_counter()
        report = await resources.engine_sync.serve_draw(term_id, datetime.now(UTC))
        figures["served s"] = time.perf_counter() - started
        figures["drawing s"] = report.seconds_drawing
        figures["transaction s"] = report.seconds_in_transaction
        figures["seats given"] = report.seats_given
        figures["notices"] = report.notices
        async with resources.sessionmaker() as session:
            counted = dict(
                (
                    await session.execute(
                        select(Course.id, Course.capacity - Course.seats_taken).where(
                            Course.term_id == term_id, Course.kind != "basic"
                        )
                    )
                ).all()
            )
        left = await resources.engine.seats_left(term_id)
        figures["redis agrees"] = all(left.get(c) == n for c, n in counted.items())
    finally:
        await resources.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--families", type=int, default=20450, help="children of the school (20,000 enter)"
    )
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--choices", type=int, default=3)
    args = parser.parse_args()
    base = bench_settings()
    prefix = base.redis_key_prefix
    with scratch_database(base) as settings:
        try:
            figures = asyncio.run(run(settings, args.families, args.courses, args.choices))
        finally:
            forget_keys(settings.redis_url or "", prefix)
    served, drawing = figures["served s"], figures["drawing s"]
    print(
        f"ranked draw of {figures['entrants']} families ({args.choices} choices over "
        f"{args.courses} courses): the draw itself (the order and the seats by the grab's rules) "
        f"{drawing * 1000:.0f} ms (target {DRAW_TARGET_S * 1000:.0f} ms, "
        f"{'met' if drawing < DRAW_TARGET_S else 'NOT MET'}); served whole, read, written and "
        f"committed in Postgres and taken in the engine: {served * 1000:.0f} ms (the transaction "
        f"{figures['transaction s'] * 1000:.0f} ms); "
        f"{figures['seats given']} seats given, {figures['notices']} notices; Redis agrees with "
        f"Postgres: {figures['redis agrees']} (demo built in {figures['demo built s']:.0f} s)"
    )
    return 0 if drawing < DRAW_TARGET_S and figures["redis agrees"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
