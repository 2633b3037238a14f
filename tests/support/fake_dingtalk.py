"""A fake of DingTalk's work-notification API (the third-party edge), with the documented rules
that matter here: at most 100 user ids per call, and the same content from one app reaches one
user at most once a day."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

import httpx
import respx

BASE = "https://oapi.dingtalk.com"


@dataclass
class FakeDingTalk:
    router: respx.Router
    calls: int = 0
    received: Counter[tuple[str, str]] = field(default_factory=Counter)  # (user, text) → times
    dropped_as_repeat: int = 0
    payloads: list[dict[str, object]] = field(default_factory=list)
    invalid_users: set[str] = field(default_factory=set)
    # Answers to give before the normal one, e.g. [{"errcode": -1, "errmsg": "busy"}].
    scripted: list[dict[str, object]] = field(default_factory=list)
    hold: asyncio.Event | None = None  # when set, a send waits for it (a hanging DingTalk)
    _tasks: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _task_users: dict[int, list[str]] = field(default_factory=dict)

    def install(self) -> FakeDingTalk:
        self.router.get(f"{BASE}/gettoken").mock(
            return_value=httpx.Response(
                200, json={"errcode": 0, "access_token": "tok", "expires_in": 7200}
            )
        )
        self.router.post(f"{BASE}/topapi/message/corpconversation/asyncsend_v2").mock(
            side_effect=self._send
        )
        self.router.post(f"{BASE}/topapi/message/corpconversation/getsendresult").mock(
            side_effect=self._result
        )
        return self

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if self.hold is not None:
            await self.hold.wait()
        self.calls += 1
        if self.scripted:
            return httpx.Response(200, json=self.scripted.pop(0))
        payload = json.loads(request.content)
        self.payloads.append(payload)
        users = payload["userid_list"].split(",")
        assert len(users) <= 100
        text = payload["msg"]["markdown"]["text"]
        for user in users:
            if self.received[(user, text)]:
                self.dropped_as_repeat += 1
            else:
                self.received[(user, text)] += 1
        task_id = next(self._tasks)
        self._task_users[task_id] = users
        return httpx.Response(200, json={"errcode": 0, "task_id": task_id, "request_id": "r"})

    async def _result(self, request: httpx.Request) -> httpx.Response:
        task_id = json.loads(request.content)["task_id"]
        users = self._task_users.get(task_id, [])
        invalid = [u for u in users if u in self.invalid_users]
        return httpx.Response(
            200,
            json={
                "errcode": 0,
                "send_result": {
                    "invalid_user_id_list": invalid,
                    "forbidden_user_id_list": [],
                    "failed_user_id_list": [],
                    "read_user_id_list": [],
                    "unread_user_id_list": [u for u in users if u not in invalid],
                    "forbidden_list": [],
                },
            },
        )

    def times_received(self, user: str) -> int:
        return sum(n for (u, _), n in self.received.items() if u == user)
