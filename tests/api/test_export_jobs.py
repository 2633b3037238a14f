"""Exports past a size are background jobs: the request answers 202 with the job, a worker makes
the file (the same workbook as the request would have), the job tells how far it is, and the
file is downloaded until it expires. A worker that dies leaves its job to the next; a requester
who lost the right gets a failed job, not the file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from app.domain.access import Role
from app.domain.statuses import ExportState
from app.models import ExportJob, RoleGrant
from app.resources import Resources
from app.services.export_jobs import ExportWorker
from tests.api.test_exports import saved_name, today_session, workbook_rows
from tests.support.term import Api, RunningTerm, take_roll_call
from tests.support.world import World


async def _ask(api: Api, world: World, kind: str) -> dict[str, Any]:
    """School A's administrator asks for the term's export of `kind`: the job."""
    job: dict[str, Any] = await api.call(
        "POST", f"/terms/{world.term_a}/export-jobs", "admin-a", 202, json={"kind": kind}
    )
    return job


async def _admin_leaves_the_school(resources: Resources, world: World) -> None:
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            delete(RoleGrant).where(
                RoleGrant.user_id == world.users["admin-a"], RoleGrant.role == Role.SCHOOL_ADMIN
            )
        )


def _jobs_past(resources: Resources, cells: int) -> None:
    """Exports larger than `cells` become jobs."""
    resources.settings = resources.settings.model_copy(update={"export_inline_max_cells": cells})


async def _state(resources: Resources, job_id: int) -> ExportJob:
    async with resources.sessionmaker() as session:
        job = await session.get(ExportJob, job_id)
        assert job is not None
        return job


async def test_a_large_term_export_is_a_job_whose_file_is_the_same_workbook(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    row = await today_session(api, world.term_a, course_id=world.course_a)
    await take_roll_call(api, int(row["id"]))
    url = f"{api.client.base_url}/api/v1/terms/{world.term_a}/attendance.xlsx"
    inline = await api.call("GET", f"/terms/{world.term_a}/attendance.xlsx", "admin-a")
    _jobs_past(resources, 0)

    accepted = await api.client.get(url, headers=world.auth("admin-a"))
    assert accepted.status_code == 202
    job = accepted.json()
    assert accepted.headers["location"] == f"/api/v1/export-jobs/{job['id']}"
    assert (job["state"], job["kind"], job["download_url"]) == ("queued", "attendance", None)
    again = await api.client.get(url, headers=world.auth("admin-a"))
    assert again.json()["id"] == job["id"]  # asking again answers the same job
    waiting = await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a", 409)
    assert waiting["slug"] == "export-not-ready"
    await api.call("GET", f"/export-jobs/{job['id']}", "teacher-a301", 404)  # not theirs

    assert await resources.export_worker().run_due() == 1
    done = await api.call("GET", f"/export-jobs/{job['id']}", "admin-a")
    assert done["state"] == "done"
    assert done["sheets_done"] == done["sheets_total"] == len(workbook_rows(inline))
    assert done["download_url"] == f"/api/v1/export-jobs/{job['id']}/file"
    assert done["filename"] == saved_name(inline) == "2026秋-考勤汇总.xlsx"
    made = await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a")
    assert saved_name(made) == saved_name(inline)
    assert done["size_bytes"] == len(made.content)
    assert workbook_rows(made) == workbook_rows(inline)
    downloaded_again = await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a")
    assert downloaded_again.content == made.content
    # Small enough again: the workbook comes in the answer.
    _jobs_past(resources, 10**9)
    assert (await api.client.get(url, headers=world.auth("admin-a"))).status_code == 200


async def test_statements_past_the_size_are_a_job_too(running_term: RunningTerm) -> None:
    resources, world, api, _ = running_term
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    _jobs_past(resources, 6 * 10 - 1)  # six children billed, ten columns each
    response = await api.client.get(
        f"/api/v1/terms/{world.term_a}/statements.xlsx", headers=world.auth("admin-a")
    )
    assert response.status_code == 202
    assert response.json()["kind"] == "statements"
    # The size is not told to those who may not export: they are refused as before.
    refused = await api.client.get(
        f"/api/v1/terms/{world.term_a}/statements.xlsx", headers=world.auth("teacher-a301")
    )
    assert refused.status_code == 403


async def test_a_job_left_by_a_dead_worker_is_taken_up_when_its_lease_runs_out(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    job = await _ask(api, world, "statements")
    now = datetime.now(UTC)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(ExportJob)
            .where(ExportJob.id == job["id"])
            .values(state=ExportState.RUNNING, lease_token="gone", leased_until=now, attempts=1)
        )
    early = ExportWorker(resources.sessionmaker, clock=lambda: now - timedelta(seconds=1))
    assert await early.run_due() == 0  # the lease still holds
    assert await resources.export_worker().run_due() == 1
    taken_up = await _state(resources, job["id"])
    assert (taken_up.state, taken_up.attempts, taken_up.lease_token) == (ExportState.DONE, 2, None)
    assert taken_up.content is not None


async def test_a_requester_who_lost_the_right_gets_a_failed_job_not_the_file(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    job = await _ask(api, world, "attendance")
    await _admin_leaves_the_school(resources, world)
    assert await resources.export_worker().run_due() == 1
    failed = await api.call("GET", f"/export-jobs/{job['id']}", "admin-a")
    assert (failed["state"], failed["error"]) == ("failed", "forbidden")
    await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a", 403)


async def test_the_file_is_dropped_after_its_day(running_term: RunningTerm) -> None:
    resources, world, api, _ = running_term
    job = await _ask(api, world, "workload")
    assert await resources.export_worker().run_due() == 1
    await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a")
    tomorrow = ExportWorker(
        resources.sessionmaker, clock=lambda: datetime.now(UTC) + timedelta(days=1, minutes=1)
    )
    assert await tomorrow.expire() == 2  # this one, and the world's made the same day
    assert await tomorrow.expire() == 0
    expired = await _state(resources, job["id"])
    assert (expired.state, expired.content) == (ExportState.EXPIRED, None)
    gone = await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a", 410)
    assert gone["slug"] == "export-gone"


async def test_asking_is_for_administrators_and_bounded_per_person(
    running_term: RunningTerm,
) -> None:
    resources, world, api, families = running_term
    path = f"/terms/{world.term_a}/export-jobs"
    await api.call("POST", path, families[0], 403, json={"kind": "attendance"})
    await api.call("POST", path, "admin-a", 422, json={"kind": "roster"})
    await api.call("POST", path, "admin-a", 422, json={"kind": "workload", "month": "2026-13"})
    await api.call("POST", path, "admin-a", 422, json={"kind": "workload", "extra": 1})
    asked = [
        await api.call("POST", path, "admin-a", 202, json=body)
        for body in ({"kind": "attendance"}, {"kind": "statements"}, {"kind": "workload"})
    ]
    again = await api.call("POST", path, "admin-a", 202, json={"kind": "statements"})
    assert again["id"] == asked[1]["id"]
    fourth = await api.call(
        "POST", path, "admin-a", 409, json={"kind": "workload", "month": "2026-11"}
    )
    assert fourth["slug"] == "too-many-exports"
    async with resources.sessionmaker() as session:
        jobs = (await session.scalars(select(ExportJob.id))).all()
    assert len(jobs) == 3 + 1  # the three asked, and the world's own


async def test_a_job_whose_worker_died_on_every_try_fails_rather_than_kill_the_next(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    job = await _ask(api, world, "statements")
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(ExportJob)
            .where(ExportJob.id == job["id"])
            .values(
                state=ExportState.RUNNING, lease_token="gone", attempts=3,
                leased_until=datetime.now(UTC) - timedelta(seconds=1),
            )
        )  # fmt: skip
    assert await resources.export_worker().run_due() == 0
    failed = await api.call("GET", f"/export-jobs/{job['id']}", "admin-a")
    assert (failed["state"], failed["error"]) == ("failed", "internal-error")


async def test_a_file_is_not_downloaded_by_one_who_has_left_the_school(
    running_term: RunningTerm,
) -> None:
    resources, world, api, _ = running_term
    job = await _ask(api, world, "workload")
    assert await resources.export_worker().run_due() == 1
    await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a")
    await _admin_leaves_the_school(resources, world)
    await api.call("GET", f"/export-jobs/{job['id']}/file", "admin-a", 403)


async def test_two_quick_requests_make_one_job(running_term: RunningTerm) -> None:
    _, world, api, _ = running_term
    path = f"/api/v1/terms/{world.term_a}/export-jobs"
    first, second = await asyncio.gather(
        *(
            api.client.post(path, json={"kind": "attendance"}, headers=world.auth("admin-a"))
            for _ in range(2)
        )
    )
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
