"""Sheets that print: each written workbook opened again (frozen header, print titles) and printed
to PDF by LibreOffice, its pages read back: A4, the title block and header on every page, every
column of a wide table on the page its row is on, money in yuan with two decimals, and a table of
dates printed a month to a page with the names on each."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.services.workbook import Sheet, write_workbook
from tests.support.printing import NEEDS_LIBREOFFICE, printed

pytestmark = [NEEDS_LIBREOFFICE, pytest.mark.timeout(300)]

STATEMENT_HEADERS = [
    "姓名", "班级", "课程(实际课次)", "应收(元)", "退费(元)", "实收费用(元)", "已缴(元)",
    "应补(元)", "应退(元)", "结算状态",
]  # fmt: skip


def _statements(rows: int) -> Sheet:
    lines = [
        (f"学生{n:03d}", "3年级1班", "少儿编程(15次)、硬笔书法(12次)", Decimal("1234.5"),
         Decimal(0), Decimal("1234.5"), Decimal(1200), Decimal("34.5"), Decimal(0), "未结算")
        for n in range(rows)
    ]  # fmt: skip
    return Sheet(
        "费用明细",
        STATEMENT_HEADERS,
        lines,
        {1: 10, 2: 12, 3: 36, 10: 10},
        ["溪尾中心小学 2026秋 费用结算单", "学期:2026-09-01 至 2027-01-20  金额单位:元"],
        money=frozenset(range(4, 10)),
        frozen_columns=1,
    )


def _attendance(students: int) -> Sheet:
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(0, 90, 2)]  # Sep, Oct, Nov
    headers = ["学号", "姓名", "班级", *(f"{d.month}/{d.day}" for d in days), "出勤", "缺勤"]
    rows = [
        [f"S{n:04d}", f"学生{n:03d}", "3年级1班", *("√" for _ in days), len(days), 0]
        for n in range(students)
    ]
    breaks = tuple(3 + n for n in range(1, len(days)) if days[n].month != days[n - 1].month)
    widths = {1: 10.0, 2: 10.0, 3: 12.0} | {3 + n: 5.5 for n in range(1, len(days) + 1)}
    return Sheet(
        "少儿编程",
        headers,
        rows,
        widths,
        ["溪尾中心小学 少儿编程 考勤表", "学期:2026秋"],
        frozen_columns=3,
        column_breaks=breaks,
    )


def _bytes(sheet: Sheet) -> bytes:
    return write_workbook([sheet]).read()


def test_the_sheet_keeps_its_header_in_view_and_on_every_printed_page() -> None:
    book = load_workbook(io.BytesIO(_bytes(_statements(3))))
    sheet = book["费用明细"]
    assert sheet["A1"].value == "溪尾中心小学 2026秋 费用结算单"
    assert [c.value for c in sheet[3]] == STATEMENT_HEADERS
    assert sheet.freeze_panes == "B4"  # below the header, the names in view
    assert sheet.print_title_rows == "$1:$3"
    assert "A1:J1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["D4"].number_format == "#,##0.00"
    assert sheet["A4"].border.left.style == "thin"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)


def test_a_wide_table_prints_every_column_on_a4_pages_with_its_titles(tmp_path: Path) -> None:
    (pages,) = printed({"statements": _bytes(_statements(120))}, tmp_path).values()
    assert len(pages) >= 3  # 120 rows go down several pages ...
    assert len(pages) <= 6  # ... and not across them
    for number, page in enumerate(pages, start=1):
        assert page.is_a4
        assert page.landscape
        assert "溪尾中心小学2026秋费用结算单" in page.words
        assert "姓名" in page.words
        assert "应退(元)" in page.words
        assert "结算状态" in page.words
        assert f"第{number}页,共{len(pages)}页" in page.words
    assert "1,234.50" in pages[0].text
    assert "34.50" in pages[0].text
    assert sum(page.words.count("未结算") for page in pages) == 120  # every row, once


def test_a_narrow_table_prints_in_portrait(tmp_path: Path) -> None:
    sheet = Sheet(
        "名单", ["序号", "学号", "姓名", "班级"], [(1, "S1", "王小明", "3年级1班")], {}, ["名单"]
    )
    (pages,) = printed({"roster": _bytes(sheet)}, tmp_path).values()
    assert len(pages) == 1
    assert pages[0].is_a4
    assert not pages[0].landscape


def test_dates_print_a_month_to_a_page_with_the_names_on_each(tmp_path: Path) -> None:
    (pages,) = printed({"attendance": _bytes(_attendance(12))}, tmp_path).values()
    assert len(pages) == 3
    for page, month in zip(pages, (9, 10, 11), strict=True):
        assert page.is_a4
        assert page.landscape
        assert "溪尾中心小学少儿编程考勤表" in page.words
        assert "姓名" in page.words
        assert "学生011" in page.words
        shown = {int(m) for m in re.findall(r"(\d{1,2})/\d{1,2}", page.text)}
        assert shown == {month}
    assert "出勤" in pages[-1].words


@pytest.mark.parametrize("rows", [0, 1])
def test_a_sheet_with_few_rows_still_prints_its_title(tmp_path: Path, rows: int) -> None:
    (pages,) = printed({"small": _bytes(_statements(rows))}, tmp_path).values()
    assert len(pages) == 1
    assert "溪尾中心小学2026秋费用结算单" in pages[0].words
