"""overrides and waitlist: an append-only audit log of administrators' overrides, and the
waitlist for full courses; the care application log becomes append-only too; a student may hold
one confirmed seat per course, with earlier (cancelled, dismissed) ones kept as history

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITLIST_STATE = sa.Enum("waiting", "admitted", "withdrawn", name="waitlist_state")
APPEND_ONLY = ("audit_event", "care_application_event")


def upgrade() -> None:
    op.drop_constraint(op.f("uq_enrollment_student_id_course_id"), "enrollment", type_="unique")
    op.create_index(
        "ix_enrollment_one_confirmed_seat",
        "enrollment",
        ["student_id", "course_id"],
        unique=True,
        postgresql_where=sa.text("status = 'confirmed'"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("length(btrim(reason)) > 0", name=op.f("ck_audit_event_reason_given")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_audit_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_audit_event_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_audit_event_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_audit_event_student_id_student")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_audit_event_term_id_term")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_school_id"), "audit_event", ["school_id"])
    op.create_index(op.f("ix_audit_event_term_id"), "audit_event", ["term_id"])
    op.execute(
        """
        CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", WAITLIST_STATE, server_default="waiting", nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_waitlist_entry_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_waitlist_entry_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_waitlist_entry_term_id_term")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_waitlist_entry_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
        sa.UniqueConstraint(
            "course_id", "student_id", name=op.f("uq_waitlist_entry_course_id_student_id")
        ),
    )
    op.create_index(op.f("ix_waitlist_entry_student_id"), "waitlist_entry", ["student_id"])
    op.create_index(op.f("ix_waitlist_entry_term_id"), "waitlist_entry", ["term_id"])
    op.create_index(
        "ix_waitlist_entry_waiting",
        "waitlist_entry",
        ["course_id", "id"],
        postgresql_where=sa.text("state = 'waiting'"),
    )


def downgrade() -> None:
    op.drop_index("ix_waitlist_entry_waiting", table_name="waitlist_entry")
    op.drop_index(op.f("ix_waitlist_entry_term_id"), table_name="waitlist_entry")
    op.drop_index(op.f("ix_waitlist_entry_student_id"), table_name="waitlist_entry")
    op.drop_table("waitlist_entry")
    WAITLIST_STATE.drop(op.get_bind())
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION refuse_change()")
    op.drop_index(op.f("ix_audit_event_term_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_school_id"), table_name="audit_event")
    op.drop_table("audit_event")
    # Only the live seat of each student and course is kept when going back.
    op.execute(
        "DELETE FROM enrollment e USING enrollment newer "
        "WHERE e.student_id = newer.student_id AND e.course_id = newer.course_id "
        "AND e.id < newer.id"
    )
    op.drop_index("ix_enrollment_one_confirmed_seat", table_name="enrollment")
    op.create_unique_constraint(
        op.f("uq_enrollment_student_id_course_id"), "enrollment", ["student_id", "course_id"]
    )
