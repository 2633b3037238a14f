"""Every export opened again with openpyxl: headers, cells and the Chinese file name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from app.services.common import school_today
from tests.support.printing import NEEDS_LIBREOFFICE, printed
from tests.support.term import Api, RunningTerm, take_roll_call
from tests.support.workbooks import sheet_tables


def workbook_rows(response: httpx.Response) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's table, from its header down."""
    return {title: table for title, (_, table) in workbook_sheets(response).items()}


def workbook_sheets(
    response: httpx.Response,
) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each sheet's title block (its lines) and its table."""
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return sheet_tables(response.content)


def saved_name(response: httpx.Response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    return unquote(disposition.split("filename*=UTF-8''")[1])


async def today_session(api: Api, term_id: int, **filters: int) -> dict[str, Any]:
    rows = (
        await api.call(
            "GET", f"/terms/{term_id}/sessions", "admin-a",
            params={**filters, "from": school_today().isoformat(),
                    "to": school_today().isoformat()},
        )
    )["items"]  # fmt: skip
    assert len(rows) == 1
    return dict(rows[0])


async def test_sign_in_sheet_has_each_child_their_mark_and_a_signature_column(
    running_term: RunningTerm,
) -> None:
    _, world, api, families = running_term
    row = await today_session(api, world.term_a, course_id=world.course_a)
    await take_roll_call(api, int(row["id"]), absent={families[0].student_id})
    await api.call(
        "POST", f"/sessions/{row['id']}/pickups", "care-a",
        json={"pickups": [{"student_id": families[1].student_id,
                           "picked_up_at": row["ends_at"]}]},
    )  # fmt: skip
    response = await api.call("GET", f"/sessions/{row['id']}/sign-in-sheet.xlsx", "care-a")
    assert saved_name(response) == f"少儿编程-{school_today():%Y%m%d}-签到表.xlsx"
    (rows,) = workbook_rows(response).values()
    assert rows[0] == ("序号", "姓名", "班级", "签到", "接走时间", "家长签字")
    assert [r[0] for r in rows[1:]] == list(range(1, len(families) + 1))
    marks = {r[1]: r for r in rows[1:]}
    names = [f"学生{i}" for i in range(len(families))]
    assert set(marks) == set(names)
    assert marks["学生0"][3] == "×"
    assert marks["学生1"][3] == "√"
    assert marks["学生1"][4] == row["ends_at"][11:16]
    assert all(r[2] == "3年级1班" for r in rows[1:])


async def test_rosters_list_the_course_and_the_care_group(running_term: RunningTerm) -> None:
    _, world, api, families = running_term
    course = await api.call("GET", f"/courses/{world.course_a}/roster.xlsx", "teacher-a302")
    assert saved_name(course) == "少儿编程-学生名单.xlsx"
    rows = workbook_rows(course)["少儿编程"]
    assert rows[0] == ("序号", "学号", "姓名", "班级", "报名轮次")
    assert len(rows) == 1 + len(families)
    assert {r[4] for r in rows[1:]} == {"第1轮"}
    group = await api.call("GET", f"/care-groups/{world.care_group}/roster.xlsx", "care-a")
    assert saved_name(group) == "基础托管1组-学生名单.xlsx"
    rows = workbook_rows(group)["基础托管1组"]
    assert rows[0] == ("序号", "学号", "姓名", "班级")
    # The fixture put the first four families in the world's group, beside student 1.
    assert sorted(r[2] for r in rows[1:]) == ["学生0", "学生1", "学生2", "学生3", "王小明"]


async def test_workload_statement_matches_the_workload_answer(running_term: RunningTerm) -> None:
    _, world, api, _ = running_term
    row = await today_session(api, world.term_a, course_id=world.course_a)
    await take_roll_call(api, int(row["id"]))
    lines = await api.call("GET", f"/terms/{world.term_a}/workload", "admin-a")
    response = await api.call("GET", f"/terms/{world.term_a}/workload.xlsx", "admin-a")
    assert saved_name(response) == "2026秋-教师工作量-全学期.xlsx"
    rows = workbook_rows(response)["工作量全学期"]
    assert rows[0] == (
        "教师",
        "看护课次",
        "生均课时",
        "活动次数",
        "巡查次数",
        "补贴(元)",
        "积分",
        "其中午托课次",
    )
    (care,) = (line for line in lines if line["user_id"] == world.users["care-a"])
    (sheet_row,) = (r for r in rows[1:] if r[0] == "care-a")
    assert sheet_row[1] == care["sessions"] == 1
    assert float(sheet_row[5]) == care["subsidy_fen"] / 100
    assert sheet_row[6] == care["points"] == 50
    month = await api.call(
        "GET", f"/terms/{world.term_a}/workload.xlsx", "admin-a",
        params={"month": school_today().strftime("%Y-%m")},
    )  # fmt: skip
    assert saved_name(month).endswith(f"{school_today():%Y-%m}.xlsx")


@NEEDS_LIBREOFFICE
@pytest.mark.timeout(300)
async def test_every_export_prints_as_a_titled_a4_sheet(
    running_term: RunningTerm, tmp_path: Path
) -> None:
    """All six, printed by LibreOffice: A4, the school and what the sheet is on the first page,
    the sign-in sheet's course, date, time, teacher and room, money in yuan."""
    _, world, api, _ = running_term
    course = await api.call("GET", f"/courses/{world.course_a}", "admin-a")
    await api.call(
        "PATCH", f"/courses/{world.course_a}", "admin-a",
        json={"version": course["version"], "teacher_id": world.users["teacher-a302"],
              "room": "科技楼201"},
    )  # fmt: skip
    row = await today_session(api, world.term_a, course_id=world.course_a)
    await take_roll_call(api, int(row["id"]))
    await api.call("POST", f"/terms/{world.term_a}/billing", "admin-a")
    term = f"/terms/{world.term_a}"
    calls = {
        "sign_in": (f"/sessions/{row['id']}/sign-in-sheet.xlsx", "care-a"),
        "course_roster": (f"/courses/{world.course_a}/roster.xlsx", "teacher-a302"),
        "group_roster": (f"/care-groups/{world.care_group}/roster.xlsx", "care-a"),
        "attendance": (f"{term}/attendance.xlsx", "admin-a"),
        "statements": (f"{term}/statements.xlsx", "admin-a"),
        "workload": (f"{term}/workload.xlsx", "admin-a"),
    }
    files = {name: (await api.call("GET", url, who)).content for name, (url, who) in calls.items()}
    pages = printed(files, tmp_path)
    for name, sheet in pages.items():
        assert sheet, name
        assert all(page.is_a4 for page in sheet), name
        assert "溪尾中心小学" in sheet[0].words, name
        assert f"第1页,共{len(sheet)}页" in sheet[0].words, name
    (sign_in,) = pages["sign_in"]
    assert "溪尾中心小学少儿编程签到表" in sign_in.words
    for detail in (f"日期:{school_today():%Y-%m-%d}", "时间:16:00–16:40", "教师:teacher-a302",
                   "地点:科技楼201", "应到:6人", "家长签字"):  # fmt: skip
        assert detail in sign_in.words, detail
    assert "教师:teacher-a302" in pages["course_roster"][0].words
    assert "基础托管1组学生名单" in pages["group_roster"][0].words
    attendance = pages["attendance"][0]
    assert "少儿编程考勤表" in attendance.words
    assert attendance.landscape
    statements = pages["statements"][0]
    assert "2026秋费用结算单" in statements.words
    assert "姓名" in statements.words
    assert "应退(元)" in statements.words  # the money columns on the names' page
    assert re.search(r"\b\d+\.\d\d\b", statements.text)  # yuan, two decimals
    assert "教师工作量统计表" in pages["workload"][0].words
