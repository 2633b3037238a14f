""".xlsx files written as raw parts of the zip: a sheet of any number of rows in the time it takes
to deflate it, and files no spreadsheet program would write (a million rows that pack into a few
hundred KB, a sheet that stops making sense past a row)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import load_workbook

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE_RELS}"><sheets>'
        '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
SHEET_PART = "xl/worksheets/sheet1.xml"


def row_xml(cells: Sequence[object]) -> bytes:
    """One row without row or cell references (as some exporters write): numbers as numbers,
    anything else as an inline string."""
    parts = []
    for value in cells:
        if isinstance(value, int):
            parts.append(f"<c><v>{value}</v></c>")
        else:
            parts.append(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return ("<row>" + "".join(parts) + "</row>").encode()


def xlsx_of_rows(
    rows: Iterable[bytes], *, dimension: str | None = None, tail: bytes = b""
) -> bytes:
    """A workbook whose one sheet lists `rows` (row XML, as `row_xml` writes it); `dimension`
    states the sheet's size (`A1:K20001`), `tail` goes between the rows and the sheet's end."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, xml)
        with archive.open(SHEET_PART, "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_MAIN}">'.encode())
            if dimension is not None:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(tail + b"</sheetData></worksheet>")
    return buffer.getvalue()


def repeated_rows(row: bytes, count: int, block: int = 10_000) -> Iterable[bytes]:
    """`count` copies of one row, handed out in blocks so that a million of them are quick."""
    full, rest = divmod(count, block)
    chunk = row * block
    for _ in range(full):
        yield chunk
    yield row * rest


ROSTER_HEADERS = [
    "年级", "班级", "学号", "姓名", "监护人姓名", "监护人电话", "关系", "随迁子女", "单亲", "留守",
    "困难家庭",
]  # fmt: skip


def _student(n: int, per_grade: int) -> list[object]:
    grade, class_number = n // per_grade + 1, (n % per_grade) // 40 + 1
    left_behind = "是" if n % 20 == 0 else "否"
    return [
        grade, class_number, f"S{n:06d}", "王子轩", "王家长", f"139{n:08d}", "母亲", "否", "否",
        left_behind, "否",
    ]  # fmt: skip


def roster(rows: int) -> bytes:
    """A school's roster, every column filled, every row good: grades 1-6, classes of 40."""
    per_grade = -(-rows // 6)
    return xlsx_of_rows(
        [row_xml(ROSTER_HEADERS), *(row_xml(_student(n, per_grade)) for n in range(rows))]
    )


def million_bad_rows() -> bytes:
    """A few hundred KB that unpack to a million rows (26 MB), every one of them bad."""
    return xlsx_of_rows([row_xml(ROSTER_HEADERS[:4]), *repeated_rows(row_xml([9]), 1_000_000)])


def sheet_tables(content: bytes) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """An exported workbook read back: each sheet's title block (its lines, above the header) and
    its table (the header and the rows, as wide as the header). The header is the row above the
    one the sheet's panes are frozen at."""
    book = load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in book.worksheets:
        assert sheet.freeze_panes is not None
        header = sheet[sheet.freeze_panes].row - 1
        rows = list(sheet.iter_rows(values_only=True))
        heading = [str(row[0]) for row in rows[: header - 1]]
        width = sum(1 for value in rows[header - 1] if value is not None)
        sheets[sheet.title] = (heading, [row[:width] for row in rows[header - 1 :]])
    return sheets
