"""How a term's round one opens (first come first served, a fair start, ranked choices), its
draw's commitment and seed, and the draw's entries

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "term", sa.Column("opening", sa.String(length=12), server_default="fcfs", nullable=False)
    )
    op.add_column(
        "term", sa.Column("fair_start_s", sa.SmallInteger(), server_default="10", nullable=False)
    )
    op.add_column(
        "term", sa.Column("choices_max", sa.SmallInteger(), server_default="3", nullable=False)
    )
    op.add_column("term", sa.Column("draw_seed", sa.String(length=64), nullable=True))
    op.add_column("term", sa.Column("draw_commitment", sa.String(length=64), nullable=True))
    op.add_column("term", sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_term_opening"),
        "term",
        "opening IN ('fcfs', 'fair_start', 'ranked')"
        " AND fair_start_s BETWEEN 1 AND 600 AND choices_max BETWEEN 1 AND 10"
        " AND (opening = 'fcfs') = (draw_seed IS NULL)"
        " AND (draw_seed IS NULL) = (draw_commitment IS NULL)"
        " AND (drawn_at IS NULL OR opening <> 'fcfs')",
    )
    op.create_table(
        "draw_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("choices", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("given", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cardinality(choices) BETWEEN 1 AND 10", name=op.f("ck_draw_entry_choices_listed")
        ),
        sa.CheckConstraint(
            "(place IS NULL) = (late IS NULL) AND (place IS NULL) = (given IS NULL)",
            name=op.f("ck_draw_entry_drawn_whole"),
        ),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_draw_entry_term_id_term")),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_draw_entry_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_draw_entry_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_entry")),
        sa.UniqueConstraint("term_id", "student_id", name=op.f("uq_draw_entry_term_id_student_id")),
    )
    op.create_index(op.f("ix_draw_entry_student_id"), "draw_entry", ["student_id"])


def downgrade() -> None:
    # Seats given by a draw are explained by its entries: a database that drew is not taken back.
    drawn = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM term WHERE drawn_at IS NOT NULL"))
        .scalar_one()
    )
    if drawn:
        raise RuntimeError(f"{drawn} terms gave seats by a draw: it cannot be undone")
    op.drop_index(op.f("ix_draw_entry_student_id"), table_name="draw_entry")
    op.drop_table("draw_entry")
    op.drop_constraint(op.f("ck_term_opening"), "term", type_="check")
    for column in ("drawn_at", "draw_commitment", "draw_seed", "choices_max", "fair_start_s"):
        op.drop_column("term", column)
    op.drop_column("term", "opening")
