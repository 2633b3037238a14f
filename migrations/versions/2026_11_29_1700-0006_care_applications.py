"""care applications: parents apply for basic care; each step is kept in an append-only log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE = sa.Enum(
    "applied", "class_approved", "approved", "refused", "withdrawn", name="application_state"
)


def upgrade() -> None:
    op.create_table(
        "care_application",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["app_user.id"],
            name=op.f("fk_care_application_applied_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_care_application_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_care_application_term_id_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_application")),
        sa.UniqueConstraint(
            "term_id", "student_id", name=op.f("uq_care_application_term_id_student_id")
        ),
    )
    op.create_index(op.f("ix_care_application_student_id"), "care_application", ["student_id"])
    op.create_index(op.f("ix_care_application_term_id"), "care_application", ["term_id"])
    op.create_table(
        "care_application_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_care_application_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["care_application.id"],
            name=op.f("fk_care_application_event_application_id_care_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_application_event")),
    )
    op.create_index(
        op.f("ix_care_application_event_application_id"),
        "care_application_event",
        ["application_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_care_application_event_application_id"), table_name="care_application_event"
    )
    op.drop_table("care_application_event")
    op.drop_index(op.f("ix_care_application_term_id"), table_name="care_application")
    op.drop_index(op.f("ix_care_application_student_id"), table_name="care_application")
    op.drop_table("care_application")
    STATE.drop(op.get_bind(), checkfirst=True)
