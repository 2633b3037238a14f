"""Exports too large for one request: made by a background worker, kept for a day to download."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.statuses import ExportKind, ExportState
from app.models.base import Base, created_at_column, enum_column


class ExportJob(Base):
    __tablename__ = "export_job"
    __table_args__ = (
        CheckConstraint("sheets_done >= 0", name="sheets_done_not_negative"),
        # The worker's queue: what waits, or ran out of its lease.
        Index(
            "ix_export_job_waiting",
            "id",
            postgresql_where=sql("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ExportKind] = mapped_column(enum_column(ExportKind, "export_kind"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)
    month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, for the workload
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[ExportState] = mapped_column(
        enum_column(ExportState, "export_state"), server_default=ExportState.QUEUED.value
    )
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    lease_token: Mapped[str | None] = mapped_column(String(36))
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sheets_done: Mapped[int] = mapped_column(Integer, server_default="0")
    sheets_total: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(200))
    fallback_filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
