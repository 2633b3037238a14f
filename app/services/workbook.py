"""Writing .xlsx files for download: openpyxl's write-only mode (rows go straight to the file,
not into a cell tree), into a spooled temporary file read back in chunks for streaming. Reading
an uploaded .xlsx row by row, bounded before it is unpacked."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from openpyxl.reader.excel import ExcelReader

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


class WorkbookTooLarge(ValueError):
    """The workbook would unpack to more than the limit: a zip bomb, or simply far too big."""


def unpacked_size(content: bytes) -> int:
    """What the archive's entries unpack to, as its directory states it. Reading an entry stops
    at the size stated (Python's zipfile checks it), so the stated sizes bound the real ones."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def first_sheet_rows(
    content: bytes, *, max_unpacked_bytes: int, max_columns: int
) -> Iterator[tuple[int, list[object]]]:
    """(row number, cell values) of the first worksheet, row by row as the file lists them, each
    cut to its first `max_columns` columns: the caller stops reading where it wants.

    Not openpyxl's read-only worksheet: when a file does not state the sheet's size, that reads
    the whole sheet to find it before giving the first row, and when it does, it pads every row
    out to the stated width. Raises `WorkbookTooLarge` before unpacking anything, and openpyxl's
    or zipfile's errors for a damaged file (also while iterating)."""
    if unpacked_size(content) > max_unpacked_bytes:
        raise WorkbookTooLarge(f"unpacks to more than {max_unpacked_bytes} bytes")
    from openpyxl.reader.excel import ExcelReader  # only when a roster is read: a few MB
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)  # which number formats are dates
    target = next(
        (
            rel.target
            for _, rel in reader.parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in reader.valid_files
        ),
        None,
    )
    if target is None:
        raise ValueError("the workbook has no worksheet")
    return _rows(reader, target, max_columns)


def _rows(reader: ExcelReader, target: str, max_columns: int) -> Iterator[tuple[int, list[object]]]:
    from openpyxl.worksheet._reader import WorkSheetParser

    with reader.archive.open(target) as source:
        parser = WorkSheetParser(
            source,
            reader.shared_strings,
            data_only=True,
            epoch=reader.wb.epoch,
            # Set on the workbook by apply_stylesheet; the stubs do not know them.
            date_formats=reader.wb._date_formats,  # type: ignore[attr-defined]
            timedelta_formats=reader.wb._timedelta_formats,  # type: ignore[attr-defined]
        )
        for number, cells in parser.parse():
            values: list[object] = [None] * min(
                max_columns, max((c["column"] for c in cells), default=0)
            )
            for cell in cells:
                if cell["column"] <= max_columns:
                    values[cell["column"] - 1] = cell["value"]
            yield number, values
