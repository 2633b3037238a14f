"""the term as it runs: sessions, roll calls, handovers, leave, policy steps, the fee ledger
(append-only), duty records, parents' feedback, and the term's policy and workload settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSION_STATUS = sa.Enum("scheduled", "cancelled", name="session_status")
CANCEL_CAUSE = sa.Enum("suspension", "school", "force_majeure", name="session_cancel_cause")
ATTENDANCE_STATUS = sa.Enum("present", "absent", "leave", "late", name="attendance_status")
LEAVE_STATE = sa.Enum("pending", "approved", "refused", "withdrawn", name="leave_state")
POLICY_ACTION = sa.Enum(
    "absence_warning",
    "place_given_up",
    "late_pickup_warning",
    "dismissal_proposed",
    name="policy_action",
)
LEDGER_KIND = sa.Enum("charge", "refund", "payment", "settlement", name="ledger_kind")
DUTY_KIND = sa.Enum("patrol", "activity", name="duty_kind")
ENUMS = (
    SESSION_STATUS,
    CANCEL_CAUSE,
    ATTENDANCE_STATUS,
    LEAVE_STATE,
    POLICY_ACTION,
    LEDGER_KIND,
    DUTY_KIND,
)

TERM_SETTINGS = (
    ("absence_limit", sa.SmallInteger(), "3"),
    ("late_pickup_limit", sa.SmallInteger(), "3"),
    ("late_pickup_grace_minutes", sa.SmallInteger(), "10"),
    ("subsidy_fen_per_student_hour", sa.Integer(), "200"),
    ("points_per_supervision", sa.SmallInteger(), "50"),
    ("points_per_activity", sa.SmallInteger(), "50"),
    ("points_per_patrol", sa.SmallInteger(), "40"),
)
TERM_CHECKS = (
    ("policy_limits_positive", "absence_limit >= 1 AND late_pickup_limit >= 1"),
    ("grace_not_negative", "late_pickup_grace_minutes >= 0"),
    (
        "rates_not_negative",
        "subsidy_fen_per_student_hour >= 0 AND points_per_supervision >= 0"
        " AND points_per_activity >= 0 AND points_per_patrol >= 0",
    ),
)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["app_user.id"], name=op.f(f"fk_{table}_{column}_app_user")
    )


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    for name, kind, default in TERM_SETTINGS:
        op.add_column("term", sa.Column(name, kind, server_default=default, nullable=False))
    op.add_column("term", sa.Column("billed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("term", sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
    for name, condition in TERM_CHECKS:
        op.create_check_constraint(op.f(f"ck_term_{name}"), "term", condition)

    op.create_table(
        "care_session",
        _id(),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("care_group_id", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", SESSION_STATUS, server_default="scheduled", nullable=False),
        sa.Column("cancel_cause", CANCEL_CAUSE, nullable=True),
        sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("roll_call_by_id", sa.Integer(), nullable=True),
        sa.Column("roll_call_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancel_cause IS NOT NULL)",
            name=op.f("ck_care_session_cancel_has_cause"),
        ),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (care_group_id IS NULL)",
            name=op.f("ck_care_session_course_or_care_group"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_care_session_times_in_order")),
        _fk("care_session", "care_group_id", "care_group", ondelete="CASCADE"),
        _fk("care_session", "course_id", "course"),
        _user_fk("care_session", "roll_call_by_id"),
        _fk("care_session", "term_id", "term"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_session")),
        sa.UniqueConstraint(
            "care_group_id", "on_date", name=op.f("uq_care_session_care_group_id_on_date")
        ),
        sa.UniqueConstraint("course_id", "on_date", name=op.f("uq_care_session_course_id_on_date")),
    )
    _index("care_session", "term_id")

    op.create_table(
        "attendance",
        _id(),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("status", ATTENDANCE_STATUS, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_up_late", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("attendance", "recorded_by_id"),
        _fk("attendance", "session_id", "care_session", ondelete="CASCADE"),
        _fk("attendance", "student_id", "student"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint(
            "session_id", "student_id", name=op.f("uq_attendance_session_id_student_id")
        ),
    )
    _index("attendance", "student_id")

    op.create_table(
        "handover",
        _id(),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("from_teacher", sa.String(length=50), nullable=False),
        sa.Column("children", sa.SmallInteger(), nullable=False),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.CheckConstraint("children >= 0", name=op.f("ck_handover_children_not_negative")),
        _user_fk("handover", "recorded_by_id"),
        _fk("handover", "session_id", "care_session", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
    )
    _index("handover", "session_id")

    op.create_table(
        "leave_request",
        _id(),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", LEAVE_STATE, server_default="pending", nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        _created_at(),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_leave_request_days_in_order")),
        _user_fk("leave_request", "decided_by_id"),
        _user_fk("leave_request", "requested_by_id"),
        _fk("leave_request", "student_id", "student"),
        _fk("leave_request", "term_id", "term"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_request")),
    )
    _index("leave_request", "student_id", "term_id")

    op.create_table(
        "policy_step",
        _id(),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("action", POLICY_ACTION, nullable=False),
        sa.Column("place", sa.String(length=30), nullable=False),
        sa.Column("count", sa.SmallInteger(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), server_default="", nullable=False),
        _created_at(),
        _user_fk("policy_step", "decided_by_id"),
        _fk("policy_step", "student_id", "student"),
        _fk("policy_step", "term_id", "term"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_step")),
        sa.UniqueConstraint(
            "term_id",
            "student_id",
            "action",
            "place",
            name=op.f("uq_policy_step_term_id_student_id_action_place"),
        ),
    )
    _index("policy_step", "student_id", "term_id")

    op.create_table(
        "ledger_entry",
        _id(),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", LEDGER_KIND, nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.BigInteger(), nullable=True),
        sa.Column("sessions", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "(kind = 'charge' AND amount_fen > 0)"
            " OR (kind IN ('refund', 'payment') AND amount_fen < 0)"
            " OR (kind = 'settlement' AND amount_fen <> 0)",
            name=op.f("ck_ledger_entry_amount_sign_by_kind"),
        ),
        _fk("ledger_entry", "course_id", "course"),
        _user_fk("ledger_entry", "recorded_by_id"),
        _fk("ledger_entry", "session_id", "care_session"),
        _fk("ledger_entry", "student_id", "student"),
        _fk("ledger_entry", "term_id", "term"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_ledger_entry_dedupe_key")),
    )
    _index("ledger_entry", "student_id", "term_id")
    # The ledger is append-only like the audit log (refuse_change() comes from 0008).
    op.execute(
        "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )

    op.create_table(
        "duty_record",
        _id(),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", DUTY_KIND, nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("incidents", sa.Text(), server_default="", nullable=False),
        _created_at(),
        _fk("duty_record", "school_id", "school"),
        _user_fk("duty_record", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_record")),
    )
    _index("duty_record", "school_id", "user_id")

    op.create_table(
        "feedback",
        _id(),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        _user_fk("feedback", "answered_by_id"),
        _user_fk("feedback", "author_id"),
        _fk("feedback", "school_id", "school"),
        _fk("feedback", "student_id", "student"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    _index("feedback", "author_id", "school_id")


def downgrade() -> None:
    for table in (
        "feedback",
        "duty_record",
        "ledger_entry",
        "policy_step",
        "leave_request",
        "handover",
        "attendance",
        "care_session",
    ):
        op.drop_table(table)
    bind = op.get_bind()
    for enum in ENUMS:
        enum.drop(bind)
    for name, _ in TERM_CHECKS:
        op.drop_constraint(op.f(f"ck_term_{name}"), "term", type_="check")
    for column in ("settled_at", "billed_at", *(name for name, _, _ in TERM_SETTINGS)):
        op.drop_column("term", column)
