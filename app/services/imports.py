"""Bulk import of classes, students and guardians from .xlsx or .csv: a dry run that reports the
bad rows, then an all-or-nothing commit. A file is read on a worker thread, within limits checked
as it is read (rows, unpacked size), so that no upload holds up the process's other requests."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import ImportInvalid, ImportTooLarge, RuleViolation
from app.domain.roster import RosterRow, RowError, parse_roster
from app.domain.statuses import BindingStatus
from app.models import Guardianship, SchoolClass, Student, User
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
    guardians_created: int = 0
    bindings_created: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    error_count: int = 0


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _unreadable_xlsx() -> RuleViolation:
    return RuleViolation("the .xlsx file cannot be read")


def _xlsx_table(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        rows = first_sheet_rows(
            content, max_unpacked_bytes=MAX_UNPACKED_BYTES, max_columns=MAX_COLUMNS
        )
        _, header = next(rows, (1, []))
    except WorkbookTooLarge as error:
        mb = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise ImportTooLarge(
            f"the .xlsx file unpacks to more than {mb} MB · 文件解压后超过 {mb} MB",
            max_unpacked_bytes=MAX_UNPACKED_BYTES,
        ) from error
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _unreadable_xlsx() from error
    return [_cell(v) for v in header], _readable_rows(rows)


def _readable_rows(rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in rows:
            yield number, [_cell(v) for v in values]
    except Exception as error:  # damage further into the sheet
        raise _unreadable_xlsx() from error


def read_table(filename: str, content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Headers and numbered rows of the first sheet of an .xlsx, or of a .csv (UTF-8 or GBK).
    Rows are read as they are iterated."""
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
        reader = csv.reader(io.StringIO(text))
        headers = next(reader, [])
        return headers, ((number, row) for number, row in enumerate(reader, start=2))
    raise RuleViolation("upload an .xlsx or a .csv file")


def read_roster(filename: str, content: bytes) -> tuple[list[RosterRow], list[RowError]]:
    """Read and check a whole file: seconds of CPU for a large one, and nothing of the database,
    so it runs on a worker thread while the event loop goes on serving other requests."""
    headers, rows = read_table(filename, content)
    return parse_roster(headers, rows)


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
    existing = set(
        await session.scalars(
            select(Student.student_number).where(
                Student.school_id == school_id,
                Student.student_number.in_([r.student_number for r in records]),
            )
        )
    )
    for record in records:
        if record.student_number in existing:
            errors.append(
                RowError(record.row, "学号", "该学号已存在", "a student with this number exists")
            )
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
    return report


async def _write(
    session: AsyncSession,
    school_id: int,
    records: list[RosterRow],
    report: ImportReport,
    dry_run: bool,
) -> None:
    classes = {
        (c.grade, c.number): c.id
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id)
        )
    }
    wanted = sorted({(r.grade, r.class_number) for r in records} - set(classes))
    report.classes_created = len(wanted)
    phones = {r.guardian_phone for r in records if r.guardian_phone}
    known_guardians = {
        phone: user_id
        for user_id, phone in await session.execute(
            select(User.id, User.phone).where(User.phone.in_(phones))
        )
    }
    new_phones = sorted(phones - set(known_guardians))
    report.guardians_created = len(new_phones)
    report.students_created = len(records)
    report.bindings_created = sum(1 for r in records if r.guardian_phone)
    if dry_run:
        return
    if wanted:
        created = await session.execute(
            insert(SchoolClass).returning(SchoolClass.id, SchoolClass.grade, SchoolClass.number),
            [{"school_id": school_id, "grade": g, "number": n} for g, n in wanted],
        )
        classes.update({(grade, number): class_id for class_id, grade, number in created})
    student_ids = {
        number: student_id
        for student_id, number in await session.execute(
            insert(Student).returning(Student.id, Student.student_number),
            [
                {
                    "school_id": school_id,
                    "class_id": classes[(r.grade, r.class_number)],
                    "name": r.name,
                    "student_number": r.student_number,
                    "migrant_worker_child": r.migrant_worker_child,
                    "single_parent": r.single_parent,
                    "left_behind": r.left_behind,
                    "low_income": r.low_income,
                }
                for r in records
            ],
        )
    }
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
        for r in records
        if r.guardian_phone
    ]
    if bindings:
        await session.execute(insert(Guardianship), bindings)
    engine_changes.record(
        session, *(engine_changes.StudentChanged(student) for student in student_ids.values())
    )
