"""A fast entry for the reads every family repeats before the opening (the course list and the
seat snapshot), in front of the framework's routing and dependency solving, like the grab's
(app/api/grab_entry.py). It answers only from the read cache, and only when every part of the
answer is there, under the very keys the routes keep them: the caller (from a valid access token),
what decides their access (checked against them, as the route checks it) and the answer. Anything
else, a request it cannot parse exactly as the route would, a caller the checks refuse, an entry
missing or expired, goes on to the route, which answers and fills the cache."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.cached_reads import (
    TaggedBody,
    accepts_gzip,
    catalogue_key,
    seats_key,
    tagged_answer,
)
from app.api.pagination import DEFAULT_PAGE, DEFAULT_SIZE, MAX_PAGE, MAX_SIZE
from app.api.schemas.base import INT4_MAX
from app.domain.access import Principal
from app.domain.errors import DomainError
from app.models import CourseKind
from app.resources import Resources
from app.services.courses import cached_catalogue_access
from app.services.read_cache import reader_key

READ_PATH = re.compile(r"^/api/v1/terms/([1-9][0-9]{0,9})/(courses|seats)$")
NUMBER = re.compile(r"^[1-9][0-9]{0,9}$")
KINDS = frozenset(kind.value for kind in CourseKind)
ROUTES = {
    "courses": SimpleNamespace(path="/api/v1/terms/{term_id}/courses"),
    "seats": SimpleNamespace(path="/api/v1/terms/{term_id}/seats"),
}


def _headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    authorization = if_none_match = accept_encoding = None
    for key, value in scope["headers"]:
        if key == b"authorization":
            authorization = value.decode("latin-1")
        elif key == b"if-none-match":
            if_none_match = value.decode("latin-1")
        elif key == b"accept-encoding":
            accept_encoding = value.decode("latin-1")
    return authorization, if_none_match, accept_encoding


def _number(text: str | None, default: int, highest: int) -> int | None:
    if text is None:
        return default
    if not NUMBER.match(text) or int(text) > highest:
        return None
    return int(text)


class ReadEntry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = READ_PATH.match(scope["path"]) if scope["type"] == "http" else None
        answer = read = None
        if match is not None and scope["method"] == "GET":
            read = match.group(2)
            answer = self._cached(scope, int(match.group(1)), read)
        if answer is None or read is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = ROUTES[read]
        await answer(scope, receive, send)

    def _cached(self, scope: Scope, term_id: int, read: str) -> Response | None:
        authorization, if_none_match, accept_encoding = _headers(scope)
        scheme, _, token = (authorization or "").partition(" ")
        if term_id > INT4_MAX or scheme.lower() != "bearer" or not token:
            return None
        resources: Resources = scope["app"].state.resources
        reads = resources.reads
        try:
            principal: Principal | None = reads.get(reader_key(resources.signer.user_id(token)))
        except DomainError:
            return None
        if principal is None:
            return None
        if read == "seats":
            key = seats_key(term_id)
            student_id = None
        else:
            query = self._query(scope)
            if query is None:
                return None
            student_id, kind, page, size = query
            key = None  # the grade comes with the access below
        access = cached_catalogue_access(reads, principal, term_id, student_id)
        if access is None:
            return None  # a part not cached, or a refusal: the route gives it its answer
        if key is None:
            key = catalogue_key(
                term_id, student_id is not None, access.grade, access.held, kind, page, size
            )
        found: TaggedBody | None = reads.get(key)
        if found is None:
            return None
        return tagged_answer(if_none_match, accepts_gzip(accept_encoding), found)

    @staticmethod
    def _query(scope: Scope) -> tuple[int | None, str | None, int, int] | None:
        """The course list's parameters, when each is given once and well-formed; others are
        ignored, as the route ignores them."""
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        given: dict[str, str] = {}
        for name, value in pairs:
            if name in given:
                return None
            given[name] = value
        student = given.get("student_id")
        student_id = None if student is None else _number(student, 0, INT4_MAX)
        kind = given.get("kind")
        page = _number(given.get("page"), DEFAULT_PAGE, MAX_PAGE)
        size = _number(given.get("size"), DEFAULT_SIZE, MAX_SIZE)
        if (student is not None and student_id is None) or page is None or size is None:
            return None
        if kind is not None and kind not in KINDS:
            return None
        return student_id, kind, page, size
