"""Benchmark: the grab against its floors and its naive peer, and the opening burst.

    uv run python -m loadtests.bench_grab [--seconds 5] [--workers 2] [--connections 64 256]
        [--students 2000] [--choices 3]

Needs `wrk` (Debian: apt-get install wrk). Runs the app with 2 uvicorn workers (`--workers 1 2`
adds a run with 1) on the machine's Postgres and Redis (DATABASE_URL / REDIS_URL, default
127.0.0.1), in a database and a Redis key prefix of its own, and measures in one run, side by
side:

  floor-bare     the grab's requests to a standalone FastAPI app (loadtests/floor_app.py, a
                 process of its own, no middleware): reads the body, answers
  floor-evalsha  the same app, one EVALSHA per request: the floor of any Redis-backed grab
  bare      POST that touches nothing (mounted only in the benchmark's app)
  evalsha   one EVALSHA (ditto): the floor of any Redis-backed grab
  refusal   the product's grab of a full course (409 course-full)
  success   the product's grab that takes a seat (201)
  hot       the product's grab on one hot course of 50 seats (mostly 409)
  naive     the naive grab on its own hot course of 50 seats: SELECT … FOR UPDATE, INSERT

each as requests/s and p50/p99 at each connection count, plus peak RSS per worker, then the
opening burst: 2,000 students × 3 choices released at once on a 40-course term (an asyncio client,
checked against wrk on the EVALSHA endpoint). Prints the table, every product figure as a share of
the standalone floor of the same workers and connections, and the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import httpx
import uvloop
from sqlalchemy import delete, insert, select, update

from app.demo.world import DemoOptions, build_demo
from app.grab.arming import arm_term
from app.grab.audit import audit_term
from app.models import Course, CourseKind, Enrollment, Term, User
from app.persistence.admin import create_database, drop_database
from app.persistence.migrations import upgrade_to_head
from app.resources import Resources
from app.settings import Settings
from loadtests.rawhttp import Outcome, Req, fire, fire_through_proxy
from loadtests.scratch import forget_keys

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk" / "requests.lua"
HOST, PORT, FLOOR_PORT = "127.0.0.1", 8765, 8766
JWT_SECRET = secrets.token_urlsafe(32)
GRADES = [3, 4, 5, 6]
# Four 20-minute lessons a day that do not overlap, inside the care time of grades 3–6: 5 days × 4
# courses a family can all hold, so that a 5-second run of 201s does not run out of seats to take
# (1,377 families × 20 courses).
SLOTS = [
    (clock(16, 0), clock(16, 20)), (clock(16, 20), clock(16, 40)),
    (clock(16, 40), clock(17, 0)), (clock(17, 0), clock(17, 20)),
]  # fmt: skip


@dataclass
class Bench:
    settings: Settings
    resources: Resources
    burst_term: int
    term: int  # the term the throughput scenarios use
    success_courses: list[int]
    full_course: int
    hot_course: int
    naive_course: int
    families: list[tuple[int, str]]  # (student id, token), ready, grades 3–6, of `term`
    sign_in_codes: list[str]  # the throughput families' parents' development login codes
    burst_families: list[tuple[int, str, int]]  # (student, token, grade) of `burst_term`
    burst_courses: list[dict[str, Any]]
    burst_students: int  # how many students the opening burst releases at once
    choices: int  # ranked choices each
    upstream: int = 0  # the burst through a proxy with this many connections to the workers
    server: str = "uvicorn"  # the ASGI server of the product and the floor
    burst_audit: list[str] | None = None  # `kehou audit` of the burst's term, None when clean
    catalogue_bytes: int = 2  # the size of the product's course list answer


async def _courses(resources: Resources, term_id: int) -> dict[str, Any]:
    def row(name: str, capacity: int, day: int, slot: int) -> dict[str, Any]:
        start, end = SLOTS[slot]
        return {
            "term_id": term_id, "kind": CourseKind.EXTENSION, "name": name, "grades": GRADES,
            "weekdays": [day], "start_time": start, "end_time": end, "capacity": capacity,
            "min_size": 0, "fee_per_session_fen": 2000,
        }  # fmt: skip

    rows = [row(f"不限名额{d}{s}", 1_000_000, d, s) for d in range(1, 6) for s in range(len(SLOTS))]
    unlimited = len(rows)
    rows += [row("已满", 1, 1, 0), row("热门", 50, 2, 0), row("热门对照", 50, 3, 0)]
    async with resources.sessionmaker() as session, session.begin():
        ids = list(await session.scalars(insert(Course).returning(Course.id), rows))
        await session.execute(
            update(Term).where(Term.id == term_id).values(max_extension_courses=20)
        )
    return {
        "success": ids[:unlimited], "full": ids[unlimited], "hot": ids[unlimited + 1],
        "naive": ids[unlimited + 2],
    }  # fmt: skip


async def _tokens(resources: Resources, logins: list[str]) -> dict[str, str]:
    async with resources.sessionmaker() as session:
        rows = await session.execute(
            select(User.dev_login, User.id).where(User.dev_login.in_(logins))
        )
        return {f"dev:{login}": resources.signer.issue(user_id) for login, user_id in rows}


async def prepare(settings: Settings, burst_students: int, choices: int) -> Bench:
    # Two schools: the first's families make the burst, the second's the throughput runs.
    students = max(4600, 2 * burst_students + 600)
    manifest = await build_demo(
        settings.database_url or "", DemoOptions(students=students, courses=40, opens_in_s=0)
    )
    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    burst_term, term = (school["terms"][0]["id"] for school in manifest["schools"])
    courses = await _courses(resources, term)
    tokens = await _tokens(
        resources, [p["login"].removeprefix("dev:") for p in manifest["parents"]]
    )
    families, burst, codes = [], [], []
    for parent in manifest["parents"]:
        child = parent["children"][0]
        if not child["ready"]:
            continue
        if "-s2-" in parent["login"] and child["grade"] in GRADES:
            families.append((child["id"], tokens[parent["login"]]))
            codes.append(parent["login"])
        elif "-s1-" in parent["login"]:
            burst.append((child["id"], tokens[parent["login"]], child["grade"]))
    burst_courses = [
        c for c in manifest["courses"] if c["term_id"] == burst_term and c["kind"] == "extension"
    ]
    bench = Bench(
        settings, resources, burst_term, term, courses["success"], courses["full"],
        courses["hot"], courses["naive"], families, codes, burst, burst_courses, burst_students,
        choices,
    )  # fmt: skip
    await reset(bench)
    first = bench.families[0]  # holds the full course's one seat
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Course).where(Course.id == bench.full_course).values(capacity=1, seats_taken=1)
        )
        await session.execute(
            insert(Enrollment),
            {"term_id": term, "student_id": first[0], "course_id": bench.full_course, "round": 1,
             "grabbed_at": datetime.now(UTC)},
        )  # fmt: skip
    await arm_term(resources.sessionmaker, resources.engine, term)
    await arm_term(resources.sessionmaker, resources.engine, burst_term)
    return bench


async def reset(bench: Bench) -> None:
    """Give back every seat the measured runs took, and re-arm the term from Postgres."""
    resources = bench.resources
    taken = [*bench.success_courses, bench.hot_course, bench.naive_course]
    await asyncio.sleep(1)  # let the server's persister finish with the run's last grabs
    async with resources.sessionmaker() as session, session.begin():
        # Courses locked in id order, as the server's writers lock them: no deadlock with them.
        await session.execute(
            select(Course.id).where(Course.id.in_(taken)).order_by(Course.id).with_for_update()
        )
        await session.execute(delete(Enrollment).where(Enrollment.course_id.in_(taken)))
        await session.execute(update(Course).where(Course.id.in_(taken)).values(seats_taken=0))
    # Arming writes back every grab still in the term's stream: empty it (the consumer group
    # stays), or the seats just deleted would come back.
    await resources.redis.xtrim(resources.engine.keys(bench.term).stream, maxlen=0)
    await arm_term(resources.sessionmaker, resources.engine, bench.term)


# Request files for wrk: path, token, body per line (a body of None: a GET).
Row = tuple[str, str, dict[str, int | str] | None]


def _lines(rows: list[Row]) -> str:
    return "".join(
        f"{path}\t{token}\t\tGET\n" if body is None else f"{path}\t{token}\t{json.dumps(body)}\n"
        for path, token, body in rows
    )


def request_files(bench: Bench, folder: Path) -> dict[str, Path]:
    grab = f"/api/v1/terms/{bench.term}/enrollments"
    families = bench.families[1:]  # the first holds the full course
    catalogue = f"/api/v1/terms/{bench.term}/courses"
    scenarios: dict[str, list[Row]] = {
        "bare": [("/bench/bare", "", {})],
        "evalsha": [("/bench/evalsha", "", {})],
        "refusal": [
            (grab, token, {"student_id": s, "course_id": bench.full_course})
            for s, token in families
        ],
        # Course by course, so one family's requests are far apart (one grab in flight each).
        "success": [
            (grab, token, {"student_id": s, "course_id": c})
            for c in bench.success_courses
            for s, token in families
        ],
        "hot": [
            (grab, token, {"student_id": s, "course_id": bench.hot_course}) for s, token in families
        ],
        "naive": [
            ("/bench/naive-grab", "", {"student_id": s, "course_id": bench.naive_course})
            for s, _ in families
        ],
        # The morning of the opening: every parent opens the mini-app and signs in (免登).
        "sign-in": [("/api/v1/auth/dingtalk", "", {"auth_code": c}) for c in bench.sign_in_codes],
    }
    # Before the opening: every family refreshes its child's course list, and the seat counts.
    scenarios["catalogue"] = [(f"{catalogue}?student_id={s}", token, None) for s, token in families]
    scenarios["seats"] = [
        (f"/api/v1/terms/{bench.term}/seats", token, None) for _, token in families
    ]
    # The floor takes the very requests of the refusal and the course list runs, under its own
    # prefixes.
    for floor in ("bare", "evalsha"):
        scenarios[f"floor-{floor}"] = [
            (f"/{floor}{path}", token, body) for path, token, body in scenarios["refusal"]
        ]
    scenarios["floor-get"] = [(f"/bare{path}", t, b) for path, t, b in scenarios["catalogue"]]
    scenarios["floor-sized"] = [(f"/sized{path}", t, b) for path, t, b in scenarios["catalogue"]]
    files = {}
    for name, rows in scenarios.items():
        files[name] = folder / f"{name}.tsv"
        files[name].write_text(_lines(rows), encoding="utf-8")
    return files


@dataclass
class Measure:
    scenario: str
    workers: int
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int

    @property
    def unexpected(self) -> int:
        """Answers that are neither a success nor a refusal (409, or 429 for a parent's second
        attempt in flight when the request list wraps round): errors. A 202 counts as one: a
        seat Postgres could not take at once."""
        return self.socket_errors + sum(
            n
            for status, n in self.statuses.items()
            if status.split(":")[0] not in ("200", "201", "409", "429")
        )


def wrk(url: str, requests: Path, connections: int, seconds: int, run: str) -> dict[str, Any]:
    env = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_RUN": run}
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
        "-s", str(WRK_SCRIPT), url,
    ]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_RESULT "))
    return result


def server_command(server: str, app: str, port: int, workers: int) -> list[str]:
    """The ASGI server's command line: uvicorn (as `kehou serve` runs) or granian, each on
    uvloop with the same backlog and no access log of its own (the product writes its own)."""
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
            "--host", HOST, "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--backlog", "4096", "--no-access-log",
            "--log-level", "warning", app,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", app, "--factory",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning", "--backlog", "4096",
    ]  # fmt: skip


class Server:
    """`loadtests.bench_app:create` with N workers under `server` (uvicorn or granian), on the
    benchmark's database; or, with `app` and `port`, another factory (the floor) under the same
    server and flags."""

    def __init__(
        self,
        settings: Settings,
        workers: int,
        log_path: Path,
        app: str = "loadtests.bench_app:create",
        port: int = PORT,
        extra_env: dict[str, str] | None = None,
        server: str = "uvicorn",
    ) -> None:
        self.workers = workers
        self.server = server
        self.port = port
        self.log_path = log_path
        self.log = log_path.open("wb")
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url or "",
            "REDIS_URL": settings.redis_url or "",
            "KEHOU_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "KEHOU_JWT_SECRET": JWT_SECRET,
            "KEHOU_GRAB_LIMIT_PER_PARENT": "1000000/minute",
            "KEHOU_GRAB_LIMIT_PER_IP": "100000000/minute",
            # As deployed: every request's access line written (to the server's log here).
            "KEHOU_LOG_LEVEL": "INFO",
            "FLOOR_REDIS_URL": settings.redis_url or "",
            "FLOOR_KEY": f"{settings.redis_key_prefix}floor",
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            server_command(server, app, port, workers),
            env=env, cwd=HERE.parent, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{HOST}:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the server did not start: " + self._stderr())
            time.sleep(0.3)

    def _stderr(self) -> str:
        self.process.kill()
        return self.log_path.read_text(errors="replace")[-2000:]

    def warnings(self) -> dict[str, int]:
        """The server's warning and error events by name (the log is JSON lines)."""
        found: dict[str, int] = {}
        with self.log_path.open(errors="replace") as log:
            lines = [line for line in log if line.startswith("{") and '"level": "info"' not in line]
        for line in lines:
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                name = f"{event.get('event')} {event.get('error_type', '')}".strip()
                found[name] = found.get(name, 0) + 1
        return found

    def worker_peak_rss_mb(self) -> list[float]:
        """VmHWM of every worker process (children of the uvicorn supervisor)."""
        peaks = []
        # uvicorn's workers are spawned (its supervisor has other children); granian's forked.
        marker = "granian" if self.server == "granian" else "spawn_main"
        for pid in _children(self.process.pid, marker) or [self.process.pid]:
            status = Path(f"/proc/{pid}/status").read_text()
            kib = next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")
            )
            peaks.append(kib / 1024)
        return peaks

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def _children(pid: int, marker: str = "spawn_main") -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and marker in (entry / "cmdline").read_text():
                found.append(int(entry.name))
    return found


RESET_BEFORE = {"success", "hot", "naive"}
# Each product scenario right after the floor it is a share of: the machine's speed drifts
# over minutes (it shares its cores), and a ratio of two figures far apart in time would carry
# that drift.
SCENARIOS = (
    "floor-bare", "bare", "floor-evalsha", "refusal", "success", "evalsha", "hot", "naive",
    "floor-get", "floor-sized", "catalogue", "seats", "sign-in",
)  # fmt: skip
# Measured while grabs run beside them: refusals on GRABS_BESIDE connections of their own.
WITH_GRABS = {"catalogue", "seats"}
GRABS_BESIDE = 8
# Long enough for each worker to have looked up every family once (about 4 ms of a worker each).
WARM_S = 8


def _measure(result: dict[str, Any], scenario: str, workers: int, count: int) -> Measure:
    return Measure(
        scenario, workers, count, result["requests"] / (result["duration_us"] / 1e6),
        result["p50_us"] / 1000, result["p99_us"] / 1000, result["statuses"],
        result["socket_errors"] + result["timeouts"],
    )  # fmt: skip


async def measure_server(
    bench: Bench,
    files: dict[str, Path],
    workers: int,
    connections: list[int],
    seconds: int,
    burst_only: bool = False,
) -> tuple[list[Measure], list[float], Outcome | None, Outcome | None]:
    server = Server(
        bench.settings, workers, files["bare"].parent / f"server-{workers}.log",
        server=bench.server,
    )  # fmt: skip
    floor: Server | None = None
    measures: list[Measure] = []
    burst = calibration = None
    try:
        url = f"http://{HOST}:{PORT}"
        await asyncio.to_thread(wrk, url, files["refusal"], 64, 1, f"warm-{workers}")
        student, token = bench.families[1]
        async with httpx.AsyncClient() as client:
            answer = await client.get(
                f"{url}/api/v1/terms/{bench.term}/courses?student_id={student}",
                headers={"Authorization": f"Bearer {token}"},
            )
        bench.catalogue_bytes = len(answer.content)
        if not burst_only:
            # The standalone floor beside the product, idle while the product is measured.
            floor = Server(
                bench.settings, workers, files["bare"].parent / f"floor-{workers}.log",
                "loadtests.floor_app:create", FLOOR_PORT,
                extra_env={"FLOOR_GET_BYTES": str(bench.catalogue_bytes)}, server=bench.server,
            )  # fmt: skip
            floor_url = f"http://{HOST}:{FLOOR_PORT}"
            await asyncio.to_thread(wrk, floor_url, files["floor-evalsha"], 64, 1, "warm-floor")
        for count in connections if floor is not None else []:
            for scenario in SCENARIOS:
                if scenario in RESET_BEFORE or scenario == "refusal":
                    await reset(bench)
                run = f"{scenario}-{workers}-{count}-{uuid.uuid4().hex[:6]}"
                beside = None
                if scenario in WITH_GRABS:
                    # Families have refreshed for minutes before the opening: every worker knows
                    # them (a cold first pass is each family's first sign of life).
                    await asyncio.to_thread(wrk, url, files[scenario], count, WARM_S, f"warm-{run}")
                    beside = asyncio.create_task(
                        asyncio.to_thread(
                            wrk, url, files["refusal"], GRABS_BESIDE, seconds, f"beside-{run}"
                        )
                    )
                target = floor_url if scenario.startswith("floor-") else url
                result = await asyncio.to_thread(wrk, target, files[scenario], count, seconds, run)
                measures.append(_measure(result, scenario, workers, count))
                print(_row(measures[-1]), flush=True)
                if beside is not None:
                    grabs = _measure(await beside, "  grabs beside", workers, GRABS_BESIDE)
                    print(_row(grabs), flush=True)
        if workers == max(WORKER_CHOICES):
            calibration = await _calibrate()
            burst = await _burst(bench)
            await asyncio.sleep(1)  # the persister's last batch
            audit = await audit_term(
                bench.resources.sessionmaker, bench.resources.engine, bench.burst_term
            )
            print("  audit of the burst's term: " + ("clean" if audit.ok else "BREACHED"))
            bench.burst_audit = None if audit.ok else audit.lines()
        return measures, server.worker_peak_rss_mb(), burst, calibration
    finally:
        if floor is not None:
            floor.stop()
        server.stop()
        warnings = server.warnings()
        if warnings:
            print(f"  server warnings (workers={workers}): {warnings}")


WORKER_CHOICES = (1, 2)
ANSWER_WITHIN_S = 20  # every attempt of the opening answered within this


async def _calibrate() -> Outcome:
    """The asyncio client on the EVALSHA endpoint, 64 connections: its figure next to wrk's."""
    per_connection = [[Req("/bench/evalsha", {}) for _ in range(300)] for _ in range(64)]
    return await fire(HOST, PORT, per_connection)


async def _burst(bench: Bench) -> Outcome:
    """The burst's students (2,000 by default) × their ranked choices (3), released at once, one
    connection per student."""
    rng = random.Random(11)
    per_connection = []
    for index, (student, token, grade) in enumerate(bench.burst_families[: bench.burst_students]):
        fitting = [c["id"] for c in bench.burst_courses if grade in c["grades"]]
        choices = rng.sample(fitting, k=min(bench.choices, len(fitting)))
        per_connection.append(
            [
                Req(f"/api/v1/terms/{bench.burst_term}/enrollments",
                    {"student_id": student, "course_id": course}, token, f"burst-{index}-{n}")
                for n, course in enumerate(choices)
            ]
        )  # fmt: skip
    if bench.upstream:
        return await fire_through_proxy(HOST, PORT, per_connection, bench.upstream)
    return await fire(HOST, PORT, per_connection)


def _row(m: Measure) -> str:
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(m.statuses.items()))
    return (
        f"  {m.scenario:<8} workers={m.workers} conns={m.connections:<4} {m.rps:>8.0f} req/s  "
        f"p50 {m.p50_ms:>6.1f} ms  p99 {m.p99_ms:>7.1f} ms  [{statuses}]"
        + (f"  errors {m.unexpected}" if m.unexpected else "")
    )


def report(
    measures: list[Measure],
    rss: dict[int, list[float]],
    burst: Outcome | None,
    calibration: Outcome | None,
    students: int,
    audit: list[str] | None = None,
    upstream: int = 0,
) -> list[str]:
    """The table, the ratios to the floor and the verdict on each target; also returns the unmet
    ones."""
    by = {(m.scenario, m.workers, m.connections): m for m in measures}
    missed = []
    print("\nratios to the standalone floor (same run, same workers and connections)")
    for workers, connections in sorted({(m.workers, m.connections) for m in measures}):
        floor_bare = by[("floor-bare", workers, connections)]
        floor = by[("floor-evalsha", workers, connections)]
        refusal = by[("refusal", workers, connections)]
        success = by[("success", workers, connections)]
        bare = by[("bare", workers, connections)].rps / floor_bare.rps
        hot = by[("hot", workers, connections)].rps / by[("naive", workers, connections)].rps
        floor_get = by[("floor-get", workers, connections)].rps
        floor_sized = by[("floor-sized", workers, connections)].rps
        catalogue = by[("catalogue", workers, connections)].rps / floor_sized
        catalogue_bare = by[("catalogue", workers, connections)].rps / floor_get
        seats = by[("seats", workers, connections)].rps / floor_get
        sign_in = by[("sign-in", workers, connections)].rps
        print(
            f"  workers={workers} conns={connections:<4} "
            f"refusal/floor {refusal.rps / floor.rps:5.0%} (≥ 90%)  "
            f"success/floor {success.rps / floor.rps:5.0%} (≥ 70%)  "
            f"bare/floor-bare {bare:5.0%} (≥ 80%)  hot/naive {hot:5.1f}× (≥ 10× at 256)\n"
            f"    course list/floor GET of its size {catalogue:5.0%} (≥ 70%; of the bare GET "
            f"{catalogue_bare:.0%})  seat snapshot/floor GET {seats:5.0%} (≥ 70%), while grabs run\n"
            f"    sign-ins {sign_in:.0f}/s: {sign_in * 60:,.0f} parents a minute"
        )
        where = f"(w={workers}, c={connections})"
        for name, share in (("course list", catalogue), ("seat snapshot", seats)):
            if share < 0.7:
                missed.append(f"{name} {share:.0%} of the floor's GET {where}")
        if refusal.rps < 0.9 * floor.rps:
            missed.append(f"refusal {refusal.rps / floor.rps:.0%} of the floor {where}")
        if success.rps < 0.7 * floor.rps:
            missed.append(f"success {success.rps / floor.rps:.0%} of the floor {where}")
        if bare < 0.8:
            missed.append(f"the product's bare route {bare:.0%} of the floor's {where}")
        if connections == 256:
            print(
                f"    p99 at 256: refusal {refusal.p99_ms:.1f} ms, success {success.p99_ms:.1f} ms,"
                f" floor {floor.p99_ms:.1f} ms (≤ 2× the floor's)"
            )
            for name, m in (("refusal", refusal), ("success", success)):
                if m.p99_ms > 2 * floor.p99_ms:
                    missed.append(f"{name} p99 {m.p99_ms:.0f} ms > 2 × floor {where}")
            if hot < 10:
                missed.append(f"hot course {hot:.1f}× the naive grab (w={workers})")
    print("\npeak RSS per worker")
    for workers, peaks in sorted(rss.items()):
        print(f"  workers={workers}: " + ", ".join(f"{p:.0f} MB" for p in peaks) + " (≤ 150 MB)")
        missed += [f"worker RSS {p:.0f} MB (w={workers})" for p in peaks if p > 150]
    errors = [m for m in measures if m.unexpected]
    missed += [
        f"{m.unexpected} errors in {m.scenario} (w={m.workers}, c={m.connections})" for m in errors
    ]
    if burst is not None and calibration is not None:
        workers = max(WORKER_CHOICES)
        floor_rps = max(
            (m.rps for m in measures if m.scenario == "floor-evalsha" and m.workers == workers),
            default=0.0,
        )
        bound = 1.5 * burst.requests / floor_rps if floor_rps else None
        bound_text = (
            f"≤ {bound:.2f} s = 1.5 × requests ÷ floor {floor_rps:.0f} req/s"
            if bound is not None
            else "no floor measured in this run"
        )
        path = (
            f"through a proxy holding {upstream} connections to the workers"
            if upstream
            else "one connection per student"
        )
        refusals = sum(n for status, n in burst.statuses.items() if status == 409)
        errors_burst = burst.socket_errors + sum(
            n for status, n in burst.statuses.items() if status not in (201, 202, 409)
        )
        client_rps = calibration.requests / calibration.seconds
        wrk_rps = by[("evalsha", workers, 64)].rps if ("evalsha", workers, 64) in by else 0
        print(
            f"\nopening burst (workers={workers}, {path}): {burst.requests} requests from "
            f"{students} students drained in {burst.seconds:.2f} s ({bound_text}); "
            f"{burst.statuses.get(201, 0) + burst.statuses.get(202, 0)} seats, {refusals} refusals "
            f"{dict(burst.slugs)}, {errors_burst} errors; p99 {burst.percentile(0.99) * 1000:.0f} ms"
        )
        curve = burst.drain()
        shown = ", ".join(f"{n}" for n in curve[:30]) + (" …" if len(curve) > 30 else "")
        cores = os.cpu_count() or 1
        print(
            f"  answers by the end of each second: {shown}\n"
            f"  p50 {burst.percentile(0.5) * 1000:.0f} ms, p99 {burst.percentile(0.99) * 1000:.0f}"
            f" ms, slowest {max(burst.latencies, default=0):.1f} s (≤ {ANSWER_WITHIN_S} s); the "
            f"load generator used {burst.client_cpu_s / burst.seconds / cores:.0%} of the "
            f"{cores} cores while it ran\n"
            f"  client check: the asyncio client got {client_rps:.0f} req/s from the EVALSHA "
            f"endpoint at 64 connections, wrk {wrk_rps:.0f} req/s"
        )
        if max(burst.latencies, default=0) > ANSWER_WITHIN_S:
            missed.append(f"an attempt answered after {max(burst.latencies):.1f} s")
        if bound is not None and burst.seconds > bound:
            missed.append(f"burst drained in {burst.seconds:.2f} s > {bound:.2f} s")
        if errors_burst:
            missed.append(f"{errors_burst} errors in the burst")
        if audit is not None:
            missed.append("the burst's term fails its audit: " + "; ".join(audit))
    return missed


async def run(args: argparse.Namespace, settings: Settings) -> int:
    bench = await prepare(settings, args.students, args.choices)
    bench.upstream = args.upstream
    bench.server = args.server
    try:
        print(
            f"server: {bench.server}; "
            f"term {bench.term}: {len(bench.families)} ready families for the throughput runs; "
            f"term {bench.burst_term}: {len(bench.burst_courses)} courses, "
            f"{min(args.students, len(bench.burst_families))} students × {args.choices} choices "
            "for the burst"
        )
        measures: list[Measure] = []
        rss: dict[int, list[float]] = {}
        burst = calibration = None
        with tempfile.TemporaryDirectory() as folder:
            files = request_files(bench, Path(folder))
            for workers in args.workers:
                found, rss[workers], b, c = await measure_server(
                    bench, files, workers, args.connections, args.seconds, args.burst_only
                )
                measures += found
                burst, calibration = b or burst, c or calibration
        students = min(args.students, len(bench.burst_families))
        missed = report(
            measures, rss, burst, calibration, students, bench.burst_audit, bench.upstream
        )
        print("\ntargets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
        return 0 if not missed else 1
    finally:
        await bench.resources.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="per measurement")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[max(WORKER_CHOICES)],
        help="uvicorn workers, one run each (1 2: the single worker too)",
    )  # fmt: skip
    parser.add_argument("--connections", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--students", type=int, default=2000, help="released at once in the burst")
    parser.add_argument("--choices", type=int, default=3, help="ranked choices per student")
    parser.add_argument(
        "--upstream", type=int, default=0,
        help="the burst through a reverse proxy with this many keep-alive connections to the "
        "workers (0: each student's own connection straight to the workers)",
    )  # fmt: skip
    parser.add_argument(
        "--server", choices=("uvicorn", "granian"), default="uvicorn",
        help="the ASGI server of the product and the floor (granian: `uv run --group load`)",
    )  # fmt: skip
    parser.add_argument(
        "--burst-only", action="store_true", help="the opening burst alone, no throughput runs"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    # One connection per student in the burst, on both ends: 20,000 students need 40,000 files
    # (a superuser may raise the hard limit too).
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, max(hard, 65536)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    database_url = create_database(server_url, prefix="kehou_bench_grab")
    settings = Settings(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        redis_key_prefix=f"kehou-bench-{uuid.uuid4().hex[:8]}:",
        jwt_secret=JWT_SECRET,
        log_level="WARNING",
        background_tasks=False,
    )
    try:
        upgrade_to_head(database_url)
        # uvloop (with uvicorn's standard extras) keeps the burst's client lean next to the server.
        return uvloop.run(run(args, settings))
    finally:
        drop_database(database_url)
        forget_keys(settings.redis_url or "", settings.redis_key_prefix)


if __name__ == "__main__":
    sys.exit(main())
