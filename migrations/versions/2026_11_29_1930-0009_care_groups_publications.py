"""care groups and publications: basic-care groups (编班) with their members, publications
(公示) frozen when published, and objections to them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 19:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = sa.Enum("courses", "care_groups", name="publication_kind")


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "care_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("grades", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_care_group_term_id_term")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_group")),
        sa.UniqueConstraint("term_id", "number", name=op.f("uq_care_group_term_id_number")),
    )
    op.create_index(op.f("ix_care_group_term_id"), "care_group", ["term_id"])
    op.create_table(
        "care_group_member",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["care_group.id"],
            name=op.f("fk_care_group_member_group_id_care_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_care_group_member_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_care_group_member_term_id_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_group_member")),
        sa.UniqueConstraint(
            "term_id", "student_id", name=op.f("uq_care_group_member_term_id_student_id")
        ),
    )
    op.create_index(op.f("ix_care_group_member_group_id"), "care_group_member", ["group_id"])
    op.create_index(op.f("ix_care_group_member_student_id"), "care_group_member", ["student_id"])
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _created_at(),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_publication_period_in_order")),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["app_user.id"],
            name=op.f("fk_publication_published_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_publication_term_id_term")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
    )
    op.create_index(op.f("ix_publication_term_id"), "publication", ["term_id"])
    op.create_table(
        "objection",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["app_user.id"], name=op.f("fk_objection_answered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            name=op.f("fk_objection_publication_id_publication"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_objection_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_objection_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
    )
    op.create_index(op.f("ix_objection_publication_id"), "objection", ["publication_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_objection_publication_id"), table_name="objection")
    op.drop_table("objection")
    op.drop_index(op.f("ix_publication_term_id"), table_name="publication")
    op.drop_table("publication")
    KIND.drop(op.get_bind())
    op.drop_index(op.f("ix_care_group_member_student_id"), table_name="care_group_member")
    op.drop_index(op.f("ix_care_group_member_group_id"), table_name="care_group_member")
    op.drop_table("care_group_member")
    op.drop_index(op.f("ix_care_group_term_id"), table_name="care_group")
    op.drop_table("care_group")
