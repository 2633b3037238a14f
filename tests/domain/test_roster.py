from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from app.domain.errors import ImportTooLarge
from app.domain.roster import MAX_ROWS, map_headers, parse_roster

HEADERS = ["年级", "班级", "学号", "姓名", "监护人姓名", "监护人电话", "关系", "留守"]


def rows(*cells: list[str]) -> list[tuple[int, list[str]]]:
    return [(number, list(row)) for number, row in enumerate(cells, start=2)]


def test_a_good_file_parses_with_chinese_headers_and_flags() -> None:
    records, errors = parse_roster(
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
    records, errors = parse_roster(
        ["grade", "class_number", "student_number", "name"], rows(["1", "1", "S1", "Ann"])
    )
    assert errors == []
    assert records[0].name == "Ann"


def test_every_bad_cell_is_reported_with_row_and_column() -> None:
    _, errors = parse_roster(
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
    records, errors = parse_roster(HEADERS, rows(["3", "1", "S1", "甲"], ["3", "1", "S1", "乙"]))
    assert len(records) == 1
    assert [(e.row, e.message_en) for e in errors] == [
        (3, "duplicates the student number of row 2")
    ]


def test_missing_columns_are_reported_before_any_row() -> None:
    mapping, errors = map_headers(["姓名", "学号"])
    assert set(mapping.values()) == {"name", "student_number"}
    assert {e.column for e in errors} == {"年级", "班级"}


def test_blank_lines_are_skipped() -> None:
    records, errors = parse_roster(
        HEADERS, rows(["3", "1", "S1", "甲"], ["", "", "", ""], ["3", "1", "S2", "乙"])
    )
    assert errors == []
    assert len(records) == 2


def test_the_largest_file_allowed_parses() -> None:
    most = [(n, ["3", "1", f"S{n}", "甲"]) for n in range(2, MAX_ROWS + 2)]
    records, errors = parse_roster(HEADERS, most)
    assert (len(records), errors) == (MAX_ROWS, [])


def test_one_row_more_is_refused_once_without_reading_on() -> None:
    read = 0

    def endless() -> Iterator[tuple[int, list[str]]]:
        nonlocal read
        for number in itertools.count(2):
            read += 1
            yield number, ["9", "1", "S?", ""]  # every row bad: no error per row comes back

    with pytest.raises(ImportTooLarge) as refused:
        parse_roster(HEADERS, endless())
    assert refused.value.extensions == {"max_rows": MAX_ROWS}
    assert read == MAX_ROWS + 1
