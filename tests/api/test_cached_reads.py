"""The reads the opening hammers (the course list, the seat snapshot): answered from the process's
read cache with an ETag, still checked against every caller, forgotten at once when this process
commits a change and within their time to live when another does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, update

from app.api.cached_reads import GZIP_MIN_BYTES
from app.api.read_entry import ReadEntry
from app.models import Course
from app.resources import Resources
from tests.support.grabbing import add_course, add_families
from tests.support.world import World

API = "/api/v1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _chosen_clock(app: FastAPI) -> Clock:
    clock = Clock()
    resources: Resources = app.state.resources
    resources.reads.clock = clock
    resources.reads.entries.clear()
    return clock


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = app.state.resources.database.sync_engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_the_course_list_answers_its_tag_and_304_for_it(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    _chosen_clock(app)
    url, auth = f"{API}/terms/{world.term_a}/courses", world.auth("parent-1")
    params = {"student_id": world.student_1}
    first = await client.get(url, params=params, headers=auth)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    same = await client.get(url, params=params, headers={**auth, "If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    listed = await client.get(
        url, params=params, headers={**auth, "If-None-Match": f'"stale", W/{etag}'}
    )
    assert listed.status_code == 304
    stale = await client.get(url, params=params, headers={**auth, "If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()
    course = next(c for c in first.json()["items"] if c["id"] == world.course_a)
    engine_left = (await app.state.resources.engine.seats_left(world.term_a))[world.course_a]
    assert course["seats_left"] == engine_left > 0  # a student's view counts the seats too
    assert course["eligible"] is True


async def test_a_repeated_course_list_reads_nothing_from_postgres(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    clock = _chosen_clock(app)
    url, auth = f"{API}/terms/{world.term_a}/courses", world.auth("parent-1")
    params = {"student_id": world.student_1}
    with _statements(app) as first:
        assert (await client.get(url, params=params, headers=auth)).status_code == 200
    with _statements(app) as again:
        assert (await client.get(url, params=params, headers=auth)).status_code == 200
    assert len(first) >= 5
    assert again == []
    clock.now += 5.0  # the caller, then the answer, expire; the term's school and grade stay
    with _statements(app) as later:
        assert (await client.get(url, params=params, headers=auth)).status_code == 200
    assert 0 < len(later) < len(first)


async def test_a_cached_answer_is_still_checked_against_the_caller(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    _chosen_clock(app)
    url = f"{API}/terms/{world.term_a}/courses"
    params = {"student_id": world.student_1}
    assert (await client.get(url, params=params, headers=world.auth("parent-1"))).status_code == 200
    other_child = await client.get(url, params=params, headers=world.auth("parent-2"))
    assert other_child.status_code == 403
    assert other_child.json()["slug"] == "not-your-child"
    other_school = await client.get(url, headers=world.auth("admin-b"))
    assert other_school.status_code == 403
    nobody = await client.get(url, params=params)
    assert nobody.status_code == 401


async def test_changes_show_at_once_from_here_and_within_a_second_from_elsewhere(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    clock = _chosen_clock(app)
    url, auth = f"{API}/terms/{world.term_a}/courses", world.auth("admin-a")

    async def room() -> str:
        listing = await client.get(url, headers=auth)
        return str(next(c["room"] for c in listing.json()["items"] if c["id"] == world.course_a))

    before = await room()
    course = (await client.get(f"{API}/courses/{world.course_a}", headers=auth)).json()
    changed = await client.patch(
        f"{API}/courses/{world.course_a}",
        json={"version": course["version"], "room": "音乐室"},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert before != "音乐室"
    assert await room() == "音乐室"  # committed here: forgotten at once
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():  # another process's write
        await session.execute(
            update(Course).where(Course.id == world.course_a).values(room="美术室")
        )
    assert await room() == "音乐室"
    clock.now += 1.0
    assert await room() == "美术室"


async def test_the_seat_snapshot_follows_the_engine(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    _chosen_clock(app)
    url, auth = f"{API}/terms/{world.term_a}/seats", world.auth("parent-1")
    engine = app.state.resources.engine
    first = await client.get(url, headers=auth)
    assert first.status_code == 200
    left = (await engine.seats_left(world.term_a))[world.course_a]
    assert first.json() == {
        "term_id": world.term_a,
        "seats": {str(k): v for k, v in (await engine.seats_left(world.term_a)).items()},
    }
    unchanged = await client.get(url, headers={**auth, "If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    taken = await client.post(
        f"{API}/terms/{world.term_a}/override-enrollments",
        json={"student_id": world.student_1, "course_id": world.course_a, "reason": "补录"},
        headers=world.auth("admin-a"),
    )
    assert taken.status_code == 201, taken.text
    after = await client.get(url, headers={**auth, "If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["seats"][str(world.course_a)] == left - 1
    assert after.headers["etag"] != first.headers["etag"]


ODD_QUERIES = [
    "student_id=abc",
    "student_id=0",
    "student_id=012",
    "student_id=2147483648",
    "page=0",
    "size=201",
    "size=",
    "kind=nonsense",
    "kind=extension",
    "kind=extension&kind=basic",
    "page=2&size=1",
    "unknown=1",
    "student_id={student}&student_id={student}",
    "student_id={other_school_student}",
]


async def test_the_fast_entry_answers_every_query_as_the_route_does(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    """Each query answered cold (by the route, which fills the cache) and warm (where the entry
    may answer from it) gives the same status and body."""
    clock = _chosen_clock(app)
    url, auth = f"{API}/terms/{world.term_a}/courses", world.auth("parent-1")
    for query in ODD_QUERIES:
        query = query.format(student=world.student_1, other_school_student=world.student_b)
        clock.now += 60  # everything cached before is gone
        cold = await client.get(f"{url}?{query}", headers=auth)
        with _statements(app) as statements:
            warm = await client.get(f"{url}?{query}", headers=auth)
        assert (warm.status_code, warm.json()) == (cold.status_code, cold.json()), query
        if cold.status_code == 200:
            assert warm.headers["etag"] == cold.headers["etag"], query
            assert statements == [], query  # answered from the cache


async def test_a_warm_read_is_answered_in_front_of_the_routes(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    _chosen_clock(app)
    entry = ReadEntry(app)
    auth = world.auth("parent-1")
    courses = f"{API}/terms/{world.term_a}/courses"

    def scope(path: str, query: str = "") -> dict[str, Any]:
        headers = [(b"authorization", auth["Authorization"].encode())]
        return {"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
                "headers": headers, "app": app}  # fmt: skip

    query = f"student_id={world.student_1}"
    assert entry._cached(scope(courses, query), world.term_a, "courses") is None  # cold
    routed = await client.get(f"{courses}?{query}", headers=auth)
    answered = entry._cached(scope(courses, query), world.term_a, "courses")
    assert answered is not None
    assert answered.body == routed.content
    assert answered.headers["etag"] == routed.headers["etag"]
    seats = f"{API}/terms/{world.term_a}/seats"
    assert (await client.get(seats, headers=auth)).status_code == 200
    assert entry._cached(scope(seats), world.term_a, "seats") is not None
    other = entry._cached(
        {**scope(courses, query), "headers": [(b"authorization", b"Bearer not-a-token")]},
        world.term_a,
        "courses",
    )
    assert other is None


async def test_a_long_list_leaves_gzipped_once_with_a_tag_of_its_own(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    """Rendered once, kept in both forms: a client that takes gzip gets the gzipped bytes (from
    the route, then from the fast entry) under their own tag; one that does not, the JSON."""
    _chosen_clock(app)
    resources: Resources = app.state.resources
    for day in range(1, 6):
        await add_course(resources, world.term_a, 20, [day], time(16, 0), time(16, 40))
    url, auth = f"{API}/terms/{world.term_a}/courses", world.auth("parent-1")
    plain = await client.get(url, headers={**auth, "Accept-Encoding": "identity"})
    assert len(plain.content) >= GZIP_MIN_BYTES
    assert "content-encoding" not in plain.headers
    zipped = [await client.get(url, headers={**auth, "Accept-Encoding": "gzip"}) for _ in "ab"]
    for answer in zipped:
        assert answer.headers["content-encoding"] == "gzip"
        assert answer.headers["vary"] == "Accept-Encoding"
        assert answer.json() == plain.json()  # httpx took the gzip off
        assert answer.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    again = await client.get(
        url,
        headers={**auth, "Accept-Encoding": "gzip", "If-None-Match": zipped[0].headers["etag"]},
    )
    assert again.status_code == 304
    refused = await client.get(url, headers={**auth, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


async def test_other_long_json_lists_leave_gzipped(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    resources: Resources = app.state.resources
    await add_families(resources, world.school_a, world.class_a301, world.term_a, 30)
    url, auth = f"{API}/schools/{world.school_a}/students", world.auth("admin-a")
    plain = await client.get(url, headers={**auth, "Accept-Encoding": "identity"})
    assert len(plain.content) >= GZIP_MIN_BYTES
    zipped = await client.get(url, headers={**auth, "Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
    refused = await client.get(url, headers={**auth, "Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers
