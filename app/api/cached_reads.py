"""Answers to repeated reads, from the process's read cache, with an ETag: a client that sends the
tag it holds back in `If-None-Match` gets `304 Not Modified` and no body.

The tag is the answer's own digest, so every API process gives the same answer the same tag,
whichever one rendered it.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.problems import problem_responses
from app.services.read_cache import ReadCache

# Kept by the client, asked about again each time: a list that changes within seconds at the
# opening is never answered from a browser's or a proxy's cache without asking.
CACHE_CONTROL = "private, no-cache"
NOT_MODIFIED_RESPONSE: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the answer is the one your `If-None-Match` names · 未变化"}
}
ETAG_HEADER = {
    "ETag": {
        "description": "The answer's tag; send it back as `If-None-Match` · 内容标签",
        "schema": {"type": "string"},
    }
}


# Answers at least this long leave gzipped for clients that accept it, compressed once, when the
# first such client asks, and kept with the answer: the course list of a large school is tens of
# kilobytes on a parent's mobile connection.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6


@dataclass
class TaggedBody:
    """An answer as the read cache keeps it: its JSON, its tag, and its gzipped form once asked."""

    etag: str
    body: bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def of(cls, body: bytes) -> TaggedBody:
        return cls(f'"{hashlib.sha256(body).hexdigest()[:32]}"', body)

    @property
    def compressible(self) -> bool:
        return len(self.body) >= GZIP_MIN_BYTES

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, GZIP_LEVEL, mtime=0)
        return self._gzipped


def tagged_responses(*problems: int) -> dict[int | str, dict[str, Any]]:
    """The answers a cached read declares: 200 with its tag, 304, and its problems."""
    return {200: {"headers": ETAG_HEADER}, **NOT_MODIFIED_RESPONSE, **problem_responses(*problems)}


async def cached_answer(
    request: Request,
    cache: ReadCache,
    key: tuple[Hashable, ...],
    ttl_s: float,
    render: Callable[[AsyncSession], Awaitable[BaseModel]],
    tags: tuple[Hashable, ...] = (),
) -> Response:
    """The JSON answer kept under `key` (rendered by `render`, on a session of its own, when it
    is not), or 304."""

    async def make() -> bytes:
        rendered: BaseModel = await cache.query(render)
        return rendered.model_dump_json().encode()

    return await kept_answer(request, cache, key, ttl_s, make, tags)


async def kept_answer(
    request: Request,
    cache: ReadCache,
    key: tuple[Hashable, ...],
    ttl_s: float,
    make: Callable[[], Awaitable[bytes]],
    tags: tuple[Hashable, ...] = (),
) -> Response:
    """The JSON answer kept under `key` (made by `make` when it is not), or 304."""

    async def made() -> TaggedBody:
        return TaggedBody.of(await make())

    answer: TaggedBody = await cache.get_or_load(key, ttl_s, made, tags)
    headers = request.headers
    return tagged_answer(
        headers.get("if-none-match"), accepts_gzip(headers.get("accept-encoding")), answer
    )


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` takes gzip (and does not refuse it with `q=0`)."""
    for coding in (accept_encoding or "").lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def tagged_answer(if_none_match: str | None, gzip_ok: bool, answer: TaggedBody) -> Response:
    """The answer (gzipped when the client takes it and it is long), or 304. The gzipped form
    has a tag of its own: the two are different bytes."""
    zipping = gzip_ok and answer.compressible
    etag = f'{answer.etag[:-1]}-gzip"' if zipping else answer.etag
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if answer.compressible:
        headers["Vary"] = "Accept-Encoding"
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if zipping:
        headers["Content-Encoding"] = "gzip"
        return Response(answer.gzipped(), media_type="application/json", headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)


def catalogue_key(
    term_id: int,
    student_named: bool,
    grade: int | None,
    held: tuple[int, ...] | None,
    kind: str | None,
    page: int,
    size: int,
) -> tuple[Hashable, ...]:
    """One course list answer for every student of a grade holding the same courses:
    eligibility is decided by the grade, clashes by what is held (at the opening, mostly
    nothing yet). `held` None: the page the answers are made from."""
    return ("catalogue", term_id, student_named, grade, held, kind, page, size)


def seats_key(term_id: int) -> tuple[Hashable, ...]:
    return ("seats", term_id)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
