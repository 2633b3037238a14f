"""Fixtures of the API tests."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from app.resources import Resources
from app.services.common import school_today
from tests.support.grabbing import add_families
from tests.support.term import Api, RunningTerm, a_term_around_today
from tests.support.world import build_world, sign_in_everyone


@pytest.fixture
async def running_term(
    school_day: date, quiet_app: FastAPI, quiet_client: httpx.AsyncClient
) -> RunningTerm:
    """Term A around the chosen day (`school_day`, worked as a Tuesday so that course A meets),
    course A opened with six children, its sessions generated."""
    resources: Resources = quiet_app.state.resources
    world = await sign_in_everyone(quiet_client, await build_world(resources.sessionmaker))
    families = await add_families(resources, world.school_a, world.class_a301, world.term_a, 6)
    await a_term_around_today(resources, world, families)
    api = Api(quiet_client, world)
    await api.call(
        "POST", f"/districts/{world.district_id}/calendar-overrides", "district-admin", 201,
        json={"on_date": school_today().isoformat(), "is_workday": True, "follows_weekday": 2,
              "name": "调休"},
    )  # fmt: skip
    await api.call("POST", f"/terms/{world.term_a}/sessions/generate", "admin-a")
    return resources, world, api, families
