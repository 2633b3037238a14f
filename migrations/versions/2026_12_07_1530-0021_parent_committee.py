"""The parent committee (家委会): a school role that sees the fees and co-signs the settled books
before they are published; the term's spending shares (篇八's by default)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARES = (
    '[{"category": "辅导教师量化考核", "percent": 60}, '
    '{"category": "教学质量奖及四优考核", "percent": 20}, '
    '{"category": "托管成本", "percent": 5}, {"category": "托管设备", "percent": 5}, '
    '{"category": "学区提取", "percent": 10}]'
)


def upgrade() -> None:
    # Added, not used, in this transaction (PostgreSQL allows that since 12).
    op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'parent_committee'")
    op.add_column(
        "term",
        sa.Column(
            "spending_shares",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text(f"'{SHARES}'::jsonb"),
            nullable=False,
        ),
    )
    op.create_table(
        "settlement_cosign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_settlement_cosign_term_id_term"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_settlement_cosign_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_cosign")),
        sa.UniqueConstraint(
            "term_id", "user_id", name=op.f("uq_settlement_cosign_term_id_user_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_settlement_cosign_term_id"), "settlement_cosign", ["term_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_settlement_cosign_term_id"), table_name="settlement_cosign")
    op.drop_table("settlement_cosign")
    op.drop_column("term", "spending_shares")
    # The grants go; the enum keeps its label. Making `role` again without it would mean
    # rebuilding the class teacher's foreign key, check and default that use the type, for a
    # label nothing can hold any more; an upgrade adds it only if it is not there.
    op.execute("DELETE FROM role_grant WHERE role = 'parent_committee'")
