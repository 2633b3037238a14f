"""database_identity: one row naming this database, so that the seat engine knows which
database a term in Redis was armed from (a Redis shared with, or left over from, another
database is never trusted)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One row at most (its key can only be true); gen_random_uuid() is built in since 13.
    op.create_table(
        "database_identity",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("singleton", name=op.f("ck_database_identity_singleton")),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_database_identity")),
    )  # fmt: skip
    op.execute("INSERT INTO database_identity DEFAULT VALUES")


def downgrade() -> None:
    op.drop_table("database_identity")
