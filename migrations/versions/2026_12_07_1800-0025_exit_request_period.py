"""A request to leave basic care may name one period (midday or after school)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pending_index(*columns: str) -> None:
    op.create_index(
        "uq_exit_request_pending",
        "exit_request",
        ["term_id", "student_id", *(sa.text(column) for column in columns)],
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
    )


def upgrade() -> None:
    op.add_column("exit_request", sa.Column("care_period", sa.String(length=12), nullable=True))
    op.create_check_constraint(
        op.f("ck_exit_request_care_period_known"),
        "exit_request",
        "care_period IS NULL OR (course_id IS NULL AND care_period IN ('after_school', 'midday'))",
    )
    op.drop_index("uq_exit_request_pending", table_name="exit_request")
    _pending_index("coalesce(course_id, 0)", "coalesce(care_period, '')")


def downgrade() -> None:
    # A request for one period becomes a request for basic care as a whole: the place it asked
    # to leave, as the older schema can say it. Where that makes two wait for one place, the
    # later one goes.
    op.execute(
        "DELETE FROM exit_request e USING exit_request o"
        " WHERE e.state = 'pending' AND o.state = 'pending' AND e.course_id IS NULL"
        " AND o.course_id IS NULL AND e.term_id = o.term_id AND e.student_id = o.student_id"
        " AND e.id > o.id"
    )
    op.drop_index("uq_exit_request_pending", table_name="exit_request")
    _pending_index("coalesce(course_id, 0)")
    op.drop_constraint(op.f("ck_exit_request_care_period_known"), "exit_request", type_="check")
    op.drop_column("exit_request", "care_period")
