"""Phones kept as E.164: mobile numbers stored as typed (138-0013-8001, +86 138 0013 8001,
8613800138001) become +8613800138001, so that one guardian imported twice, or named by a
school's staff, is one account. Other numbers (landlines, foreign ones) are left as they are:
the service writes every new number in E.164 from now on.

Revision ID: 0015
Revises: 0014auth
Create Date: 2026-12-07 11:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The digits of a Chinese mobile number, with or without its country code (86 or 0086).
# `substring … from` gives the one capturing group: the number itself.
MOBILE = r"^(?:0086|86)?(1[3-9][0-9]{9})$"


def upgrade() -> None:
    op.execute(
        sa.text(
            """
            UPDATE app_user
            SET phone = '+86' || substring(regexp_replace(phone, '[^0-9]', '', 'g') from :mobile)
            WHERE phone IS NOT NULL
              AND regexp_replace(phone, '[^0-9]', '', 'g') ~ :mobile
              AND phone IS DISTINCT FROM
                  '+86' || substring(regexp_replace(phone, '[^0-9]', '', 'g') from :mobile)
            """
        ).bindparams(mobile=MOBILE)
    )


def downgrade() -> None:
    # Nothing to undo: the numbers were the same before, only written differently, and the
    # schema did not change. The older code reads E.164 numbers as well as any others.
    pass
