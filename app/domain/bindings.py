"""Binding requests by student number and name (学号 + 姓名), which wait for a class teacher.

Each one is work for a teacher and a guess at the register, so an account may keep only a few
waiting at once, and a student may have only a few waiting for them (a family has two or three
guardians, and a request is decided within days)."""

from __future__ import annotations

from app.domain.errors import TooManyPendingBindings

MAX_PENDING_PER_ACCOUNT = 5
MAX_PENDING_PER_STUDENT = 3


def check_account_pending(pending: int) -> None:
    if pending >= MAX_PENDING_PER_ACCOUNT:
        raise TooManyPendingBindings(
            f"you have {pending} binding requests waiting (at most {MAX_PENDING_PER_ACCOUNT}): "
            "wait for the class teacher, or bind with the school's code",
            limit=MAX_PENDING_PER_ACCOUNT,
        )


def check_student_pending(pending: int) -> None:
    if pending >= MAX_PENDING_PER_STUDENT:
        raise TooManyPendingBindings(
            f"this student has {pending} binding requests waiting (at most "
            f"{MAX_PENDING_PER_STUDENT}): ask the class teacher",
            limit=MAX_PENDING_PER_STUDENT,
        )
