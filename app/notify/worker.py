"""Delivering the outbox. A worker leases a batch (FOR UPDATE SKIP LOCKED, committed before it
sends), so two workers never send the same notice and a crashed worker's lease runs out for the
next; it records the outcome under its own lease token. Transient failures wait with a growing
back-off; a notice out of attempts, or refused by the channel, is marked failed with the reason."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notify.notifier import (
    MAX_RECIPIENTS,
    Message,
    NoticeRefused,
    Notifier,
    NotifierUnavailable,
)

log = structlog.get_logger("app.notify.worker")

_CLAIM = text(
    """
    UPDATE notice SET claimed_until = :until, claim_token = :token, attempts = attempts + 1
    WHERE id IN (
        SELECT id FROM notice
        WHERE state = 'queued' AND deliver_after <= :now
          AND (claimed_until IS NULL OR claimed_until < :now)
        ORDER BY deliver_after, id
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
    )
    RETURNING notice.id, notice.title, notice.body, notice.attempts,
              (SELECT dingtalk_user_id FROM app_user WHERE app_user.id = notice.user_id)
    """
)

_SENT = text(
    """
    UPDATE notice SET state = 'sent', sent_at = :now, task_id = :task_id,
                      claimed_until = NULL, claim_token = NULL, last_error = NULL
    WHERE id = ANY(:ids) AND claim_token = :token
    """
)

_NO_CHANNEL = text(
    """
    UPDATE notice SET state = 'no_channel', claimed_until = NULL, claim_token = NULL
    WHERE id = ANY(:ids) AND claim_token = :token
    """
)

_FAILED = text(
    """
    UPDATE notice SET state = 'failed', claimed_until = NULL, claim_token = NULL,
                      last_error = :error
    WHERE id = ANY(:ids) AND claim_token = :token
    """
)

_RETRY = text(
    """
    UPDATE notice SET deliver_after = :after, claimed_until = NULL, claim_token = NULL,
                      last_error = :error
    WHERE id = ANY(:ids) AND claim_token = :token
    """
)

_UNCHECKED = text(
    """
    SELECT DISTINCT task_id FROM notice
    WHERE state = 'sent' AND receipt IS NULL AND sent_at < :before
    LIMIT :batch
    """
)

_RECEIPTS = text(
    """
    UPDATE notice SET receipt = CASE
            WHEN u.dingtalk_user_id = ANY(:undelivered_users)
            THEN CAST(:reasons AS jsonb) ->> u.dingtalk_user_id
            ELSE 'delivered' END
    FROM app_user u
    WHERE notice.task_id = :task_id AND notice.state = 'sent' AND u.id = notice.user_id
    """
)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    no_channel: int = 0
    retrying: int = 0
    failed: int = 0
    calls: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 5 s, 10 s, 20 s … up to 30 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 1800))


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession], statement: object, **values: object
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(statement, values)  # type: ignore[call-overload]


class NoticeWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        notifier: Notifier,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        batch: int = 500,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.notifier = notifier
        self.lease = lease
        self.max_attempts = max_attempts
        self.batch = batch

    async def deliver_due(self, now: datetime | None = None) -> DeliveryReport:
        now = now or datetime.now(UTC)
        token = uuid.uuid4()
        report = DeliveryReport()
        async with self.sessionmaker() as session, session.begin():
            claimed = (
                await session.execute(
                    _CLAIM,
                    {"now": now, "until": now + self.lease, "token": token, "batch": self.batch},
                )
            ).all()
        report.claimed = len(claimed)
        # One call per identical message, at most MAX_RECIPIENTS users each.
        groups: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
        without_channel = []
        for notice_id, title, body, attempts, dingtalk_user in claimed:
            if dingtalk_user:
                groups[(title, body)].append((notice_id, dingtalk_user, attempts))
            else:
                without_channel.append(notice_id)
        if without_channel:
            await _record(self.sessionmaker, _NO_CHANNEL, ids=without_channel, token=token)
            report.no_channel = len(without_channel)
        for (title, body), members in groups.items():
            for start in range(0, len(members), MAX_RECIPIENTS):
                chunk = members[start : start + MAX_RECIPIENTS]
                await self._send(Message(title, body), chunk, token, report)
        return report

    async def _send(
        self,
        message: Message,
        chunk: list[tuple[int, str, int]],
        token: uuid.UUID,
        report: DeliveryReport,
    ) -> None:
        ids = [notice_id for notice_id, _, _ in chunk]
        recipients = list(dict.fromkeys(user for _, user, _ in chunk))
        report.calls += 1
        try:
            task_id = await self.notifier.send(recipients, message)
        except NoticeRefused as error:
            await _record(self.sessionmaker, _FAILED, ids=ids, token=token, error=str(error))
            report.failed += len(ids)
            log.error("notice_refused", notices=len(ids), error=str(error))
            return
        except NotifierUnavailable as error:
            attempts = max(a for _, _, a in chunk)
            if attempts >= self.max_attempts:
                await _record(self.sessionmaker, _FAILED, ids=ids, token=token, error=str(error))
                report.failed += len(ids)
                log.error("notice_out_of_attempts", notices=len(ids), error=str(error))
                return
            after = datetime.now(UTC) + backoff(attempts)
            await _record(
                self.sessionmaker, _RETRY, ids=ids, token=token, after=after, error=str(error)
            )
            report.retrying += len(ids)
            return
        await _record(
            self.sessionmaker, _SENT, ids=ids, token=token, task_id=task_id, now=datetime.now(UTC)
        )
        report.sent += len(ids)

    async def check_receipts(self, settle: timedelta = timedelta(seconds=30)) -> int:
        """Ask the channel what became of messages sent at least `settle` ago; tasks checked."""
        async with self.sessionmaker() as session:
            tasks = list(
                await session.scalars(
                    _UNCHECKED, {"before": datetime.now(UTC) - settle, "batch": 50}
                )
            )
        checked = 0
        for task_id in tasks:
            try:
                result = await self.notifier.result(task_id)
            except (NotifierUnavailable, NoticeRefused) as error:
                log.warning("receipt_unavailable", task_id=task_id, error=str(error))
                continue
            if not result.finished:
                continue
            await _record(
                self.sessionmaker,
                _RECEIPTS,
                task_id=task_id,
                undelivered_users=list(result.undelivered),
                reasons=json.dumps(result.undelivered),
            )
            checked += 1
        return checked

    async def run(self, poll_s: float) -> None:
        while True:
            try:
                report = await self.deliver_due()
                if report.claimed:
                    log.info("notices_delivered", **report.__dict__)
                await self.check_receipts()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("notice_worker_retry", error_type=type(error).__name__)
            await asyncio.sleep(poll_s)
