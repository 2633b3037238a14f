"""The duty leader's end-of-day clearing check (清校): one a school day, every group dismissed and
every room checked

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clearing_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=False),
        sa.Column("all_groups_dismissed", sa.Boolean(), nullable=False),
        sa.Column("rooms_checked", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_clearing_check_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["checked_by_id"],
            ["app_user.id"],
            name=op.f("fk_clearing_check_checked_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearing_check")),
        sa.UniqueConstraint(
            "school_id", "on_date", name=op.f("uq_clearing_check_school_id_on_date")
        ),
    )
    op.create_index(
        op.f("ix_clearing_check_school_id"), "clearing_check", ["school_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_clearing_check_school_id"), table_name="clearing_check")
    op.drop_table("clearing_check")
