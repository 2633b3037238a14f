"""A fast entry for the grab, in front of the framework's routing and dependency solving: the
route the opening second hammers. It takes only requests it can vouch for exactly as the route
would (a JSON body of the right shape, a well-formed Idempotency-Key, a valid access token) and
answers them through the same function as the route (`answer_grab`); anything else goes on to the
route, which gives the documented error. The route stays the documented, complete definition."""

from __future__ import annotations

import re
from types import SimpleNamespace

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.enrollments import answer_grab
from app.api.schemas.base import INT4_MAX
from app.api.schemas.enrollments import IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN, GrabIn
from app.domain.errors import AuthenticationFailed
from app.resources import Resources

GRAB_PATH = re.compile(r"^/api/v1/terms/([1-9][0-9]{0,9})/enrollments$")
IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class GrabEntry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # What the request metrics read of the matched route: its path template.
        self.route = SimpleNamespace(path="/api/v1/terms/{term_id}/enrollments")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = GRAB_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST" or int(match.group(1)) > INT4_MAX:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        answer = await self._answer(scope, request, int(match.group(1)), body)
        if answer is None:  # not ours to vouch for: the route answers, with the body replayed
            await self.app(scope, _replay(body), send)
            return
        scope["route"] = self.route
        await answer(scope, receive, send)

    async def _answer(
        self, scope: Scope, request: Request, term_id: int, body: bytes
    ) -> JSONResponse | None:
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip()
        key = _header(scope, b"idempotency-key")
        authorization = _header(scope, b"authorization") or ""
        if content_type != "application/json" or key is None:
            return None
        if len(key) > IDEMPOTENCY_KEY_MAX or not IDEMPOTENCY_KEY.match(key):
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        resources: Resources = scope["app"].state.resources
        try:
            user_id = resources.signer.user_id(token)
            grab = GrabIn.model_validate_json(body)
        except (AuthenticationFailed, ValidationError):
            return None
        return await answer_grab(request, resources, term_id, grab, user_id, key)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
