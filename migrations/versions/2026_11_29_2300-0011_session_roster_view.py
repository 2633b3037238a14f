"""session_roster: who each session is for (a course's confirmed seats, or a care group's
members), as one view that roll calls, cancellations and the demo all read

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE VIEW session_roster AS
        SELECT s.id AS session_id, e.student_id
        FROM care_session s
        JOIN enrollment e ON e.course_id = s.course_id AND e.status = 'confirmed'
        UNION ALL
        SELECT s.id AS session_id, m.student_id
        FROM care_session s
        JOIN care_group_member m ON m.group_id = s.care_group_id
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW session_roster")
