"""Authorisation ends when it should: a class's teacher must hold the class_teacher grant of its
school, and revoking the grant clears the class's teacher in the same statement; refresh tokens
belong to a family (one per sign-in) so that reusing a rotated one can end the whole family

Revision ID: 0014auth
Revises: 0013
Create Date: 2026-12-03 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014auth"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint(
        op.f("uq_role_grant_user_id_role_school_id"), "role_grant", ["user_id", "role", "school_id"]
    )
    op.add_column(
        "school_class",
        sa.Column(
            "class_teacher_role",
            postgresql.ENUM(name="role", create_type=False),
            server_default="class_teacher",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_school_class_class_teacher_role"),
        "school_class",
        "class_teacher_role = 'class_teacher'",
    )
    # Classes whose teacher lost the grant before the rule held lose their teacher now.
    op.execute(
        """
        UPDATE school_class c SET class_teacher_id = NULL
        WHERE class_teacher_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM role_grant g
            WHERE g.user_id = c.class_teacher_id AND g.role = 'class_teacher'
              AND g.school_id = c.school_id
        )
        """
    )
    # The column list after SET NULL (PostgreSQL 15) clears only the teacher, not the school;
    # the check waits for the commit (the action on delete does not), so that a class and its
    # teacher's grant may be written in either order.
    op.execute(
        """
        ALTER TABLE school_class ADD CONSTRAINT fk_school_class_class_teacher_id_role_grant
        FOREIGN KEY (class_teacher_id, class_teacher_role, school_id)
        REFERENCES role_grant (user_id, role, school_id)
        ON DELETE SET NULL (class_teacher_id) DEFERRABLE INITIALLY DEFERRED
        """
    )
    op.add_column(
        "refresh_token",
        sa.Column(
            "family_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
    )
    op.create_index(op.f("ix_refresh_token_family_id"), "refresh_token", ["family_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_token_family_id"), table_name="refresh_token")
    op.drop_column("refresh_token", "family_id")
    op.drop_constraint(
        "fk_school_class_class_teacher_id_role_grant", "school_class", type_="foreignkey"
    )
    op.drop_constraint(op.f("ck_school_class_class_teacher_role"), "school_class", type_="check")
    op.drop_column("school_class", "class_teacher_role")
    op.drop_constraint(op.f("uq_role_grant_user_id_role_school_id"), "role_grant", type_="unique")
