"""Writing .xlsx files for download: openpyxl's write-only mode (rows go straight to the file,
not into a cell tree), into a spooled temporary file read back in chunks for streaming."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import quote

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
IN_MEMORY_UP_TO = 8 * 1024 * 1024


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: dict[int, float] = field(default_factory=dict)  # column number (1-based) → width


def write_workbook(sheets: Sequence[Sheet]) -> IO[bytes]:
    """The workbook in a temporary file, positioned at its start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for sheet in sheets:
        target = book.create_sheet(title=sheet.title[:31])
        for column, width in sheet.widths.items():
            target.column_dimensions[get_column_letter(column)].width = width
        header_cells = []
        for header in sheet.headers:
            cell = WriteOnlyCell(target, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        target.append(header_cells)
        for row in sheet.rows:
            target.append(list(row))
    output: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
    book.save(output)
    output.seek(0)
    return output


def chunks(output: IO[bytes]) -> Iterator[bytes]:
    try:
        while data := output.read(CHUNK):
            yield data
    finally:
        output.close()


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266 with RFC 5987's `filename*` for the Chinese name, and an ASCII fallback."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
