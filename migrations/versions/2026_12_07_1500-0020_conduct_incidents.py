"""Conduct incidents (篇十 ①): recorded by teachers on a session, counted against the term's
conduct_limit; policy_action gains conduct_warning

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS_BEFORE = ("absence_warning", "place_given_up", "late_pickup_warning", "dismissal_proposed")


def upgrade() -> None:
    # Added, not used, in this transaction (PostgreSQL allows that since 12).
    op.execute("ALTER TYPE policy_action ADD VALUE IF NOT EXISTS 'conduct_warning'")
    op.add_column(
        "term", sa.Column("conduct_limit", sa.SmallInteger(), server_default="3", nullable=False)
    )
    op.create_check_constraint(op.f("ck_term_conduct_limit_positive"), "term", "conduct_limit >= 1")
    op.create_table(
        "conduct_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_conduct_incident_term_id_term"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["care_session.id"],
            name=op.f("fk_conduct_incident_session_id_care_session"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_conduct_incident_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"],
            name=op.f("fk_conduct_incident_recorded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_incident")),
        sa.UniqueConstraint(
            "session_id", "student_id", name=op.f("uq_conduct_incident_session_id_student_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_conduct_incident_term_id"), "conduct_incident", ["term_id"], unique=False
    )
    op.create_index(
        op.f("ix_conduct_incident_student_id"), "conduct_incident", ["student_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_conduct_incident_student_id"), table_name="conduct_incident")
    op.drop_index(op.f("ix_conduct_incident_term_id"), table_name="conduct_incident")
    op.drop_table("conduct_incident")
    op.drop_constraint(op.f("ck_term_conduct_limit_positive"), "term", type_="check")
    op.drop_column("term", "conduct_limit")
    # An enum value cannot be dropped: the type is made again without it.
    op.execute("DELETE FROM policy_step WHERE action = 'conduct_warning' OR place = 'conduct'")
    op.execute("ALTER TYPE policy_action RENAME TO policy_action_old")
    sa.Enum(*ACTIONS_BEFORE, name="policy_action").create(op.get_bind())
    op.execute(
        "ALTER TABLE policy_step ALTER COLUMN action TYPE policy_action "
        "USING action::text::policy_action"
    )
    op.execute("DROP TYPE policy_action_old")
