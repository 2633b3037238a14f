"""Leaving a place by written request (退出申请), and basic care applied for mid-term: the
exit_request table and the term's care_applications_midterm setting

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXIT_STATE = sa.Enum("pending", "approved", "refused", "withdrawn", name="exit_state")


def upgrade() -> None:
    op.add_column(
        "term",
        sa.Column(
            "care_applications_midterm", sa.Boolean(), server_default="false", nullable=False
        ),
    )
    op.create_table(
        "exit_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", EXIT_STATE, server_default="pending", nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("refunded_sessions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_exit_request_term_id_term"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_exit_request_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_exit_request_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_exit_request_requested_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_exit_request_decided_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_request")),
    )
    op.create_index(op.f("ix_exit_request_term_id"), "exit_request", ["term_id"], unique=False)
    op.create_index(
        op.f("ix_exit_request_student_id"), "exit_request", ["student_id"], unique=False
    )
    op.create_index(
        "uq_exit_request_pending",
        "exit_request",
        ["term_id", "student_id", sa.text("coalesce(course_id, 0)")],
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_exit_request_pending", table_name="exit_request")
    op.drop_index(op.f("ix_exit_request_student_id"), table_name="exit_request")
    op.drop_index(op.f("ix_exit_request_term_id"), table_name="exit_request")
    op.drop_table("exit_request")
    EXIT_STATE.drop(op.get_bind())
    op.drop_column("term", "care_applications_midterm")
