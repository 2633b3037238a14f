"""Bulk import of classes, students and guardians from .xlsx or .csv: a dry run that reports the
bad rows, then an all-or-nothing commit. A file is read on a worker thread, within limits checked
as it is read (rows, unpacked size), so that no upload holds up the process's other requests."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import ImportInvalid, ImportTooLarge, RuleViolation, StaleVersion
from app.domain.roster import COLUMNS, MAX_ROWS, RosterRow, RowError, parse_roster
from app.domain.statuses import BindingStatus
from app.models import AuditEvent, Guardianship, SchoolClass, Student, User
from app.persistence import engine_changes
from app.services.common import require_admin_of
from app.services.workbook import WorkbookTooLarge, first_sheet_rows

log = structlog.get_logger("app.imports")

MAX_FILE_BYTES = 10 * 1024 * 1024
# A 20,000-row roster of the usual columns unpacks to about 11 MB. The stated sizes in the zip's
# directory are checked before anything is unpacked: a small file that unpacks to gigabytes (a
# zip bomb) is refused without being read.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# The roster has 11 columns; a school's own export adds a few. Cells past this are never read.
MAX_COLUMNS = 64
# A school fixes a file in passes: the first hundred problems say what is wrong, the count how
# much. Thousands of lines would only make the answer slow to send and to show.
MAX_REPORTED_ERRORS = 100


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    classes_created: int = 0
    students_created: int = 0
    students_updated: int = 0  # in the school already, and the file changes them
    students_unchanged: int = 0
    students_not_in_file: int = 0  # in the school, not in the file: left as they are
    guardians_created: int = 0
    bindings_created: int = 0
    # Students of the school with a guardian already, to whom the file gives another (a new
    # number, say): both are kept, never one taken away unasked; the school sees which.
    guardians_added_beside: int = 0
    added_beside: list[str] = field(default_factory=list)  # student numbers, the first 100
    # Classes the file would add, as a school names them ("3年级32班"): a dry run shows them, so
    # that a class number typed as grade and class (32 for 3(2)) is seen before it is made.
    new_classes: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # student numbers, the first 100
    not_in_file: list[str] = field(default_factory=list)  # student numbers, the first 100
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    error_count: int = 0


@dataclass(frozen=True)
class _Known:
    """A student of the school already, as the file's columns describe one."""

    id: int
    version: int
    name: str
    grade: int
    class_number: int
    flags: Flags


Flags = tuple[bool, bool, bool, bool]


def _flags(student: Student) -> Flags:
    return (
        student.migrant_worker_child, student.single_parent, student.left_behind,
        student.low_income,
    )  # fmt: skip


def _flags_after(record: RosterRow, before: Flags | None) -> Flags:
    """The record's flags; one its file has no column for keeps the student's (no, when new)."""
    given = (
        record.migrant_worker_child,
        record.single_parent,
        record.left_behind,
        record.low_income,
    )
    kept = before or (False, False, False, False)
    migrant, single, left_behind, low_income = (
        flag if flag is not None else old for flag, old in zip(given, kept, strict=True)
    )
    return migrant, single, left_behind, low_income


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _unreadable_xlsx() -> RuleViolation:
    return RuleViolation("the .xlsx file cannot be read")


def _xlsx_table(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        rows = first_sheet_rows(
            content, max_unpacked_bytes=MAX_UNPACKED_BYTES, max_columns=MAX_COLUMNS
        )
        first = next(rows, None)
    except WorkbookTooLarge as error:
        mb = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise ImportTooLarge(
            f"the .xlsx file unpacks to more than {mb} MB · 文件解压后超过 {mb} MB",
            max_unpacked_bytes=MAX_UNPACKED_BYTES,
        ) from error
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _unreadable_xlsx() from error
    if first is None:
        return iter(())
    return _readable_rows(itertools.chain([first], rows))


def _readable_rows(rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in rows:
            yield number, [_cell(v) for v in values]
    except Exception as error:  # damage further into the sheet
        raise _unreadable_xlsx() from error


# Formats schools have that are not read here, and what to do instead.
SAVE_AS = (
    "save it as .xlsx (or .csv) in Excel or WPS and upload that · "
    "请在 Excel 或 WPS 中“另存为” .xlsx(或 .csv)后再上传"
)
OTHER_FORMATS = {
    ".xls": "the old Excel format (.xls) is not read",
    ".et": "WPS's own format (.et) is not read",
    ".ods": "the OpenDocument format (.ods) is not read",
    ".numbers": "the Numbers format is not read",
}


def read_table(filename: str, content: bytes) -> Iterator[tuple[int, list[str]]]:
    """The numbered rows of the first sheet of an .xlsx, or of a .csv (UTF-8 or GBK), header and
    title rows included. Rows are read as they are iterated."""
    if len(content) > MAX_FILE_BYTES:
        raise RuleViolation(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_table(content)
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RuleViolation("the .csv file is neither UTF-8 nor GBK")
        return enumerate(csv.reader(io.StringIO(text)), start=1)
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    reason = OTHER_FORMATS.get(suffix, "only .xlsx and .csv files are read")
    raise RuleViolation(f"{reason}: {SAVE_AS}")


def read_roster(filename: str, content: bytes) -> tuple[list[RosterRow], list[RowError]]:
    """Read and check a whole file: seconds of CPU for a large one, and nothing of the database,
    so it runs on a worker thread while the event loop goes on serving other requests."""
    return parse_roster(read_table(filename, content))


async def import_roster(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> ImportReport:
    await require_admin_of(session, principal, school_id)
    log.info("import_file_reading", school_id=school_id, file_bytes=len(content))
    started = time.perf_counter()
    records, errors = await asyncio.to_thread(read_roster, filename, content)
    log.info(
        "import_file_read",
        school_id=school_id,
        rows=len(records),
        errors=len(errors),
        seconds=round(time.perf_counter() - started, 3),
    )
    report = ImportReport(dry_run=dry_run, rows=len(records) + len({e.row for e in errors}))
    report.error_count = len(errors)
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))[:MAX_REPORTED_ERRORS]
    if report.errors:
        if dry_run:
            return report
        raise ImportInvalid(
            f"{report.error_count} problem(s) in the file",
            errors=[e.__dict__ for e in report.errors],
            error_count=report.error_count,
        )
    await _write(session, school_id, records, report, dry_run)
    if not dry_run:
        session.add(
            AuditEvent(
                school_id=school_id, actor_id=principal.user_id, action="roster-import",
                reason=f"名单导入 {filename}"[:200],
                detail={name: getattr(report, name) for name in COUNTS},
            )
        )  # fmt: skip
    return report


COUNTS = (
    "rows", "classes_created", "students_created", "students_updated", "students_unchanged",
    "students_not_in_file", "guardians_created", "bindings_created",
)  # fmt: skip


async def _known_students(session: AsyncSession, school_id: int) -> dict[str, _Known]:
    rows = await session.execute(
        select(Student, SchoolClass.grade, SchoolClass.number)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school_id)
    )
    return {
        student.student_number: _Known(
            student.id, student.version, student.name, grade, number, _flags(student)
        )
        for student, grade, number in rows
    }


async def _write(
    session: AsyncSession,
    school_id: int,
    records: list[RosterRow],
    report: ImportReport,
    dry_run: bool,
) -> None:
    """Add the new students, bring the known ones up to date (keyed by 学号), and link every
    guardian named; a student of the school the file leaves out is reported, never removed."""
    known = await _known_students(session, school_id)
    new = [r for r in records if r.student_number not in known]
    changed = [
        r for r in records
        if (old := known.get(r.student_number)) is not None
        and (old.name, old.grade, old.class_number, old.flags)
        != (r.name, r.grade, r.class_number, _flags_after(r, old.flags))
    ]  # fmt: skip
    in_file = {r.student_number for r in records}
    left_out = sorted(number for number in known if number not in in_file)
    report.students_created, report.students_updated = len(new), len(changed)
    report.students_unchanged = len(records) - len(new) - len(changed)
    report.students_not_in_file = len(left_out)
    report.updated = [r.student_number for r in changed][:MAX_REPORTED_ERRORS]
    report.not_in_file = left_out[:MAX_REPORTED_ERRORS]
    classes = {
        (c.grade, c.number): c.id
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id)
        )
    }
    wanted = sorted({(r.grade, r.class_number) for r in [*new, *changed]} - set(classes))
    report.classes_created = len(wanted)
    report.new_classes = [f"{g}年级{n}班" for g, n in wanted][:MAX_REPORTED_ERRORS]
    phones = {r.guardian_phone for r in records if r.guardian_phone}
    known_guardians = {
        phone: user_id
        for user_id, phone in await session.execute(
            select(User.id, User.phone).where(User.phone.in_(phones))
        )
    }
    new_phones = sorted(phones - set(known_guardians))
    report.guardians_created = len(new_phones)
    bound = {
        (student_id, user_id)
        for student_id, user_id in await session.execute(
            select(Guardianship.student_id, Guardianship.user_id)
            .join(Student, Student.id == Guardianship.student_id)
            .join(User, User.id == Guardianship.user_id)
            .where(Student.school_id == school_id, User.phone.in_(phones))
        )
    }
    wanted_bindings = [
        r for r in records
        if r.guardian_phone
        and (r.student_number not in known or r.guardian_phone not in known_guardians
             or (known[r.student_number].id, known_guardians[r.guardian_phone]) not in bound)
    ]  # fmt: skip
    report.bindings_created = len(wanted_bindings)
    guarded = set(
        await session.scalars(
            select(Guardianship.student_id).where(
                Guardianship.student_id.in_([k.id for k in known.values()]),
                Guardianship.status == BindingStatus.CONFIRMED,
            )
        )
    )
    beside = list(
        dict.fromkeys(
            r.student_number
            for r in wanted_bindings
            if r.student_number in known and known[r.student_number].id in guarded
        )
    )
    report.guardians_added_beside = len(beside)
    report.added_beside = beside[:MAX_REPORTED_ERRORS]
    if dry_run:
        return
    if wanted:
        created = await session.execute(
            insert(SchoolClass).returning(SchoolClass.id, SchoolClass.grade, SchoolClass.number),
            [{"school_id": school_id, "grade": g, "number": n} for g, n in wanted],
        )
        classes.update({(grade, number): class_id for class_id, grade, number in created})
    student_ids = {number: k.id for number, k in known.items()}
    if new:
        inserted = await session.execute(
            insert(Student).returning(Student.id, Student.student_number),
            [
                {"school_id": school_id, "student_number": r.student_number,
                 **_student_columns(r, classes, None)}
                for r in new
            ],
        )  # fmt: skip
        student_ids |= {number: student_id for student_id, number in inserted}
    if changed:  # one statement for them all; each row's version checked and moved
        updated = await session.execute(  # a CursorResult: an UPDATE's
            _UPDATE_STUDENT,
            [
                {"student": known[r.student_number].id, "seen": known[r.student_number].version,
                 **{f"new_{k}": v for k, v in
                    _student_columns(r, classes, known[r.student_number].flags).items()}}
                for r in changed
            ],
        )  # fmt: skip
        if cast(CursorResult[Any], updated).rowcount != len(changed):
            raise StaleVersion(
                "a student of the file was edited meanwhile: run the import again",
                current_version=None,
            )
    guardian_names = {r.guardian_phone: r.guardian_name for r in records if r.guardian_phone}
    if new_phones:
        created_users = await session.execute(
            insert(User).returning(User.id, User.phone),
            [{"name": guardian_names[phone], "phone": phone} for phone in new_phones],
        )
        known_guardians.update({phone: user_id for user_id, phone in created_users})
    now = datetime.now(UTC)
    bindings = [
        {
            "student_id": student_ids[r.student_number],
            "user_id": known_guardians[r.guardian_phone],
            "relation": r.relation,
            "status": BindingStatus.CONFIRMED,
            "confirmed_at": now,
        }
        for r in wanted_bindings
        if r.guardian_phone
    ]
    if bindings:
        await session.execute(insert(Guardianship), bindings)
    touched = {student_ids[r.student_number] for r in [*new, *changed, *wanted_bindings]}
    engine_changes.record(
        session, *(engine_changes.StudentChanged(student) for student in sorted(touched))
    )


# The table, not the mapped class: an executemany of one UPDATE (the ORM's bulk form would want
# every row's version given).
_STUDENT_TABLE = cast(Table, Student.__table__)
_STUDENTS = _STUDENT_TABLE.c
_UPDATED_COLUMNS = (
    "class_id", "name", "migrant_worker_child", "single_parent", "left_behind", "low_income",
)  # fmt: skip
_UPDATE_STUDENT = (
    update(_STUDENT_TABLE)
    .where(_STUDENTS.id == bindparam("student"), _STUDENTS.version == bindparam("seen"))
    .values(
        {
            **{name: bindparam(f"new_{name}") for name in _UPDATED_COLUMNS},
            "version": _STUDENTS.version + 1,
        }
    )
)


def _student_columns(
    record: RosterRow, classes: dict[tuple[int, int], int], before: Flags | None
) -> dict[str, object]:
    migrant, single, left_behind, low_income = _flags_after(record, before)
    return {
        "class_id": classes[(record.grade, record.class_number)],
        "name": record.name,
        "migrant_worker_child": migrant,
        "single_parent": single,
        "left_behind": left_behind,
        "low_income": low_income,
    }


TEMPLATE_NAME = "学生名单导入模板.xlsx"
TEMPLATE_EXAMPLE = [
    "三年级", "三(2)班", "20230201", "王小明", "王芳", "13800138000", "母亲", "否", "否", "否", "否",
]  # fmt: skip
TEMPLATE_CHOICES = {
    "年级": ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
    "关系": ["父亲", "母亲", "祖父母", "监护人", "其他"],
    "随迁子女": ["是", "否"], "单亲": ["是", "否"], "留守": ["是", "否"], "困难家庭": ["是", "否"],
}  # fmt: skip


async def roster_template(session: AsyncSession, principal: Principal, school_id: int) -> bytes:
    """The import's template: its columns (as `parse_roster` reads them), a list to choose from
    in every column that takes only some values, and an example row on a second sheet."""
    await require_admin_of(session, principal, school_id)
    return await asyncio.to_thread(_template)


def _template() -> bytes:
    from openpyxl import Workbook  # only when a template is asked for: a few MB
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headers = [aliases[0] for aliases in COLUMNS.values()]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "学生名单"
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    # The example on a sheet of its own: the import reads the first sheet, and an example row
    # left in it would become a student.
    example = workbook.create_sheet("示例")
    example.append(headers)
    example.append(TEMPLATE_EXAMPLE)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, len(header) * 3)
        choices = TEMPLATE_CHOICES.get(header)
        if choices:
            rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
            rule.error, rule.errorTitle = "请从下拉列表中选择", header
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
