"""Export jobs: the term-wide exports too large for one request, made by a background worker
(leased, so a crashed worker's job is taken up again) and kept for a day to download

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPORT_KIND = sa.Enum("attendance", "statements", "workload", name="export_kind")
EXPORT_STATE = sa.Enum("queued", "running", "done", "failed", "expired", name="export_state")


def upgrade() -> None:
    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", EXPORT_KIND, nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("state", EXPORT_STATE, server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sheets_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sheets_total", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("fallback_filename", sa.String(length=200), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sheets_done >= 0", name=op.f("ck_export_job_sheets_done_not_negative")),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_export_job_term_id_term"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_export_job_requested_by_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_index(op.f("ix_export_job_term_id"), "export_job", ["term_id"], unique=False)
    op.create_index(
        op.f("ix_export_job_requested_by_id"), "export_job", ["requested_by_id"], unique=False
    )
    op.create_index(
        "ix_export_job_waiting",
        "export_job",
        ["id"],
        unique=False,
        postgresql_where=sa.text("state IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ix_export_job_waiting", table_name="export_job")
    op.drop_index(op.f("ix_export_job_requested_by_id"), table_name="export_job")
    op.drop_index(op.f("ix_export_job_term_id"), table_name="export_job")
    op.drop_table("export_job")
    EXPORT_STATE.drop(op.get_bind())
    EXPORT_KIND.drop(op.get_bind())
