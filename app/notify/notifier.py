"""Where notices go: DingTalk work notifications (工作通知), or the log when there is no DingTalk."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from app.identity.dingtalk import DingTalkClient, DingTalkUnreachable

log = structlog.get_logger("app.notify")

SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
RESULT_PATH = "/topapi/message/corpconversation/getsendresult"
# DingTalk takes at most 100 user ids per work-notification call.
MAX_RECIPIENTS = 100
# Answers that say "not now" rather than "never": busy, or over the app's send-rate limits.
_TRANSIENT_ERRCODES = frozenset({-1, 90002, 90005, 90006, 90018})


class NotifierUnavailable(Exception):
    """Not sent this time; try again later."""


class NoticeRefused(Exception):
    """The channel refused the message itself; retrying will not help."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True)
class SendResult:
    """Per recipient, what became of a sent message: those not listed here arrived."""

    finished: bool
    undelivered: dict[str, str] = field(default_factory=dict)


class Notifier(Protocol):
    async def send(self, recipients: Sequence[str], message: Message) -> str:
        """Send one message to up to MAX_RECIPIENTS users; the channel's task id."""
        ...

    async def result(self, task_id: str) -> SendResult: ...


class LogNotifier:
    """Development and rehearsals: the notice is logged (without its text) and counts as sent."""

    async def send(self, recipients: Sequence[str], message: Message) -> str:
        task_id = f"log-{uuid.uuid4().hex[:16]}"
        log.info("notice_logged", task_id=task_id, recipients=len(recipients), title=message.title)
        return task_id

    async def result(self, task_id: str) -> SendResult:
        return SendResult(finished=True)


class DingTalkNotifier:
    """`asyncsend_v2` from the app's agent. The call is asynchronous on DingTalk's side: an
    accepted call gives a task id whose `getsendresult` says who did not receive it. DingTalk
    delivers the same content from one app to one user at most once a day, so a message resent
    after a crash that hid the first answer does not reach the family twice."""

    def __init__(self, client: DingTalkClient, agent_id: int) -> None:
        self._client = client
        self._agent_id = agent_id

    async def _post(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        try:
            body = await self._client.post(path, payload)
        except DingTalkUnreachable as error:
            raise NotifierUnavailable(str(error)) from error
        errcode = body.get("errcode")
        if errcode == 0:
            return body
        message = f"errcode {errcode}: {body.get('errmsg', '')}"
        if errcode in _TRANSIENT_ERRCODES:
            raise NotifierUnavailable(message)
        raise NoticeRefused(message)

    async def send(self, recipients: Sequence[str], message: Message) -> str:
        if not 0 < len(recipients) <= MAX_RECIPIENTS:
            raise ValueError(f"1 to {MAX_RECIPIENTS} recipients per call")
        body = await self._post(
            SEND_PATH,
            {
                "agent_id": self._agent_id,
                "userid_list": ",".join(recipients),
                "msg": {
                    "msgtype": "markdown",
                    "markdown": {"title": message.title, "text": message.body},
                },
            },
        )
        return str(body.get("task_id", ""))

    async def result(self, task_id: str) -> SendResult:
        body = await self._post(RESULT_PATH, {"agent_id": self._agent_id, "task_id": int(task_id)})
        outcome = body.get("send_result")
        if not isinstance(outcome, dict):
            return SendResult(finished=False)
        undelivered: dict[str, str] = {}
        for key, reason in (
            ("invalid_user_id_list", "invalid_user"),
            ("forbidden_user_id_list", "forbidden"),
            ("failed_user_id_list", "failed"),
        ):
            for user in outcome.get(key) or []:
                undelivered[str(user)] = reason
        for item in outcome.get("forbidden_list") or []:
            if isinstance(item, dict) and item.get("userid"):
                undelivered[str(item["userid"])] = "over_limit"
        return SendResult(finished=True, undelivered=undelivered)
