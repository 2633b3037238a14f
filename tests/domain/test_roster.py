from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pytest

from app.domain.errors import ImportTooLarge
from app.domain.phones import e164_phone
from app.domain.roster import (
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    RosterRow,
    RowError,
    chinese_number,
    map_headers,
    parse_class,
    parse_grade,
    parse_roster,
)

HEADERS = ["年级", "班级", "学号", "姓名", "监护人姓名", "监护人电话", "关系", "留守"]


def rows(*cells: list[str]) -> list[tuple[int, list[str]]]:
    return [(number, list(row)) for number, row in enumerate(cells, start=2)]


def parse(
    headers: list[str], body: Iterable[tuple[int, list[str]]]
) -> tuple[list[RosterRow], list[RowError]]:
    """A file whose first row is the header."""
    return parse_roster(itertools.chain([(1, headers)], body))


def test_a_good_file_parses_with_chinese_headers_and_flags() -> None:
    records, errors = parse(
        HEADERS,
        rows(
            ["3", "2", "20230201", "王小明", "王妈妈", "13800138000", "母亲", "是"],
            ["3.0", "2", "20230202", "李小红", "", "", "", "否"],
        ),
    )
    assert errors == []
    assert [(r.grade, r.class_number, r.student_number) for r in records] == [
        (3, 2, "20230201"),
        (3, 2, "20230202"),
    ]
    assert records[0].relation == "mother"
    assert records[0].left_behind is True
    assert records[1].guardian_phone is None
    assert records[1].relation == "guardian"


def test_english_headers_work_too() -> None:
    records, errors = parse(
        ["grade", "class_number", "student_number", "name"], rows(["1", "1", "S1", "Ann"])
    )
    assert errors == []
    assert records[0].name == "Ann"


def test_every_bad_cell_is_reported_with_row_and_column() -> None:
    _, errors = parse(
        HEADERS,
        rows(
            ["7", "2", "20230201", "王小明", "", "", "", ""],
            ["3", "0", "bad number!", "", "", "", "", "也许"],
            ["3", "1", "X1", "某某", "张三", "", "叔叔", ""],
        ),
    )
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (2, "年级"),
        (3, "班级"), (3, "学号"), (3, "姓名"), (3, "留守"),
        (4, "监护人电话"), (4, "关系"),
    }  # fmt: skip
    assert all(e.message_zh and e.message_en for e in errors)


def test_duplicate_student_numbers_in_one_file() -> None:
    records, errors = parse(HEADERS, rows(["3", "1", "S1", "甲"], ["3", "1", "S1", "乙"]))
    assert len(records) == 1
    assert [(e.row, e.message_en) for e in errors] == [
        (3, "duplicates the student number of row 2")
    ]


def test_missing_columns_are_reported_before_any_row() -> None:
    mapping, errors = map_headers(["姓名", "学号"])
    assert set(mapping.values()) == {"name", "student_number"}
    assert {e.column for e in errors} == {"班级"}  # the grade may come with the class


def test_blank_lines_are_skipped() -> None:
    records, errors = parse(
        HEADERS, rows(["3", "1", "S1", "甲"], ["", "", "", ""], ["3", "1", "S2", "乙"])
    )
    assert errors == []
    assert len(records) == 2


def test_the_largest_file_allowed_parses() -> None:
    most = [(n, ["3", "1", f"S{n}", "甲"]) for n in range(2, MAX_ROWS + 2)]
    records, errors = parse(HEADERS, most)
    assert (len(records), errors) == (MAX_ROWS, [])


def test_one_row_more_is_refused_once_without_reading_on() -> None:
    read = 0

    def endless() -> Iterator[tuple[int, list[str]]]:
        nonlocal read
        for number in itertools.count(2):
            read += 1
            yield number, ["9", "1", "S?", ""]  # every row bad: no error per row comes back

    with pytest.raises(ImportTooLarge) as refused:
        parse(HEADERS, endless())
    assert refused.value.extensions == {"max_rows": MAX_ROWS}
    assert read == MAX_ROWS + 1


def test_a_school_export_with_a_title_row_and_chinese_labels_reads() -> None:
    """As a 学籍 export comes: a title and a date above the header, grades and classes written the
    ways schools write them, full-width digits and brackets, phones with +86 and dashes."""
    export = [
        (1, ["溪尾中心小学2026学年学生名单", "", "", ""]),
        (2, ["导出时间:2026-09-01", "", "", ""]),
        (3, [" 年 级 ", "班级", "学号", "学生姓名", "家长电话", "家长姓名"]),
        (4, ["三年级", "(2)班", "２０２３０２０１", "王小明", "+86 138-0013-8001", "王妈妈"]),
        (5, ["3年级", "三（2）班", "20230202", "李小红", "13800138002", "李爸爸"]),
        (6, ["", "3年级1班", "20230203", "张小华", "８６１３８００１３８００３", "张奶奶"]),
        (7, ["六", "10", "20230204", "赵小龙", "", ""]),
    ]
    records, errors = parse_roster(export)
    assert errors == []
    assert [(r.row, r.grade, r.class_number, r.student_number) for r in records] == [
        (4, 3, 2, "20230201"), (5, 3, 2, "20230202"), (6, 3, 1, "20230203"), (7, 6, 10, "20230204"),
    ]  # fmt: skip
    assert [r.guardian_phone for r in records] == [
        "+8613800138001", "+8613800138002", "+8613800138003", None,
    ]  # fmt: skip


def test_a_file_with_no_header_in_its_first_rows_says_where_it_looked() -> None:
    titles = [(n, [f"说明 {n}", "", ""]) for n in range(1, HEADER_SEARCH_ROWS + 1)]
    _, errors = parse_roster([*titles, (HEADER_SEARCH_ROWS + 1, ["班级", "学号", "姓名"])])
    assert errors[0].column == "表头"
    assert f"前 {HEADER_SEARCH_ROWS} 行" in errors[0].message_zh


@pytest.mark.parametrize(
    ("phone", "stored"),
    [("138-0013-8001", "+8613800138001"), ("+86 13800138001", "+8613800138001"),
     ("13800138001.0", "+8613800138001"), ("1380013800", None), ("12345", None)],
)  # fmt: skip
def test_phones_are_kept_as_e164_and_a_short_one_is_refused(phone: str, stored: str | None) -> None:
    assert e164_phone(phone) == stored


def test_a_bad_phone_is_reported_on_its_row() -> None:
    _, errors = parse(HEADERS, rows(["3", "1", "S1", "甲", "甲妈妈", "1380013800", "母亲", ""]))
    assert [(e.row, e.column) for e in errors] == [(2, "监护人电话")]


@pytest.mark.parametrize(
    ("label", "grade"),
    [("3", 3), ("三", 3), ("三年级", 3), ("3年级", 3), ("小学六年级", 6), ("3.0", 3),
     ("七年级", 7), ("年级", None), ("3班", None)],
)  # fmt: skip
def test_grade_labels(label: str, grade: int | None) -> None:
    assert parse_grade(label) == grade


@pytest.mark.parametrize(
    ("label", "read"),
    [("2", (None, 2)), ("2班", (None, 2)), ("(2)班", (None, 2)), ("(2)", (None, 2)),
     ("三(2)班", (3, 2)), ("3(2)班", (3, 2)), ("3年级2班", (3, 2)), ("三年级(12)班", (3, 12)),
     ("二班", (None, 2)), ("32", (None, 32)), ("三二班", None), ("A班", None), ("", None)],
)  # fmt: skip
def test_class_labels(label: str, read: tuple[int | None, int] | None) -> None:
    assert parse_class(label) == read


def test_a_class_naming_another_grade_than_the_grade_column_is_reported() -> None:
    _, errors = parse(HEADERS, rows(["4", "三(2)班", "S1", "甲", "", "", "", ""]))
    assert [(e.row, e.column) for e in errors] == [(2, "班级")]
    assert "不一致" in errors[0].message_zh


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("12", 12),
     ("十十", None), ("二二", None), ("", None)],
)  # fmt: skip
def test_chinese_numbers(text: str, number: int | None) -> None:
    assert chinese_number(text) == number


def test_a_flag_column_the_file_lacks_is_unknown_not_no() -> None:
    (record,), errors = parse(["班级", "学号", "姓名", "年级"], rows(["2", "S1", "甲", "3"]))
    assert errors == []
    flags = (record.migrant_worker_child, record.single_parent, record.left_behind,
             record.low_income)  # fmt: skip
    assert flags == (None, None, None, None)
