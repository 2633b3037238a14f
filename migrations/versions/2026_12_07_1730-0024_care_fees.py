"""How a term charges basic care (free, per session, or monthly), and the ledger entries for it

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "term",
        sa.Column("care_fee_model", sa.String(length=12), server_default="free", nullable=False),
    )
    op.add_column(
        "term", sa.Column("care_fee_fen", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_term_care_fee"),
        "term",
        "care_fee_model IN ('free', 'per_session', 'monthly')"
        " AND (care_fee_model = 'free') = (care_fee_fen = 0) AND care_fee_fen >= 0",
    )
    op.add_column("ledger_entry", sa.Column("care_period", sa.String(length=12), nullable=True))
    op.create_check_constraint(
        op.f("ck_ledger_entry_care_period_known"),
        "ledger_entry",
        "care_period IS NULL OR (care_period IN ('after_school', 'midday')"
        " AND course_id IS NULL AND kind IN ('charge', 'refund'))",
    )


def downgrade() -> None:
    # The ledger is append-only: a database that charged basic care is not taken back (its
    # entries would lose what they were for).
    charged = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM ledger_entry WHERE care_period IS NOT NULL"))
        .scalar_one()
    )
    if charged:
        raise RuntimeError(f"{charged} ledger entries charge basic care: it cannot be undone")
    op.drop_constraint(op.f("ck_ledger_entry_care_period_known"), "ledger_entry", type_="check")
    op.drop_column("ledger_entry", "care_period")
    op.drop_constraint(op.f("ck_term_care_fee"), "term", type_="check")
    op.drop_column("term", "care_fee_fen")
    op.drop_column("term", "care_fee_model")
