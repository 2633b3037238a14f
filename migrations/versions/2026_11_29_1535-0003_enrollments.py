"""enrollments: the seats the engine grants, and each course's seats_taken behind it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:35:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum("confirmed", "cancelled_by_school", "dismissed", name="enrollment_status")


def upgrade() -> None:
    op.add_column(
        "course", sa.Column("seats_taken", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_course_seats_within_capacity"),
        "course",
        "seats_taken >= 0 AND seats_taken <= capacity",
    )
    op.create_table(
        "enrollment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, server_default="confirmed", nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("grab_id", sa.String(length=40), nullable=True),
        sa.Column("grabbed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_enrollment_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_enrollment_student_id_student")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_enrollment_term_id_term")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_enrollment_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
        sa.UniqueConstraint(
            "student_id", "course_id", name=op.f("uq_enrollment_student_id_course_id")
        ),
        sa.UniqueConstraint("term_id", "grab_id", name=op.f("uq_enrollment_term_id_grab_id")),
    )
    op.create_index(op.f("ix_enrollment_course_id"), "enrollment", ["course_id"])
    op.create_index(op.f("ix_enrollment_student_id"), "enrollment", ["student_id"])
    op.create_index(op.f("ix_enrollment_term_id"), "enrollment", ["term_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_enrollment_term_id"), table_name="enrollment")
    op.drop_index(op.f("ix_enrollment_student_id"), table_name="enrollment")
    op.drop_index(op.f("ix_enrollment_course_id"), table_name="enrollment")
    op.drop_table("enrollment")
    STATUS.drop(op.get_bind(), checkfirst=True)
    op.drop_constraint(op.f("ck_course_seats_within_capacity"), "course", type_="check")
    op.drop_column("course", "seats_taken")
