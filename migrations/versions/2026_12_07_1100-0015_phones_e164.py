"""Phones kept as E.164: numbers stored as typed (138-0013-8001, +86 138 0013 8001, 010-12345678,
+1 415 555 0132) become +8613800138001, +861012345678, +14155550132, as the service writes every
number from now on, so that one guardian imported twice, or named by a school's staff, is one
account. A number that is not valid is left as it was. Accounts that now share a number are
counted in the migration's output (the service answers 409 when staff are named by such a phone).

Revision ID: 0015
Revises: 0014auth
Create Date: 2026-12-07 11:00:00+00:00
"""

import unicodedata
from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGION = "CN"  # a number without a country code is Chinese


def _e164(typed: str) -> str | None:
    text = unicodedata.normalize("NFKC", typed).strip().removesuffix(".0")
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, phone FROM app_user WHERE phone IS NOT NULL"))
    changes = [
        {"id": user_id, "phone": e164}
        for user_id, phone in rows
        if (e164 := _e164(phone)) is not None and e164 != phone
    ]
    if changes:
        connection.execute(sa.text("UPDATE app_user SET phone = :phone WHERE id = :id"), changes)
    shared = connection.scalar(
        sa.text(
            "SELECT count(*) FROM (SELECT phone FROM app_user WHERE phone IS NOT NULL"
            " GROUP BY phone HAVING count(*) > 1) AS shared"
        )
    )
    print(f"phones: {len(changes)} rewritten as E.164; {shared} number(s) shared by accounts")


def downgrade() -> None:
    # Nothing to undo: the numbers are the same ones, written one way, and the schema did not
    # change; the older code reads E.164 numbers as well as any other.
    pass
