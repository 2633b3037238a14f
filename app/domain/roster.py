"""Reading a school's roster (classes, students, guardians) from spreadsheet rows.

One row per student with its guardian. Headers may be Chinese (as schools export them) or
English. Every problem is reported with its row number, column and a message in Chinese and
English, so a school can fix the file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.domain.errors import ImportTooLarge

COLUMNS: dict[str, tuple[str, ...]] = {
    "grade": ("年级", "grade"),
    "class_number": ("班级", "班号", "class", "class_number"),
    "student_number": ("学号", "student_number"),
    "name": ("姓名", "学生姓名", "name"),
    "guardian_name": ("监护人姓名", "家长姓名", "guardian_name"),
    "guardian_phone": ("监护人电话", "家长电话", "guardian_phone"),
    "relation": ("关系", "relation"),
    "migrant_worker_child": ("随迁子女", "migrant_worker_child"),
    "single_parent": ("单亲", "single_parent"),
    "left_behind": ("留守", "left_behind"),
    "low_income": ("困难家庭", "low_income"),
}
REQUIRED = ("grade", "class_number", "student_number", "name")
RELATIONS = {
    "父亲": "father", "father": "father", "母亲": "mother", "mother": "mother",
    "祖父母": "grandparent", "爷爷": "grandparent", "奶奶": "grandparent", "外公": "grandparent",
    "外婆": "grandparent", "grandparent": "grandparent", "监护人": "guardian", "guardian": "guardian",
    "其他": "other", "other": "other",
}  # fmt: skip
YES = {"是", "1", "y", "yes", "true", "√"}
NO = {"", "否", "0", "n", "no", "false"}
STUDENT_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,32}$")
PHONE = re.compile(r"^\+?[0-9-]{5,20}$")
# The largest primary schools have a few thousand pupils, a 集团校 with several campuses under
# 10,000: twice that is headroom, and a file beyond it is a mistake or an attack, refused at once.
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class RosterRow:
    row: int
    grade: int
    class_number: int
    student_number: str
    name: str
    guardian_name: str | None
    guardian_phone: str | None
    relation: str
    migrant_worker_child: bool
    single_parent: bool
    left_behind: bool
    low_income: bool


def map_headers(headers: Iterable[str]) -> tuple[dict[int, str], list[RowError]]:
    """Column index → field name, and an error for every required column that is missing."""
    lookup = {
        alias.strip().lower(): field for field, aliases in COLUMNS.items() for alias in aliases
    }
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = lookup.get(str(header or "").strip().lower())
        if field is not None and field not in mapping.values():
            mapping[index] = field
    missing = [f for f in REQUIRED if f not in mapping.values()]
    errors = [
        RowError(1, COLUMNS[f][0], f"缺少“{COLUMNS[f][0]}”列", f"missing column '{COLUMNS[f][-1]}'")
        for f in missing
    ]
    return mapping, errors


class _RowReader:
    def __init__(self, row: int, values: Mapping[str, str]) -> None:
        self.row = row
        self.values = values
        self.errors: list[RowError] = []

    def fail(self, field: str, zh: str, en: str) -> None:
        self.errors.append(RowError(self.row, COLUMNS[field][0], zh, en))

    def text(self, field: str) -> str:
        return str(self.values.get(field) or "").strip()

    def integer(self, field: str, low: int, high: int) -> int:
        raw = self.text(field).removesuffix(".0")
        if raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        self.fail(
            field, f"应为 {low}–{high} 的整数", f"must be a whole number from {low} to {high}"
        )
        return low

    def flag(self, field: str) -> bool:
        raw = self.text(field).lower()
        if raw in YES:
            return True
        if raw not in NO:
            self.fail(field, "应填“是”或“否”", "must be 是 (yes) or 否 (no)")
        return False


def parse_row(row: int, values: Mapping[str, str]) -> tuple[RosterRow | None, list[RowError]]:
    reader = _RowReader(row, values)
    grade = reader.integer("grade", 1, 6)
    class_number = reader.integer("class_number", 1, 99)
    student_number = reader.text("student_number")
    if not STUDENT_NUMBER.match(student_number):
        reader.fail(
            "student_number", "学号应为 1–32 位字母、数字或连字符", "1–32 letters, digits or '-'"
        )
    name = reader.text("name")
    if not 1 <= len(name) <= 50:
        reader.fail("name", "姓名不能为空且不超过 50 字", "required, at most 50 characters")
    guardian_name = reader.text("guardian_name") or None
    guardian_phone = reader.text("guardian_phone").removesuffix(".0") or None
    if guardian_phone is not None and not PHONE.match(guardian_phone):
        reader.fail("guardian_phone", "电话号码格式不正确", "not a phone number")
    if (guardian_name is None) != (guardian_phone is None):
        reader.fail(
            "guardian_phone",
            "监护人姓名与电话须同时填写",
            "give the guardian's name and phone together",
        )
    relation_text = reader.text("relation").lower()
    relation = RELATIONS.get(relation_text or "guardian")
    if relation is None:
        reader.fail("relation", "关系应为父亲、母亲、祖父母、监护人或其他", "unknown relation")
    flags = {
        f: reader.flag(f)
        for f in ("migrant_worker_child", "single_parent", "left_behind", "low_income")
    }
    if reader.errors:
        return None, reader.errors
    return (
        RosterRow(
            row, grade, class_number, student_number, name, guardian_name, guardian_phone,
            relation or "guardian", **flags,
        ),
        [],
    )  # fmt: skip


def parse_roster(
    headers: Iterable[str], rows: Iterable[tuple[int, list[str]]]
) -> tuple[list[RosterRow], list[RowError]]:
    """Validate a whole file. Rows are (row number as the spreadsheet shows it, cell values), read
    lazily: a file with more than `MAX_ROWS` rows (blank ones too) is refused as soon as its
    first row past the limit is read."""
    mapping, errors = map_headers(headers)
    if errors:
        return [], errors
    parsed: list[RosterRow] = []
    first_row_of: dict[str, int] = {}
    for count, (row, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ImportTooLarge(
                f"the file has more than {MAX_ROWS} rows; at most {MAX_ROWS} are imported at once"
                f" · 文件超过 {MAX_ROWS} 行,一次最多导入 {MAX_ROWS} 行",
                max_rows=MAX_ROWS,
            )
        values = {
            field: cells[index] if index < len(cells) else "" for index, field in mapping.items()
        }
        if not any(str(v or "").strip() for v in values.values()):
            continue  # blank lines between blocks are common in school spreadsheets
        record, row_errors = parse_row(row, values)
        errors.extend(row_errors)
        if record is None:
            continue
        if record.student_number in first_row_of:
            errors.append(
                RowError(
                    row, "学号",
                    f"学号与第 {first_row_of[record.student_number]} 行重复",
                    f"duplicates the student number of row {first_row_of[record.student_number]}",
                )
            )  # fmt: skip
            continue
        first_row_of[record.student_number] = row
        parsed.append(record)
    return parsed, errors
