"""The spreadsheets schools print and file: rosters, sign-in sheets, the term's attendance (one
sheet per course or care group, students × dates, the way a 考勤表 is kept on paper), fee
statements and workload statements. Chinese headers and file names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.fees import CareFeeModel
from app.domain.schedule import care_group_name
from app.domain.statuses import AttendanceStatus, EnrollmentStatus, SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import (
    CareGroup,
    CareSession,
    Course,
    Enrollment,
    School,
    Term,
    User,
    session_roster,
)
from app.services import fees, workload
from app.services.attendance import students_on_leave
from app.services.common import (
    Reach,
    get_or_404,
    term_in_reach,
)
from app.services.sessions import offering_name, roster_of
from app.services.workbook import Sheet

MARKS = {
    AttendanceStatus.PRESENT: "√",
    AttendanceStatus.ABSENT: "×",
    AttendanceStatus.LEAVE: "假",
    AttendanceStatus.LATE: "迟",
}
CANCELLED = "停"
WEEKDAYS = "一二三四五六日"
BLANK = "________"  # written in by hand on the printed sheet
LEGEND = "√出勤 ×缺勤 假请假 迟迟到 停停课"
FORBIDDEN_IN_TITLES = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Export:
    filename: str  # the Chinese name the browser saves
    fallback: str  # ASCII, for clients without RFC 5987
    sheets: list[Sheet]


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def local(moment: datetime | None) -> str:
    return moment.astimezone(SCHOOL_ZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


def clock(moment: datetime) -> str:
    return moment.astimezone(SCHOOL_ZONE).strftime("%H:%M")


def details(*parts: tuple[str, object]) -> str:
    """The second line of a title block: `label:value` pairs, a blank line to write on where the
    value is missing."""
    return "  ".join(
        f"{label}:{value if value not in (None, '') else BLANK}" for label, value in parts
    )


async def school_name(session: AsyncSession, term: Term) -> str:
    return str(await session.scalar(select(School.name).where(School.id == term.school_id)))


async def user_name(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(select(User.name).where(User.id == user_id))


_STUDENTS = text(
    """
    SELECT s.id, s.student_number, s.name, k.grade, k.number
    FROM student s JOIN school_class k ON k.id = s.class_id
    WHERE s.id = ANY(:students)
    ORDER BY k.grade, k.number, s.student_number, s.id
    """
)


async def _students(session: AsyncSession, ids: Sequence[int]) -> list[tuple[int, str, str, str]]:
    """(id, student number, name, class) in class order."""
    rows = await session.execute(_STUDENTS, {"students": list(ids)})
    return [(i, number, name, f"{grade}年级{klass}班") for i, number, name, grade, klass in rows]


async def course_roster(session: AsyncSession, principal: Principal, course_id: int) -> Export:
    course = await get_or_404(session, Course, course_id, "course")
    term = (await term_in_reach(session, principal, course.term_id, Reach.STAFF)).term
    seats = {
        student_id: round_
        for student_id, round_ in await session.execute(
            select(Enrollment.student_id, Enrollment.round).where(
                Enrollment.course_id == course_id, Enrollment.status == EnrollmentStatus.CONFIRMED
            )
        )
    }
    students = await _students(session, list(seats))
    rows = [
        (n, number, name, klass, f"第{seats[sid]}轮")
        for n, (sid, number, name, klass) in enumerate(students, start=1)
    ]
    heading = [
        f"{await school_name(session, term)} {course.name} 学生名单",
        details(
            ("学期", term.name),
            ("教师", await user_name(session, course.teacher_id)),
            ("每周", "、".join(WEEKDAYS[d - 1] for d in sorted(course.weekdays))),
            ("地点", course.room),
            ("人数", len(rows)),
        ),
    ]
    sheet = Sheet(
        course.name, ["序号", "学号", "姓名", "班级", "报名轮次"], rows, {3: 12, 4: 14}, heading
    )
    return Export(f"{course.name}-学生名单.xlsx", f"course-{course_id}-roster.xlsx", [sheet])


async def care_group_roster(session: AsyncSession, principal: Principal, group_id: int) -> Export:
    group = await get_or_404(session, CareGroup, group_id, "care group")
    term = (await term_in_reach(session, principal, group.term_id, Reach.STAFF)).term
    ids = (
        await session.scalars(
            text("SELECT student_id FROM care_group_member WHERE group_id = :g").bindparams(
                g=group_id
            )
        )
    ).all()
    students = await _students(session, ids)
    rows = [(n, *student[1:]) for n, student in enumerate(students, start=1)]
    title = care_group_name(group.period, group.number)
    heading = [
        f"{await school_name(session, term)} {title} 学生名单",
        details(
            ("学期", term.name),
            ("年级", "、".join(str(g) for g in sorted(group.grades))),
            ("人数", len(rows)),
        ),
    ]
    sheet = Sheet(title, ["序号", "学号", "姓名", "班级"], rows, {3: 12, 4: 14}, heading)
    return Export(f"{title}-学生名单.xlsx", f"care-group-{group_id}-roster.xlsx", [sheet])


async def sign_in_sheet(
    session: AsyncSession, principal: Principal, care_session_id: int
) -> Export:
    """For the day: each child's mark if taken (假 ahead of it for approved leave), the pickup
    time, and a column for the parent's signature (家长签字)."""
    row = await get_or_404(session, CareSession, care_session_id, "session")
    term = (await term_in_reach(session, principal, row.term_id, Reach.STAFF)).term
    ids = (await session.scalars(roster_of(row))).all()
    marks = {
        sid: (status, picked)
        for sid, status, picked in await session.execute(
            text("SELECT student_id, status, picked_up_at FROM attendance WHERE session_id = :s"),
            {"s": care_session_id},
        )
    }
    students = await _students(session, ids)
    on_leave = await students_on_leave(session, term.id, ids, row.on_date)
    rows = [
        (
            n, name, klass,
            MARKS[AttendanceStatus(marks[sid][0])] if sid in marks
            else MARKS[AttendanceStatus.LEAVE] if sid in on_leave else "",
            local(marks[sid][1])[-5:] if sid in marks and marks[sid][1] else "", "",
        )
        for n, (sid, _, name, klass) in enumerate(students, start=1)
    ]  # fmt: skip
    name = await offering_name(session, row)
    course = await session.get(Course, row.course_id) if row.course_id else None
    teacher = course.teacher_id if course else row.roll_call_by_id
    heading = [
        f"{await school_name(session, term)} {name} 签到表",
        details(
            ("日期", f"{row.on_date:%Y-%m-%d}(周{WEEKDAYS[row.on_date.weekday()]})"),
            ("时间", f"{clock(row.starts_at)}–{clock(row.ends_at)}"),
            ("时段", row.period.label),
            ("教师", await user_name(session, teacher)),
            ("地点", course.room if course else None),
            ("应到", f"{len(rows)}人"),
        ),
    ]
    headers = ["序号", "姓名", "班级", "签到", "接走时间", "家长签字"]
    sheet = Sheet(
        f"{row.on_date:%m-%d}签到表", headers, rows, {2: 12, 3: 14, 5: 10, 6: 18}, heading
    )
    return Export(
        f"{name}-{row.on_date:%Y%m%d}-签到表.xlsx",
        f"session-{care_session_id}-sign-in.xlsx",
        [sheet],
    )


_TERM_MARKS = text(
    """
    SELECT a.session_id, a.student_id, a.status, a.picked_up_late
    FROM attendance a JOIN care_session s ON s.id = a.session_id
    WHERE s.term_id = :term
    """
)


async def term_attendance(session: AsyncSession, principal: Principal, term_id: int) -> Export:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    sessions = (
        await session.scalars(
            select(CareSession)
            .where(CareSession.term_id == term_id)
            .order_by(CareSession.on_date, CareSession.id)
        )
    ).all()
    marks: dict[int, dict[int, tuple[str, bool]]] = {}
    for care_session_id, student_id, status, late in await session.execute(
        _TERM_MARKS, {"term": term_id}
    ):
        marks.setdefault(care_session_id, {})[student_id] = (status, late)
    offerings: dict[tuple[str, int], list[CareSession]] = {}
    for row in sessions:
        key = ("course", row.course_id) if row.course_id else ("group", row.care_group_id or 0)
        offerings.setdefault(key, []).append(row)
    courses = {
        course_id: (name, teacher)
        for course_id, name, teacher in await session.execute(
            select(Course.id, Course.name, User.name)
            .outerjoin(User, User.id == Course.teacher_id)
            .where(Course.term_id == term_id)
        )
    }
    group_names = {
        group_id: care_group_name(period, number)
        for group_id, period, number in await session.execute(
            select(CareGroup.id, CareGroup.period, CareGroup.number).where(
                CareGroup.term_id == term_id
            )
        )
    }
    # Each offering's students now (its first session's roster) and anyone marked before: read
    # in two queries for the whole term, not two per offering.
    firsts = {rows[0].id: key for key, rows in offerings.items()}
    rosters: dict[tuple[str, int], set[int]] = {key: set() for key in offerings}
    for care_session_id, student_id in await session.execute(
        select(session_roster.c.session_id, session_roster.c.student_id).where(
            session_roster.c.session_id.in_(firsts)
        )
    ):
        rosters[firsts[care_session_id]].add(student_id)
    for key, rows in offerings.items():
        for row in rows:
            rosters[key] |= marks.get(row.id, {}).keys()
    everyone = await _students(session, sorted(set().union(*rosters.values())))
    school = await school_name(session, term)
    sheets = []
    for (kind, offering_id), rows in sorted(offerings.items()):
        roster = rosters[(kind, offering_id)]
        students = [student for student in everyone if student[0] in roster]
        if kind == "course":
            title, teacher = courses.get(offering_id, ("", None))
        else:
            title, teacher = group_names.get(offering_id, f"基础托管{offering_id}组"), None
        heading = [
            f"{school} {title} 考勤表",
            details(
                ("学期", term.name),
                ("日期", f"{rows[0].on_date:%Y-%m-%d} 至 {rows[-1].on_date:%Y-%m-%d}"),
                ("教师", teacher),
            )
            + f"  {LEGEND}",
        ]
        sheets.append(_attendance_sheet(title, heading, rows, students, marks))
    _unique_titles(sheets)
    return Export(
        f"{term.name}-考勤汇总.xlsx", f"term-{term_id}-attendance.xlsx", sheets or [_empty()]
    )


def _attendance_sheet(
    title: str,
    heading: list[str],
    rows: list[CareSession],
    students: list[tuple[int, str, str, str]],
    marks: dict[int, dict[int, tuple[str, bool]]],
) -> Sheet:
    headers = ["学号", "姓名", "班级"]
    for row in rows:
        suffix = CANCELLED if row.status is SessionStatus.CANCELLED else ""
        headers.append(f"{row.on_date.month}/{row.on_date.day}{suffix}")
    headers += ["出勤", "缺勤", "请假", "迟到", "延迟接回"]

    def lines() -> Iterator[list[Any]]:
        for student_id, number, name, klass in students:
            counts: Counter[str] = Counter()
            cells: list[Any] = [number, name, klass]
            for row in rows:
                if row.status is SessionStatus.CANCELLED:
                    cells.append(CANCELLED)
                    continue
                mark = marks.get(row.id, {}).get(student_id)
                if mark is None:
                    cells.append("")
                    continue
                status, late = mark
                counts[status] += 1
                counts["late_pickup"] += late
                cells.append(MARKS[AttendanceStatus(status)])
            cells += [
                counts["present"], counts["absent"], counts["leave"], counts["late"],
                counts["late_pickup"],
            ]  # fmt: skip
            yield cells

    # Printed a month to a page, each page with the student's number, name and class again.
    months = [row.on_date.month for row in rows]
    breaks = tuple(3 + n for n in range(1, len(months)) if months[n] != months[n - 1])
    widths = {1: 10.0, 2: 10.0, 3: 12.0} | {3 + n: 5.5 for n in range(1, len(rows) + 1)}
    return Sheet(
        title.translate(FORBIDDEN_IN_TITLES),
        headers,
        lines(),
        widths,
        heading,
        frozen_columns=3,
        column_breaks=breaks,
    )


def _unique_titles(sheets: list[Sheet]) -> None:
    seen: Counter[str] = Counter()
    for sheet in sheets:
        base = sheet.title[:28] or "课程"
        seen[base] += 1
        sheet.title = base if seen[base] == 1 else f"{base}({seen[base]})"


def _empty() -> Sheet:
    return Sheet("考勤", ["暂无课次"], [], heading=["本学期暂无课次"])


async def term_statements(session: AsyncSession, principal: Principal, term_id: int) -> Export:
    term = await get_or_404(session, Term, term_id, "term")
    rows_out: list[tuple[Any, ...]] = []
    for current in await fees.term_statements(session, principal, term_id):
        totals = current.totals
        unit = "个月" if term.care_fee_model is CareFeeModel.MONTHLY else "次"
        courses = "、".join(
            [
                *(
                    f"{c.course_name}({c.sessions_charged - c.sessions_refunded}次)"
                    for c in current.courses
                ),
                *(f"{line.period.label}({line.units}{unit})" for line in current.care),
            ]
        )
        rows_out.append(
            (
                current.student_name, current.class_name, courses, yuan(totals.charged),
                yuan(totals.refunded), yuan(totals.net_fee), yuan(totals.paid),
                yuan(totals.to_collect), yuan(totals.to_return),
                "已结算" if totals.settled or term.settled_at else "未结算",
            )
        )  # fmt: skip
    headers = [
        "姓名", "班级", "课程(实际课次)", "应收(元)", "退费(元)", "实收费用(元)", "已缴(元)",
        "应补(元)", "应退(元)", "结算状态",
    ]  # fmt: skip
    heading = [
        f"{await school_name(session, term)} {term.name} 费用结算单",
        details(
            ("学期", f"{term.starts_on:%Y-%m-%d} 至 {term.ends_on:%Y-%m-%d}"),
            ("学生", f"{len(rows_out)}人"),
            ("金额单位", "元"),
        ),
    ]
    sheet = Sheet(
        "费用明细",
        headers,
        rows_out,
        {1: 10, 2: 12, 3: 36, 10: 10},
        heading,
        money=frozenset(range(4, 10)),
        frozen_columns=1,
    )
    return Export(f"{term.name}-费用结算单.xlsx", f"term-{term_id}-statements.xlsx", [sheet])


async def term_workload(
    session: AsyncSession, principal: Principal, term_id: int, month: str | None
) -> Export:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    rows = [
        (
            line.name, line.line.sessions, line.line.student_hours, line.line.activities,
            line.line.patrols, yuan(line.line.subsidy_fen), line.line.points,
            line.line.midday_sessions,
        )
        for line in await workload.of_term(session, principal, term_id, month)
    ]  # fmt: skip
    # Midday care's share last: the columns before it are where they always were.
    headers = [
        "教师",
        "看护课次",
        "生均课时",
        "活动次数",
        "巡查次数",
        "补贴(元)",
        "积分",
        "其中午托课次",
    ]
    period = month or "全学期"
    heading = [
        f"{await school_name(session, term)} {term.name} 教师工作量统计表",
        details(("期间", period), ("教师", f"{len(rows)}人"), ("补贴单位", "元")),
    ]
    sheet = Sheet(
        f"工作量{period}", headers, rows, {1: 12}, heading, money=frozenset({6}), frozen_columns=1
    )
    return Export(f"{term.name}-教师工作量-{period}.xlsx", f"term-{term_id}-workload.xlsx", [sheet])
