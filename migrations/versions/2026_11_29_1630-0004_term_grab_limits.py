"""term grab limits: a term may tighten or lift the deployment's grab rate limits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("term", sa.Column("grab_limit_per_parent", sa.String(length=40), nullable=True))
    op.add_column("term", sa.Column("grab_limit_per_ip", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("term", "grab_limit_per_ip")
    op.drop_column("term", "grab_limit_per_parent")
