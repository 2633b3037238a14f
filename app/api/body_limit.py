"""A request body over the limit is refused as it arrives (413 `payload-too-large`), before the
framework spools it to disk: multipart uploads are otherwise read to the end whatever their size.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.imports import MAX_FILE_BYTES

# The largest body any route takes: a roster file and its multipart envelope.
MAX_BODY_BYTES = MAX_FILE_BYTES + 1024 * 1024


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self) -> HTTPException:
        # Raised where the body is read: the framework passes HTTP errors from there on to the
        # problem handlers, which answer it as every other problem.
        mb = self.max_bytes // (1024 * 1024)
        return HTTPException(413, f"the request body is larger than {mb} MB")
