"""The notice outbox and its worker, against a fake DingTalk: batched, retried, each notice
delivered once even with two workers at once or a worker that dies mid-send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict, Unpack
from unittest.mock import ANY

import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import insert, select

from app.domain.statuses import NoticeState
from app.models import Notice, User
from app.notify.notifier import DingTalkNotifier, Message, Notifier, SendResult
from app.notify.outbox import NewNotice, enqueue
from app.notify.worker import NoticeWorker
from app.resources import Resources
from tests.support.fake_dingtalk import FakeDingTalk

AGENT_ID = 4242


class WorkerOptions(TypedDict, total=False):
    max_attempts: int
    batch: int


@dataclass
class Kit:
    resources: Resources
    dingtalk: FakeDingTalk
    notifier: DingTalkNotifier

    def worker(
        self, notifier: Notifier | None = None, **options: Unpack[WorkerOptions]
    ) -> NoticeWorker:
        return NoticeWorker(self.resources.sessionmaker, notifier or self.notifier, **options)


@pytest.fixture
async def kit(quiet_app: FastAPI) -> AsyncIterator[Kit]:
    resources: Resources = quiet_app.state.resources
    with respx.mock(assert_all_called=False) as router:
        yield Kit(
            resources,
            FakeDingTalk(router).install(),
            DingTalkNotifier(resources.dingtalk, AGENT_ID),
        )


async def users(resources: Resources, count: int, linked: bool = True) -> list[int]:
    async with resources.sessionmaker() as session, session.begin():
        marker = await session.scalar(insert(User).returning(User.id), {"name": "m"})
        rows = [
            {"name": f"家长{i}", "dingtalk_user_id": f"dt-{marker}-{i}" if linked else None}
            for i in range(count)
        ]
        return list(await session.scalars(insert(User).returning(User.id), rows))


async def queue(resources: Resources, user_ids: list[int], body: str | None = None) -> None:
    async with resources.sessionmaker() as session, session.begin():
        await enqueue(
            session,
            [
                NewNotice(u, "test", "标题", body or f"给{u}的通知", f"test:{u}:{body}")
                for u in user_ids
            ],
        )


async def states(resources: Resources) -> dict[NoticeState, int]:
    async with resources.sessionmaker() as session:
        found: dict[NoticeState, int] = {}
        for state in await session.scalars(select(Notice.state)):
            found[state] = found.get(state, 0) + 1
        return found


async def dingtalk_id(resources: Resources, user_id: int) -> str:
    async with resources.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        assert user.dingtalk_user_id
        return user.dingtalk_user_id


async def test_enqueuing_the_same_notice_twice_keeps_one(kit: Kit) -> None:
    [user] = await users(kit.resources, 1)
    await queue(kit.resources, [user], "同一条")
    await queue(kit.resources, [user], "同一条")
    assert await states(kit.resources) == {NoticeState.QUEUED: 1}


async def test_a_notice_is_sent_from_the_agent_and_marked_sent(
    kit: Kit, capsys: pytest.CaptureFixture[str]
) -> None:
    linked = await users(kit.resources, 2)
    [unlinked] = await users(kit.resources, 1, linked=False)
    await queue(kit.resources, [*linked, unlinked])
    report = await kit.worker().deliver_due()
    assert (report.sent, report.no_channel, report.calls) == (2, 1, 2)
    payload = kit.dingtalk.payloads[0]
    assert payload["agent_id"] == AGENT_ID
    assert payload["msg"] == {"msgtype": "markdown", "markdown": {"title": "标题", "text": ANY}}
    assert await states(kit.resources) == {NoticeState.SENT: 2, NoticeState.NO_CHANNEL: 1}
    async with kit.resources.sessionmaker() as session:
        task_ids = set(
            await session.scalars(select(Notice.task_id).where(Notice.state == NoticeState.SENT))
        )
    assert None not in task_ids
    assert await kit.worker().deliver_due() == type(report)()  # nothing left to do
    logged = capsys.readouterr()
    for secret in ("appsecret", "access_token=tok"):
        assert secret not in logged.out + logged.err


async def test_one_message_to_many_goes_in_calls_of_at_most_100(kit: Kit) -> None:
    many = await users(kit.resources, 250)
    await queue(kit.resources, many, "第二轮报名已开始")
    report = await kit.worker().deliver_due()
    assert (report.sent, report.calls) == (250, 3)
    assert sum(kit.dingtalk.received.values()) == 250


async def test_a_busy_dingtalk_is_retried_later_and_a_refusal_fails_with_its_reason(
    kit: Kit,
) -> None:
    [user] = await users(kit.resources, 1)
    await queue(kit.resources, [user])
    kit.dingtalk.scripted = [{"errcode": -1, "errmsg": "系统繁忙"}]
    first = await kit.worker().deliver_due()
    assert (first.retrying, first.sent) == (1, 0)
    assert (await kit.worker().deliver_due()).claimed == 0  # backing off
    later = datetime.now(UTC) + timedelta(seconds=6)
    assert (await kit.worker().deliver_due(now=later)).sent == 1

    [other] = await users(kit.resources, 1)
    await queue(kit.resources, [other])
    kit.dingtalk.scripted = [{"errcode": 33012, "errmsg": "无效的userid"}]
    refused = await kit.worker().deliver_due()
    assert refused.failed == 1
    async with kit.resources.sessionmaker() as session:
        failed = await session.scalar(select(Notice).where(Notice.user_id == other))
    assert failed is not None
    assert failed.state is NoticeState.FAILED
    assert failed.last_error is not None
    assert "33012" in failed.last_error


async def test_a_notice_out_of_attempts_is_failed(kit: Kit) -> None:
    [user] = await users(kit.resources, 1)
    await queue(kit.resources, [user])
    kit.dingtalk.scripted = [{"errcode": -1, "errmsg": "busy"}] * 3
    worker = kit.worker(max_attempts=3)
    moment = datetime.now(UTC)
    for _ in range(3):
        await worker.deliver_due(now=moment)
        moment += timedelta(hours=1)
    assert await states(kit.resources) == {NoticeState.FAILED: 1}


async def test_two_workers_at_once_send_every_notice_once(kit: Kit) -> None:
    many = await users(kit.resources, 300)
    await queue(kit.resources, many)
    reports = await asyncio.gather(*(kit.worker(batch=40).deliver_due() for _ in range(4)))
    while sum(r.sent for r in reports) < 300:
        more = await asyncio.gather(*(kit.worker(batch=40).deliver_due() for _ in range(4)))
        assert sum(r.claimed for r in more) > 0
        reports += more
    assert sum(r.sent for r in reports) == 300
    assert kit.dingtalk.dropped_as_repeat == 0
    assert all(n == 1 for n in kit.dingtalk.received.values())
    assert len(kit.dingtalk.received) == 300


async def test_a_worker_that_dies_while_sending_leaves_the_notice_to_the_next_once(
    kit: Kit,
) -> None:
    [user] = await users(kit.resources, 1)
    await queue(kit.resources, [user])
    kit.dingtalk.hold = asyncio.Event()
    doomed = asyncio.create_task(kit.worker().deliver_due())
    await asyncio.sleep(0.3)
    doomed.cancel()  # the process dies mid-call: DingTalk never took the message
    await asyncio.gather(doomed, return_exceptions=True)
    kit.dingtalk.hold = None
    # Its lease still holds: a second worker does not send the notice at once ...
    assert (await kit.worker().deliver_due()).claimed == 0
    # ... but once the lease has run out it does, and only it.
    after_lease = datetime.now(UTC) + timedelta(seconds=61)
    assert (await kit.worker().deliver_due(now=after_lease)).sent == 1
    assert kit.dingtalk.times_received(await dingtalk_id(kit.resources, user)) == 1


class DiesAfterSending:
    """The worker's process dies after DingTalk accepted the call, before the answer was
    recorded: the notice stays queued and is sent again by the next worker."""

    def __init__(self, inner: DingTalkNotifier) -> None:
        self.inner = inner

    async def send(self, recipients: Sequence[str], message: Message) -> str:
        await self.inner.send(recipients, message)
        raise asyncio.CancelledError

    async def result(self, task_id: str) -> SendResult:
        raise AssertionError("not reached")


async def test_a_resend_after_a_crash_that_hid_the_answer_reaches_the_family_once(
    kit: Kit,
) -> None:
    [user] = await users(kit.resources, 1)
    await queue(kit.resources, [user])
    with pytest.raises(asyncio.CancelledError):
        await kit.worker(DiesAfterSending(kit.notifier)).deliver_due()
    assert await states(kit.resources) == {NoticeState.QUEUED: 1}
    after_lease = datetime.now(UTC) + timedelta(seconds=61)
    assert (await kit.worker().deliver_due(now=after_lease)).sent == 1
    # The same text again: DingTalk's once-a-day rule for identical content drops the repeat.
    assert kit.dingtalk.dropped_as_repeat == 1
    assert kit.dingtalk.times_received(await dingtalk_id(kit.resources, user)) == 1


async def test_receipts_record_who_did_not_get_the_message(kit: Kit) -> None:
    first, second = await users(kit.resources, 2)
    await queue(kit.resources, [first, second], "同一条通知")
    kit.dingtalk.invalid_users = {await dingtalk_id(kit.resources, second)}
    await kit.worker().deliver_due()
    assert await kit.worker().check_receipts(settle=timedelta(0)) == 1
    async with kit.resources.sessionmaker() as session:
        receipts = dict((await session.execute(select(Notice.user_id, Notice.receipt))).all())
    assert receipts == {first: "delivered", second: "invalid_user"}
