"""Notices of the running term: cancelled sessions, leave decisions, attendance-policy steps,
dismissals, answers to feedback. Composed once, in Chinese, when the notice is written."""

from __future__ import annotations

from datetime import date

from app.notify.outbox import NewNotice

WEEKDAY_ZH = "一二三四五六日"


def day_zh(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAY_ZH[day.weekday()]}）"


def sessions_cancelled(
    guardian_id: int, student_id: int, student_name: str, day: date, what: str, reason: str,
    dedupe: str, paid: bool,
) -> NewNotice:  # fmt: skip
    refund = "已缴费课时将在期末结算时退还。" if paid else ""
    return NewNotice(
        user_id=guardian_id,
        kind="session_cancelled",
        title="托管停课通知",
        body=f"{day_zh(day)}{what}停课：{reason}。{student_name}当天请按放学时间接回。{refund}",
        dedupe_key=f"{dedupe}:{guardian_id}:{student_id}",
    )


CALENDAR_CHANGE = "校历调整"


def schedule_changed(
    guardian_id: int, student_id: int, student_name: str, dedupe: str, paid: bool
) -> NewNotice:
    refund = "已缴费课时将在期末结算时退还。" if paid else ""
    return NewNotice(
        user_id=guardian_id,
        kind="schedule_changed",
        title="托管课表调整通知",
        body=f"因{CALENDAR_CHANGE}，{student_name}的部分托管课次取消，请在课表中查看。{refund}",
        dedupe_key=f"{dedupe}:{guardian_id}:{student_id}",
    )


def term_ended_early(
    guardian_id: int, student_id: int, student_name: str, reason: str, dedupe: str, paid: bool
) -> NewNotice:
    refund = "未上课时的已缴费用在期末结算时退还。" if paid else ""
    return NewNotice(
        user_id=guardian_id,
        kind="term_ended_early",
        title="课后托管提前结束",
        body=f"本学期课后托管提前结束：{reason}。{student_name}今后的托管课次取消。{refund}",
        dedupe_key=f"{dedupe}:{guardian_id}:{student_id}",
    )


def leave_decided(
    guardian_id: int, leave_id: int, student_name: str, first: date, last: date, approved: bool,
    note: str,
) -> NewNotice:  # fmt: skip
    outcome = "已批准" if approved else "未批准"
    span = day_zh(first) if first == last else f"{day_zh(first)}至{day_zh(last)}"
    tail = f"说明：{note}" if note else ""
    return NewNotice(
        user_id=guardian_id,
        kind="leave_decided",
        title=f"请假{outcome}",
        body=f"{student_name}{span}的请假申请{outcome}。{tail}",
        dedupe_key=f"leave:{leave_id}:{guardian_id}",
    )


def policy_step(
    guardian_id: int, step_id: int, student_name: str, action: str, count: int, place: str,
    limit: int,
) -> NewNotice:  # fmt: skip
    texts = {
        "absence_warning": (
            "缺勤提醒",
            f"{student_name}在「{place}」本学期已无故缺勤{count}次。累计{limit}次将视作自动放弃该"
            "托管名额，请提前请假。",
        ),
        "place_given_up": (
            "托管名额已视作自动放弃",
            f"{student_name}在「{place}」本学期无故缺勤已达{count}次，按托管规定视作自动放弃该"
            "名额，已缴费用不予退还。如有异议请联系班主任。",
        ),
        "conduct_warning": (
            "行为习惯提醒",
            f"{student_name}本学期已有{count}次因个人行为习惯影响他人、未能适应集体管理的记录。"
            "再次发生，学校将考虑劝退。请与孩子沟通，如有疑问请联系班主任。",
        ),
        "late_pickup_warning": (
            "延迟接孩子提醒",
            f"{student_name}本学期已有{count}次托管结束后延迟接回。再次延迟，学校将考虑劝退。",
        ),
    }
    title, body = texts[action]
    return NewNotice(
        user_id=guardian_id,
        kind=action,
        title=title,
        body=body,
        dedupe_key=f"policy:{step_id}:{guardian_id}",
    )


def dismissal_proposed(
    admin_id: int, step_id: int, student_name: str, count: int, cause: str = "延迟接回"
) -> NewNotice:
    return NewNotice(
        user_id=admin_id,
        kind="dismissal_proposed",
        title="劝退建议待处理",
        body=f"{student_name}本学期已{count}次{cause}，按托管规定提请学校决定是否劝退。",
        dedupe_key=f"policy:{step_id}:{admin_id}",
    )


def dismissed(guardian_id: int, step_id: int, student_name: str, reason: str) -> NewNotice:
    return NewNotice(
        user_id=guardian_id,
        kind="dismissed",
        title="托管劝退通知",
        body=(
            f"经学校研究，{student_name}本学期起不再参加课后托管。原因：{reason}。"
            "未上课时的费用将在期末结算时退还。"
        ),
        dedupe_key=f"dismissed:{step_id}:{guardian_id}",
    )


def feedback_answered(author_id: int, feedback_id: int, answer: str) -> NewNotice:
    return NewNotice(
        user_id=author_id,
        kind="feedback_answered",
        title="学校已回复您的留言",
        body=answer,
        dedupe_key=f"feedback:{feedback_id}:{author_id}",
    )


def exit_decided(
    guardian_id: int, request_id: int, student_name: str, place: str, approved: bool, reason: str
) -> NewNotice:
    if approved:
        body = (
            f"学校已同意{student_name}退出{place}，今天为最后一天。"
            "此后未上的课时费用将在期末结算时退还。"
        )
    else:
        body = f"学校未同意{student_name}退出{place}。原因：{reason}。"
    return NewNotice(
        user_id=guardian_id,
        kind="exit_decided",
        title="退出申请结果",
        body=body + (f"说明：{reason}" if approved and reason else ""),
        dedupe_key=f"exit:{request_id}:{guardian_id}",
    )
