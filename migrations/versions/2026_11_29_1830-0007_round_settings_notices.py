"""round settings and notices: what round two does with small courses, waitlist and basic-care
settings per term, and the notice outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDER_MIN = sa.Enum("cancel", "open", name="under_min_policy")
NOTICE_STATE = sa.Enum("queued", "sent", "no_channel", "failed", name="notice_state")


def upgrade() -> None:
    UNDER_MIN.create(op.get_bind())
    op.add_column(
        "term",
        sa.Column("under_min_after_round2", UNDER_MIN, server_default="cancel", nullable=False),
    )
    op.add_column(
        "term",
        sa.Column("waitlist_enabled", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("term", sa.Column("basic_care_places", sa.Integer(), nullable=True))
    op.add_column(
        "term",
        sa.Column("care_group_limit", sa.SmallInteger(), server_default="40", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_term_care_places_not_negative"), "term", "basic_care_places >= 0"
    )
    op.create_check_constraint(
        op.f("ck_term_care_group_limit_range"), "term", "care_group_limit BETWEEN 1 AND 100"
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("state", NOTICE_STATE, server_default="queued", nullable=False),
        sa.Column(
            "deliver_after",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("task_id", sa.String(length=40), nullable=True),
        sa.Column("receipt", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notice_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notice_dedupe_key")),
    )
    op.create_index(op.f("ix_notice_user_id"), "notice", ["user_id"])
    op.create_index(
        "ix_notice_due",
        "notice",
        ["deliver_after"],
        postgresql_where=sa.text("state = 'queued'"),
    )


def downgrade() -> None:
    op.drop_index("ix_notice_due", table_name="notice")
    op.drop_index(op.f("ix_notice_user_id"), table_name="notice")
    op.drop_table("notice")
    NOTICE_STATE.drop(op.get_bind())
    op.drop_constraint(op.f("ck_term_care_group_limit_range"), "term", type_="check")
    op.drop_constraint(op.f("ck_term_care_places_not_negative"), "term", type_="check")
    op.drop_column("term", "care_group_limit")
    op.drop_column("term", "basic_care_places")
    op.drop_column("term", "waitlist_enabled")
    op.drop_column("term", "under_min_after_round2")
    UNDER_MIN.drop(op.get_bind())
