"""Reading a school's roster (classes, students, guardians) from spreadsheet rows.

One row per student with its guardian, as a 学籍 system or a teacher's sheet gives it: a title
row or two above the header, Chinese or Arabic grade labels (三年级, 3年级, 3), class labels with
or without the grade (2, 2班, (2)班, 三(2)班, 3年级2班), full-width digits and brackets, phones as
typed (+86 138-0013-8001). Every cell is NFKC-normalised; phones are checked and kept as E.164.
Headers may be Chinese or English. Every problem is reported with its row number, column and a
message in Chinese and English, so a school can fix the file in one pass.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from app.domain.errors import ImportTooLarge
from app.domain.phones import e164_phone

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
# The grade may come with the class instead (三(2)班): checked row by row.
REQUIRED = ("class_number", "student_number", "name")
# A title, a school name, a date: the header is looked for within the first rows.
HEADER_SEARCH_ROWS = 10
RELATIONS = {
    "父亲": "father", "father": "father", "母亲": "mother", "mother": "mother",
    "祖父母": "grandparent", "爷爷": "grandparent", "奶奶": "grandparent", "外公": "grandparent",
    "外婆": "grandparent", "grandparent": "grandparent", "监护人": "guardian", "guardian": "guardian",
    "其他": "other", "other": "other",
}  # fmt: skip
YES = {"是", "1", "y", "yes", "true", "√"}
NO = {"", "否", "0", "n", "no", "false"}
STUDENT_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_CHINESE_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九", start=0)}
_NUMBER = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
GRADE_LABEL = re.compile(rf"^(?:小学)?(?P<grade>{_NUMBER})(?:年级)?$")
CLASS_LABEL = re.compile(rf"^\(?(?P<number>{_NUMBER})\)?班?$")
GRADE_AND_CLASS_LABEL = re.compile(
    rf"^(?:小学)?(?P<grade>{_NUMBER})(?:年级\(?(?P<after_word>{_NUMBER})\)?|\((?P<in_brackets>{_NUMBER})\))班?$"
)
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
    # None when the file has no such column: a re-import leaves the student's flag as it is.
    migrant_worker_child: bool | None
    single_parent: bool | None
    left_behind: bool | None
    low_income: bool | None


def clean(value: object) -> str:
    """A cell's text as compared: NFKC (full-width digits, letters and brackets become their
    ASCII forms, an ideographic space a space), trimmed, inner runs of space made one."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return " ".join(text.split())


def chinese_number(text: str) -> int | None:
    """1–99 written in digits or in Chinese numerals (三, 十二, 二十, 二十三)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CHINESE_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _CHINESE_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)


def parse_grade(text: str) -> int | None:
    match = GRADE_LABEL.match(text.replace(" ", "").removesuffix(".0"))
    return chinese_number(match["grade"]) if match else None


def parse_class(text: str) -> tuple[int | None, int] | None:
    """(the grade, when the label carries it, and the class number) of a class label."""
    label = text.replace(" ", "").removesuffix(".0")
    alone = CLASS_LABEL.match(label)
    if alone:
        number = chinese_number(alone["number"])
        return None if number is None else (None, number)
    both = GRADE_AND_CLASS_LABEL.match(label)
    if both:
        grade = chinese_number(both["grade"])
        number = chinese_number(both["after_word"] or both["in_brackets"])
        if grade is not None and number is not None:
            return grade, number
    return None


def map_headers(headers: Iterable[str]) -> tuple[dict[int, str], list[RowError]]:
    """Column index → field name, and an error for every required column that is missing."""
    lookup = {
        alias.strip().lower(): field for field, aliases in COLUMNS.items() for alias in aliases
    }
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = lookup.get(clean(header).replace(" ", "").lower())
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
        return clean(self.values.get(field))

    def flag(self, field: str) -> bool | None:
        if field not in self.values:
            return None  # the file has no such column
        raw = self.text(field).lower()
        if raw in YES:
            return True
        if raw not in NO:
            self.fail(field, "应填“是”或“否”", "must be 是 (yes) or 否 (no)")
        return False


def _grade_and_class(reader: _RowReader) -> tuple[int, int]:
    """From the grade column and the class label (which may carry the grade too)."""
    grade_text, class_text = reader.text("grade"), reader.text("class_number")
    grade = parse_grade(grade_text) if grade_text else None
    if grade_text and grade is None:
        reader.fail(
            "grade", "年级应为 1–6 或 一年级…六年级", "a grade from 1 to 6 (or 一年级…六年级)"
        )
    label = parse_class(class_text)
    if label is None:
        reader.fail(
            "class_number",
            "班级应为 2、2班、(2)班、三(2)班 或 3年级2班 等",
            "a class such as 2, 2班, (2)班, 三(2)班 or 3年级2班",
        )
        return grade or 1, 1
    class_grade, number = label
    if grade is not None and class_grade is not None and grade != class_grade:
        reader.fail(
            "class_number",
            f"班级所写年级({class_grade})与年级列({grade})不一致",
            f"the class's grade ({class_grade}) differs from the grade column ({grade})",
        )
    grade = grade if grade is not None else class_grade
    if grade is None and not grade_text:
        reader.fail("grade", "缺少年级(年级列或班级中写明)", "no grade, in its column or the class")
    elif grade is not None and not 1 <= grade <= 6:
        reader.fail("grade", "年级应为 1–6", "a grade from 1 to 6")
    if not 1 <= number <= 99:
        reader.fail("class_number", "班号应为 1–99", "a class number from 1 to 99")
    return grade or 1, number


def parse_row(row: int, values: Mapping[str, str]) -> tuple[RosterRow | None, list[RowError]]:
    reader = _RowReader(row, values)
    grade, class_number = _grade_and_class(reader)
    student_number = reader.text("student_number")
    if not STUDENT_NUMBER.match(student_number):
        reader.fail(
            "student_number", "学号应为 1–32 位字母、数字或连字符", "1–32 letters, digits or '-'"
        )
    name = reader.text("name")
    if not 1 <= len(name) <= 50:
        reader.fail("name", "姓名不能为空且不超过 50 字", "required, at most 50 characters")
    guardian_name = reader.text("guardian_name") or None
    typed_phone = reader.text("guardian_phone")
    guardian_phone = e164_phone(typed_phone) if typed_phone else None
    if typed_phone and guardian_phone is None:
        reader.fail(
            "guardian_phone",
            "电话号码无效(应为 11 位手机号,可带 +86)",
            "not a valid phone number (11 digits for a mobile, +86 allowed)",
        )
        guardian_phone = typed_phone
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


def find_header(
    rows: Iterator[tuple[int, list[str]]],
) -> tuple[dict[int, str], Iterator[tuple[int, list[str]]], list[RowError]]:
    """The header among the first `HEADER_SEARCH_ROWS` rows (the first that names every required
    column: title rows above it are passed over), and the rows after it. When none does, the
    errors of the row that came closest, with the hint where the header was looked for."""
    first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    best: tuple[int, list[RowError]] | None = None
    for index, (_row, cells) in enumerate(first):
        mapping, errors = map_headers(cells)
        if not errors:
            return mapping, itertools.chain(first[index + 1 :], rows), []
        if best is None or len(errors) < len(best[1]):
            best = (index, errors)
    errors = best[1] if best is not None else map_headers([])[1]
    hint = RowError(
        1, "表头",
        f"在前 {HEADER_SEARCH_ROWS} 行中未找到表头:需有“班级”“学号”“姓名”列(可另有“年级”)",
        f"no header in the first {HEADER_SEARCH_ROWS} rows: it needs 班级, 学号 and 姓名 columns",
    )  # fmt: skip
    return {}, iter(()), [hint, *errors]


def parse_roster(rows: Iterable[tuple[int, list[str]]]) -> tuple[list[RosterRow], list[RowError]]:
    """Validate a whole file: its rows (row number as the spreadsheet shows it, cell values),
    the header somewhere among the first, read lazily: a file with more than `MAX_ROWS` rows
    (blank ones too) is refused as soon as its first row past the limit is read."""
    mapping, body, errors = find_header(iter(rows))
    if errors:
        return [], errors
    parsed: list[RosterRow] = []
    first_row_of: dict[str, int] = {}
    for count, (row, cells) in enumerate(body, start=1):
        if count > MAX_ROWS:
            raise ImportTooLarge(
                f"the file has more than {MAX_ROWS} rows; at most {MAX_ROWS} are imported at once"
                f" · 文件超过 {MAX_ROWS} 行,一次最多导入 {MAX_ROWS} 行",
                max_rows=MAX_ROWS,
            )
        values = {
            field: cells[index] if index < len(cells) else "" for index, field in mapping.items()
        }
        if not any(clean(v) for v in values.values()):
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
