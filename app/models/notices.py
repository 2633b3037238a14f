"""The notices outbox: what each family or teacher is to be told, and what became of it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import NoticeState
from app.models.base import Base, created_at_column, enum_column


class Notice(Base):
    """The transactional outbox: a notice to one user, written in the same transaction as the
    change it reports, delivered afterwards by the notification worker."""

    __tablename__ = "notice"
    __table_args__ = (
        Index(
            "ix_notice_due",
            "deliver_after",
            postgresql_where=text("state = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # What makes a notice the same notice: enqueuing it twice keeps one.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    state: Mapped[NoticeState] = mapped_column(
        enum_column(NoticeState, "notice_state"), server_default=NoticeState.QUEUED.value
    )
    deliver_after: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    # A worker's lease on the notice while it sends; another may take it once this has passed.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    task_id: Mapped[str | None] = mapped_column(String(40))
    # DingTalk's send result, fetched after sending: delivered, or why not.
    receipt: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
