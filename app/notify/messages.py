"""The texts of the notices families receive, in Chinese, composed once when the notice is
written (a resent notice is the same text, which DingTalk delivers at most once a day)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.models import Term
from app.notify.outbox import NewNotice, local_time


@dataclass(frozen=True)
class CancelledSeat:
    enrollment_id: int
    student_id: int
    student_name: str
    guardian_id: int | None  # None: no guardian bound (no one to tell)
    course_name: str
    min_size: int


def course_cancelled(
    seat: CancelledSeat, round2_opens_at: datetime, round2_closes_at: datetime, last_round: bool
) -> NewNotice:
    if last_round:
        follow_up = "本学期报名已结束，此课程不收取任何费用。"
    else:
        follow_up = (
            f"第二轮报名时间：{local_time(round2_opens_at)} 至 {local_time(round2_closes_at)}，"
            "届时可在仍有名额的课程中重新选择。"
        )
    assert seat.guardian_id is not None
    return NewNotice(
        user_id=seat.guardian_id,
        kind="course_cancelled",
        title="课程撤班通知",
        body=(
            f"{seat.student_name}报名的「{seat.course_name}」报名人数未达到最低开班人数"
            f"（{seat.min_size}人），学校已撤班。{follow_up}"
        ),
        dedupe_key=f"course-cancelled:{seat.enrollment_id}:{seat.guardian_id}",
    )


def round_two_opens(
    term_id: int, seat: CancelledSeat, opens_at: datetime, closes_at: datetime
) -> NewNotice:
    assert seat.guardian_id is not None
    return NewNotice(
        user_id=seat.guardian_id,
        kind="round_two_open",
        title="第二轮报名已开始",
        body=(
            f"{seat.student_name}可以参加第二轮报名了：{local_time(opens_at)} 至 "
            f"{local_time(closes_at)}，先到先得，报满为止。"
        ),
        # One notice per child and guardian, however many of the child's courses were cancelled.
        dedupe_key=f"round-two-open:{term_id}:{seat.student_id}:{seat.guardian_id}",
        deliver_after=opens_at,
    )


def draw_served(
    term: Term, student_id: int, student_name: str, place: int, given: Sequence[str], user_id: int
) -> NewNotice:
    """The family's place in the draw and what it was given."""
    outcome = (
        "已录取：" + "、".join(f"「{name}」" for name in given) + "。"
        if given
        else "所选课程均已满或不符合条件，未能录取；可在仍有名额的课程中继续报名。"
    )
    return NewNotice(
        user_id=user_id,
        kind="draw_served",
        title="抽签结果通知",
        body=(
            f"{term.name}第一轮报名抽签已完成，{student_name}的顺位为第{place}位。{outcome}"
            "抽签种子已公开，可在报名页面核验。"
        ),
        dedupe_key=f"draw-served:{term.id}:{student_id}:{user_id}",
    )
