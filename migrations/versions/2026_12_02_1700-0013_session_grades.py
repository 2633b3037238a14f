"""care_session.grades: a basic-care group's session is for its members of the grades due that
day (a group of grades 2 and 3 meets on Thursday for grade 3 only), and session_roster lists
only them, so that a roll call never marks absent a child who is not due that day

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROSTER_OF_EVERY_MEMBER = """
    CREATE VIEW session_roster AS
    SELECT s.id AS session_id, e.student_id
    FROM care_session s
    JOIN enrollment e ON e.course_id = s.course_id AND e.status = 'confirmed'
    UNION ALL
    SELECT s.id AS session_id, m.student_id
    FROM care_session s
    JOIN care_group_member m ON m.group_id = s.care_group_id
"""
ROSTER_BY_GRADE = (
    ROSTER_OF_EVERY_MEMBER
    + """    JOIN student st ON st.id = m.student_id
    JOIN school_class c ON c.id = st.class_id
    WHERE c.grade = ANY (s.grades)
"""
)

# The seed's weekdays by grade as they stood at this revision (grades 1–2 Mon/Wed/Fri, the
# others Mon–Fri), for terms that kept them; a 调休 day counts as the weekday it follows.
BACKFILL = """
    UPDATE care_session s
    SET grades = ARRAY(
        SELECT g.grade
        FROM care_group cg, unnest(cg.grades) AS g(grade)
        LEFT JOIN grade_schedule gs ON gs.term_id = s.term_id AND gs.grade = g.grade
        WHERE cg.id = s.care_group_id
          AND COALESCE(
                (SELECT o.follows_weekday
                 FROM calendar_override o
                 JOIN school sc ON sc.district_id = o.district_id
                 JOIN term t ON t.school_id = sc.id
                 WHERE t.id = s.term_id AND o.on_date = s.on_date),
                EXTRACT(ISODOW FROM s.on_date)::smallint
              ) = ANY (COALESCE(
                gs.weekdays,
                CASE WHEN g.grade <= 2 THEN ARRAY[1, 3, 5] ELSE ARRAY[1, 2, 3, 4, 5] END::smallint[]
              ))
        ORDER BY g.grade
    )::smallint[]
    WHERE s.care_group_id IS NOT NULL
"""


def upgrade() -> None:
    op.add_column("care_session", sa.Column("grades", postgresql.ARRAY(sa.SmallInteger())))
    op.execute(BACKFILL)
    op.create_check_constraint(
        op.f("ck_care_session_grades_for_care_groups"),
        "care_session",
        "(care_group_id IS NULL) = (grades IS NULL)",
    )
    op.execute("DROP VIEW session_roster")
    op.execute(ROSTER_BY_GRADE)


def downgrade() -> None:
    op.execute("DROP VIEW session_roster")
    op.execute(ROSTER_OF_EVERY_MEMBER)
    op.drop_constraint(
        op.f("ck_care_session_grades_for_care_groups"), "care_session", type_="check"
    )
    op.drop_column("care_session", "grades")
