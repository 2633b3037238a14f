"""Bulk import of classes, students and guardians from .xlsx or .csv: a dry run that reports every
bad row, then an all-or-nothing commit."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import engine_changes
from app.domain.access import Principal
from app.domain.errors import ImportInvalid, RuleViolation
from app.domain.roster import RosterRow, RowError, parse_roster
from app.models import BindingStatus, Guardianship, SchoolClass, Student, User
from app.services.common import require_admin_of

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    classes_created: int = 0
    students_created: int = 0
    guardians_created: int = 0
    bindings_created: int = 0
    errors: list[RowError] = field(default_factory=list)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def read_table(filename: str, content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Headers and numbered rows of the first sheet of an .xlsx, or of a .csv (UTF-8 or GBK)."""
    if len(content) > MAX_FILE_BYTES:
        raise RuleViolation(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            from openpyxl import load_workbook  # only when a roster is read: a few MB

            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise RuleViolation("the .xlsx file cannot be read") from error
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = [_cell(v) for v in next(rows, ())]
        return headers, (
            (number, [_cell(v) for v in row]) for number, row in enumerate(rows, start=2)
        )
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


async def import_roster(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    filename: str,
    content: bytes,
    dry_run: bool,
) -> ImportReport:
    await require_admin_of(session, principal, school_id)
    headers, rows = read_table(filename, content)
    records, errors = parse_roster(headers, rows)
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
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))
    if report.errors:
        if dry_run:
            return report
        raise ImportInvalid(
            f"{len(report.errors)} problem(s) in the file",
            errors=[e.__dict__ for e in report.errors],
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
