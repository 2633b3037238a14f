"""Each run of the reconciler: the round it followed and what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, SmallInteger
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class ReconcileRun(Base):
    """One run of the reconciler over a term, with what it did (kept for the school's records)."""

    __tablename__ = "reconcile_run"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    round: Mapped[int] = mapped_column(SmallInteger)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
