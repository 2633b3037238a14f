"""People from outside taken on as teachers (外聘人员): vetted by the school and the parent
committee, engaged by a three-party agreement

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outside_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=100), server_default="", nullable=False),
        sa.Column("state", sa.String(length=10), server_default="proposed", nullable=False),
        sa.Column("school_approved", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("committee_approved", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("refusal_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("school_party", sa.String(length=100), server_default="", nullable=False),
        sa.Column("parent_party", sa.String(length=100), server_default="", nullable=False),
        sa.Column("person_party", sa.String(length=100), server_default="", nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("engaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('retired_teacher', 'skilled_parent', 'volunteer', 'provider_teacher')",
            name=op.f("ck_outside_staff_kind_known"),
        ),
        sa.CheckConstraint(
            "state IN ('proposed', 'vetted', 'engaged', 'refused')",
            name=op.f("ck_outside_staff_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_outside_staff_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_outside_staff_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["app_user.id"],
            name=op.f("fk_outside_staff_proposed_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outside_staff")),
    )  # fmt: skip
    op.create_index(op.f("ix_outside_staff_school_id"), "outside_staff", ["school_id"])
    op.create_index(op.f("ix_outside_staff_user_id"), "outside_staff", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outside_staff_user_id"), table_name="outside_staff")
    op.drop_index(op.f("ix_outside_staff_school_id"), table_name="outside_staff")
    op.drop_table("outside_staff")
