"""school setup: districts, schools, people, terms, courses

Districts own schools; schools own classes, students, terms and courses. Users are guardians and
staff alike; their roles are grants scoped to a school or a district. Reviewed by hand: the
downgrade also drops the enum types, so that upgrade → downgrade → upgrade works.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:07:41.126914+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id_number", sa.String(length=30), nullable=True),
        sa.Column("dingtalk_user_id", sa.String(length=64), nullable=True),
        sa.Column("dev_login", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("dev_login", name=op.f("uq_app_user_dev_login")),
        sa.UniqueConstraint("dingtalk_user_id", name=op.f("uq_app_user_dingtalk_user_id")),
    )
    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("code", name=op.f("uq_district_code")),
    )
    op.create_table(
        "calendar_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("follows_weekday", sa.SmallInteger(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "follows_weekday BETWEEN 1 AND 5",
            name=op.f("ck_calendar_override_follows_school_weekday"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_calendar_override_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_override")),
        sa.UniqueConstraint(
            "district_id", "on_date", name=op.f("uq_calendar_override_district_id_on_date")
        ),
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_refresh_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    op.create_index(op.f("ix_refresh_token_user_id"), "refresh_token", ["user_id"], unique=False)
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_school_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_school_district_id_code")),
    )
    op.create_index(op.f("ix_school_district_id"), "school", ["district_id"], unique=False)
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "parent",
                "class_teacher",
                "care_teacher",
                "external_teacher",
                "duty_leader",
                "school_admin",
                "district_admin",
                name="role",
            ),
            nullable=False,
        ),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(role = 'district_admin' AND district_id IS NOT NULL AND school_id IS NULL) OR (role <> 'district_admin' AND school_id IS NOT NULL AND district_id IS NULL)",
            name=op.f("ck_role_grant_scope_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_role_grant_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_role_grant_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_role_grant_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
        sa.UniqueConstraint(
            "user_id",
            "role",
            "school_id",
            "district_id",
            name=op.f("uq_role_grant_user_id_role_school_id_district_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_role_grant_school_id"), "role_grant", ["school_id"], unique=False)
    op.create_index(op.f("ix_role_grant_user_id"), "role_grant", ["user_id"], unique=False)
    op.create_table(
        "school_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("class_teacher_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("grade BETWEEN 1 AND 6", name=op.f("ck_school_class_grade_range")),
        sa.CheckConstraint("number BETWEEN 1 AND 99", name=op.f("ck_school_class_number_range")),
        sa.ForeignKeyConstraint(
            ["class_teacher_id"],
            ["app_user.id"],
            name=op.f("fk_school_class_class_teacher_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_class_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_class")),
        sa.UniqueConstraint(
            "school_id", "grade", "number", name=op.f("uq_school_class_school_id_grade_number")
        ),
    )
    op.create_index(
        op.f("ix_school_class_class_teacher_id"), "school_class", ["class_teacher_id"], unique=False
    )
    op.create_index(op.f("ix_school_class_school_id"), "school_class", ["school_id"], unique=False)
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("grab_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("round2_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("round2_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_extension_courses", sa.SmallInteger(), server_default="3", nullable=False),
        sa.Column("withdrawal_allowed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("summer_starts_on", sa.Date(), nullable=True),
        sa.Column("summer_ends_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(summer_starts_on IS NULL) = (summer_ends_on IS NULL) AND (summer_ends_on IS NULL OR summer_ends_on >= summer_starts_on)",
            name=op.f("ck_term_summer_range"),
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_term_window_in_order")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_term_dates_in_order")),
        sa.CheckConstraint(
            "grab_opens_at >= opens_at AND grab_opens_at < closes_at",
            name=op.f("ck_term_grab_in_window"),
        ),
        sa.CheckConstraint("max_extension_courses >= 0", name=op.f("ck_term_limit_not_negative")),
        sa.CheckConstraint(
            "round2_closes_at > round2_opens_at AND round2_opens_at >= closes_at",
            name=op.f("ck_term_round2_after_window"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_term_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term")),
    )
    op.create_index(op.f("ix_term_school_id"), "term", ["school_id"], unique=False)
    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("basic", "extension", "hybrid", name="course_kind"), nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=50), server_default="", nullable=False),
        sa.Column("grades", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("min_size", sa.Integer(), nullable=False),
        sa.Column("fee_per_session_fen", sa.Integer(), server_default="0", nullable=False),
        sa.Column("materials_note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "confirmed", "cancelled", name="course_status"),
            server_default="open",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind <> 'basic' OR fee_per_session_fen = 0", name=op.f("ck_course_basic_is_free")
        ),
        sa.CheckConstraint(
            "(start_time IS NULL) = (end_time IS NULL) AND (start_time IS NULL OR start_time < end_time)",
            name=op.f("ck_course_times_in_order"),
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_course_capacity_positive")),
        sa.CheckConstraint(
            "cardinality(grades) > 0 AND grades <@ ARRAY[1,2,3,4,5,6]::smallint[]",
            name=op.f("ck_course_grades_range"),
        ),
        sa.CheckConstraint(
            "cardinality(weekdays) > 0 AND weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
            name=op.f("ck_course_iso_weekdays"),
        ),
        sa.CheckConstraint("fee_per_session_fen >= 0", name=op.f("ck_course_fee_not_negative")),
        sa.CheckConstraint(
            "min_size >= 0 AND min_size <= capacity", name=op.f("ck_course_min_size_range")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["app_user.id"], name=op.f("fk_course_teacher_id_app_user")
        ),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], name=op.f("fk_course_term_id_term")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
    )
    op.create_index(op.f("ix_course_term_id"), "course", ["term_id"], unique=False)
    op.create_table(
        "grade_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("summer_end_time", sa.Time(), nullable=False),
        sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.CheckConstraint("grade BETWEEN 1 AND 6", name=op.f("ck_grade_schedule_grade_range")),
        sa.CheckConstraint(
            "start_time < end_time AND end_time <= summer_end_time",
            name=op.f("ck_grade_schedule_times_in_order"),
        ),
        sa.CheckConstraint(
            "weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
            name=op.f("ck_grade_schedule_iso_weekdays"),
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["term.id"],
            name=op.f("fk_grade_schedule_term_id_term"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_schedule")),
        sa.UniqueConstraint("term_id", "grade", name=op.f("uq_grade_schedule_term_id_grade")),
    )
    op.create_index(op.f("ix_grade_schedule_term_id"), "grade_schedule", ["term_id"], unique=False)
    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("student_number", sa.String(length=32), nullable=False),
        sa.Column("migrant_worker_child", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("single_parent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("left_behind", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("low_income", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["school_class.id"], name=op.f("fk_student_class_id_school_class")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_student_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student")),
        sa.UniqueConstraint(
            "school_id", "student_number", name=op.f("uq_student_school_id_student_number")
        ),
    )
    op.create_index(op.f("ix_student_class_id"), "student", ["class_id"], unique=False)
    op.create_index(op.f("ix_student_school_id"), "student", ["school_id"], unique=False)
    op.create_table(
        "suspension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_suspension_term_id_term"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspension")),
        sa.UniqueConstraint("term_id", "on_date", name=op.f("uq_suspension_term_id_on_date")),
    )
    op.create_index(op.f("ix_suspension_term_id"), "suspension", ["term_id"], unique=False)
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("agreement_version", sa.String(length=20), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["app_user.id"], name=op.f("fk_agreement_signed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_agreement_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_agreement_term_id_term"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
        sa.UniqueConstraint("student_id", "term_id", name=op.f("uq_agreement_student_id_term_id")),
    )
    op.create_index(op.f("ix_agreement_student_id"), "agreement", ["student_id"], unique=False)
    op.create_index(op.f("ix_agreement_term_id"), "agreement", ["term_id"], unique=False)
    op.create_table(
        "binding_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_binding_code_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["app_user.id"], name=op.f("fk_binding_code_used_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binding_code")),
        sa.UniqueConstraint("code", name=op.f("uq_binding_code_code")),
    )
    op.create_index(
        op.f("ix_binding_code_student_id"), "binding_code", ["student_id"], unique=False
    )
    op.create_table(
        "guardianship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "confirmed", "revoked", name="binding_status"),
            nullable=False,
        ),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["app_user.id"],
            name=op.f("fk_guardianship_confirmed_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_guardianship_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_guardianship_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardianship")),
        sa.UniqueConstraint(
            "student_id", "user_id", name=op.f("uq_guardianship_student_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_guardianship_student_id"), "guardianship", ["student_id"], unique=False
    )
    op.create_index(op.f("ix_guardianship_user_id"), "guardianship", ["user_id"], unique=False)
    op.create_table(
        "insurance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(length=100), nullable=False),
        sa.Column("policy_number", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_insurance_valid_range")),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_insurance_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance")),
    )
    op.create_index(
        "ix_insurance_student_validity",
        "insurance",
        ["student_id", "valid_from", "valid_to"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_insurance_student_validity", table_name="insurance")
    op.drop_table("insurance")
    op.drop_index(op.f("ix_guardianship_user_id"), table_name="guardianship")
    op.drop_index(op.f("ix_guardianship_student_id"), table_name="guardianship")
    op.drop_table("guardianship")
    op.drop_index(op.f("ix_binding_code_student_id"), table_name="binding_code")
    op.drop_table("binding_code")
    op.drop_index(op.f("ix_agreement_term_id"), table_name="agreement")
    op.drop_index(op.f("ix_agreement_student_id"), table_name="agreement")
    op.drop_table("agreement")
    op.drop_index(op.f("ix_suspension_term_id"), table_name="suspension")
    op.drop_table("suspension")
    op.drop_index(op.f("ix_student_school_id"), table_name="student")
    op.drop_index(op.f("ix_student_class_id"), table_name="student")
    op.drop_table("student")
    op.drop_index(op.f("ix_grade_schedule_term_id"), table_name="grade_schedule")
    op.drop_table("grade_schedule")
    op.drop_index(op.f("ix_course_term_id"), table_name="course")
    op.drop_table("course")
    op.drop_index(op.f("ix_term_school_id"), table_name="term")
    op.drop_table("term")
    op.drop_index(op.f("ix_school_class_school_id"), table_name="school_class")
    op.drop_index(op.f("ix_school_class_class_teacher_id"), table_name="school_class")
    op.drop_table("school_class")
    op.drop_index(op.f("ix_role_grant_user_id"), table_name="role_grant")
    op.drop_index(op.f("ix_role_grant_school_id"), table_name="role_grant")
    op.drop_table("role_grant")
    op.drop_index(op.f("ix_school_district_id"), table_name="school")
    op.drop_table("school")
    op.drop_index(op.f("ix_refresh_token_user_id"), table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_table("calendar_override")
    op.drop_table("district")
    op.drop_table("app_user")
    for enum_name in ("binding_status", "course_status", "course_kind", "role"):
        sa.Enum(name=enum_name).drop(op.get_bind(), checkfirst=True)
