"""Midday care (午托): a term's midday window, and the period of every course, basic-care
application, care group, group membership and session

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERIOD_KNOWN = "period IN ('after_school', 'midday')"
PERIOD_TABLES = ("course", "care_application", "care_group", "care_group_member", "care_session")
# Each unique key that a child's or a group's period now joins: (table, old columns, new).
KEYS = (
    ("care_application", ("term_id", "student_id"), ("term_id", "student_id", "period")),
    ("care_group", ("term_id", "number"), ("term_id", "period", "number")),
    ("care_group_member", ("term_id", "student_id"), ("term_id", "student_id", "period")),
)


def _key_name(table: str, columns: Sequence[str]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    op.add_column("term", sa.Column("midday_start_time", sa.Time(), nullable=True))
    op.add_column("term", sa.Column("midday_end_time", sa.Time(), nullable=True))
    op.add_column("term", sa.Column("midday_summer_end_time", sa.Time(), nullable=True))
    op.create_check_constraint(
        op.f("ck_term_midday_window"),
        "term",
        "(midday_start_time IS NULL) = (midday_end_time IS NULL)"
        " AND (midday_end_time IS NULL) = (midday_summer_end_time IS NULL)"
        " AND (midday_start_time IS NULL OR"
        " (midday_start_time < midday_end_time AND midday_end_time <= midday_summer_end_time))",
    )
    for table in PERIOD_TABLES:
        op.add_column(
            table,
            sa.Column(
                "period", sa.String(length=12), server_default="after_school", nullable=False
            ),
        )
        op.create_check_constraint(op.f(f"ck_{table}_period_known"), table, PERIOD_KNOWN)
    for table, old, new in KEYS:
        op.drop_constraint(op.f(_key_name(table, old)), table, type_="unique")
        op.create_unique_constraint(op.f(_key_name(table, new)), table, list(new))


def downgrade() -> None:
    # Midday care cannot be told apart from after-school care once the period is gone: a
    # database that holds any is not taken back (remove the midday offerings first).
    connection = op.get_bind()
    for table in PERIOD_TABLES:
        held = connection.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE period = 'midday'")  # noqa: S608
        ).scalar_one()
        if held:
            raise RuntimeError(f"{table} holds {held} midday row(s): remove midday care first")
    for table, old, new in reversed(KEYS):
        op.drop_constraint(op.f(_key_name(table, new)), table, type_="unique")
        op.create_unique_constraint(op.f(_key_name(table, old)), table, list(old))
    for table in reversed(PERIOD_TABLES):
        op.drop_constraint(op.f(f"ck_{table}_period_known"), table, type_="check")
        op.drop_column(table, "period")
    op.drop_constraint(op.f("ck_term_midday_window"), "term", type_="check")
    op.drop_column("term", "midday_summer_end_time")
    op.drop_column("term", "midday_end_time")
    op.drop_column("term", "midday_start_time")
