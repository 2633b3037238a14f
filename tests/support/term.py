"""Helpers for tests of the running term: an API caller, a term around today with course A
opened, the outbox's notices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from app.domain.statuses import CourseStatus
from app.models import CareGroupMember, Course, Enrollment, Notice, Term
from app.resources import Resources
from app.services.common import school_today
from tests.support.grabbing import Family
from tests.support.world import World

API = "/api/v1"


class Api:
    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client, self.world = client, world

    async def call(
        self, method: str, path: str, who: str | Family, expect: int = 200, **kwargs: Any
    ) -> Any:
        headers = who.headers if isinstance(who, Family) else self.world.auth(who)
        response = await self.client.request(method, f"{API}{path}", headers=headers, **kwargs)
        assert response.status_code == expect, response.text
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response


async def a_term_around_today(
    resources: Resources, world: World, families: list[Family], summer_until_today: bool = False
) -> None:
    """Term A from two weeks ago to three weeks ahead, registration over, course A opened with
    the families' children, the first four of them also in basic-care group 1; with
    `summer_until_today`, on the summer schedule (夏令时) from its first day to today."""
    today = school_today()
    long_ago = datetime.now(UTC) - timedelta(days=40)
    summer = (today - timedelta(days=14), today) if summer_until_today else (None, None)
    async with resources.sessionmaker() as session, session.begin():
        await session.execute(
            update(Term)
            .where(Term.id == world.term_a)
            .values(
                starts_on=today - timedelta(days=14), ends_on=today + timedelta(days=21),
                opens_at=long_ago, grab_opens_at=long_ago, closes_at=long_ago + timedelta(days=1),
                round2_opens_at=long_ago + timedelta(days=1),
                round2_closes_at=long_ago + timedelta(days=2),
                summer_starts_on=summer[0], summer_ends_on=summer[1],
            )
        )  # fmt: skip
        await session.execute(
            insert(Enrollment),
            [
                {"term_id": world.term_a, "student_id": f.student_id, "course_id": world.course_a,
                 "round": 1, "grabbed_at": long_ago, "created_at": long_ago}
                for f in families
            ],
        )  # fmt: skip
        await session.execute(
            update(Course)
            .where(Course.id == world.course_a)
            .values(status=CourseStatus.CONFIRMED, seats_taken=len(families))
        )
        await session.execute(
            insert(CareGroupMember),
            [
                {"group_id": world.care_group, "term_id": world.term_a, "student_id": f.student_id}
                for f in families[:4]
            ],
        )


async def notices(resources: Resources, kind: str) -> Counter[int]:
    async with resources.sessionmaker() as session:
        rows = await session.scalars(select(Notice.user_id).where(Notice.kind == kind))
        return Counter(rows.all())


async def take_roll_call(
    api: Api, session_id: int, absent: AbstractSet[int] = frozenset()
) -> dict[str, Any]:
    sheet = await api.call("GET", f"/sessions/{session_id}/attendance", "care-a")
    marks = [
        {
            "student_id": s["student_id"],
            "status": "absent" if s["student_id"] in absent else "present",
        }
        for s in sheet["students"]
    ]  # fmt: skip
    result: dict[str, Any] = await api.call(
        "PUT", f"/sessions/{session_id}/attendance", "care-a", json={"marks": marks}
    )
    return result


RunningTerm = tuple[Resources, World, Api, list[Family]]
"""Term A around today with course A opened and its sessions generated (the `running_term`
fixture): the app's resources, the world, an API caller and the course's families."""
