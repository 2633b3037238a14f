"""Writing .xlsx files for download: openpyxl's write-only mode (rows go straight to the file,
not into a cell tree), into a spooled temporary file read back in chunks for streaming. Reading
an uploaded .xlsx row by row, bounded before it is unpacked."""

from __future__ import annotations

import io
import itertools
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import quote

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
IN_MEMORY_UP_TO = 8 * 1024 * 1024


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: dict[int, float] = field(default_factory=dict)  # column number (1-based) → width
    # The title block above the table, as a school prints it: the title, then who, when, where.
    heading: Sequence[str] = ()
    money: frozenset[int] = frozenset()  # columns (1-based) of yuan amounts: two decimals
    # Kept in view when scrolling right (the names beside the dates), and printed again on each
    # page across when the table is printed in parts.
    frozen_columns: int = 0
    # Columns after which a printed page ends (a month of dates to a page); none: the table is
    # fitted to the page's width.
    column_breaks: Sequence[int] = ()


# A4 holds about this many character widths at 100 % (0.4" margins), as LibreOffice prints them:
# a wider table goes landscape, and is fitted to the page's width (as many pages down as it
# takes).
PORTRAIT_WIDTH = 75.0
LANDSCAPE_WIDTH = 105.0
MONEY_FORMAT = "#,##0.00"
PAPER_A4 = 9  # the paper size code of SpreadsheetML's page setup


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(sheet: Sheet) -> list[float]:
    return [
        sheet.widths.get(number, max(6.0, display_width(header) + 2.0))
        for number, header in enumerate(sheet.headers, start=1)
    ]


def write_workbook(
    sheets: Sequence[Sheet], progress: Callable[[int], None] | None = None
) -> IO[bytes]:
    """The workbook in a temporary file, positioned at its start: each sheet ready to print
    (title block, bordered table, header repeated on every page and frozen on screen, A4 fitted
    to the page's width). `progress` is told the number of sheets written so far."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    styles = _Styles(book)
    for written, sheet in enumerate(sheets, start=1):
        _write_sheet(book, styles, sheet)
        if progress is not None:
            progress(written)
    output: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115
    book.save(output)
    output.seek(0)
    return output


class _Styles:
    """Each kind of cell's style, made once: every cell of a kind shares it (a cell styled on
    its own costs a lookup of each part of its style, a cell given a ready style array does not)."""

    def __init__(self, book: Workbook) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        scratch = book.create_sheet("styles")
        thin = Side(style="thin", color="000000")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)

        def style(**parts: Any) -> StyleArray:
            cell = WriteOnlyCell(scratch)
            for name, value in parts.items():
                setattr(cell, name, value)
            return cast("StyleArray", cell._style)  # type: ignore[attr-defined]

        self.title = style(font=Font(bold=True, size=16), alignment=Alignment(horizontal="center"))
        self.detail = style(font=Font(size=11), alignment=Alignment(horizontal="center"))
        # Over a table printed in parts: from the left, where the repeated columns put it on
        # every page.
        self.title_left = style(font=Font(bold=True, size=16))
        self.detail_left = style(font=Font(size=11))
        self.header = style(
            font=Font(bold=True),
            border=box,
            fill=PatternFill("solid", fgColor="E7E6E6"),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.cell = style(border=box, alignment=Alignment(vertical="center"))
        self.money = style(border=box, number_format=MONEY_FORMAT)
        book.remove(scratch)


def _write_sheet(book: Workbook, styles: _Styles, sheet: Sheet) -> None:
    from openpyxl.cell import Cell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import CellRange

    target = book.create_sheet(title=sheet.title[:31])
    widths = column_widths(sheet)
    # A write-only sheet writes its properties, view and columns with its first row: all of its
    # layout is set before any row.
    _lay_out(cast("Worksheet", target), sheet, widths)

    def cell(value: Any, style: StyleArray) -> Cell:
        # Where the cell goes is set as the row is written.
        return Cell(target, row=1, column=1, value=value, style_array=style)

    last_column = get_column_letter(max(1, len(sheet.headers)))
    centred = not sheet.column_breaks
    for number, line in enumerate(sheet.heading, start=1):
        if centred:
            target.append([cell(line, styles.title if number == 1 else styles.detail)])
            target.merged_cells.add(CellRange(f"A{number}:{last_column}{number}"))
        else:
            target.append([cell(line, styles.title_left if number == 1 else styles.detail_left)])
    target.append([cell(header, styles.header) for header in sheet.headers])
    columns = len(sheet.headers)
    kinds = [styles.money if n in sheet.money else styles.cell for n in range(1, columns + 1)]
    # One cell per column, given each row's value in turn: openpyxl writes a row's cells one by
    # one as a generator hands them over, so a cell is written before it is given its next
    # value, and the table's hundreds of thousands of cells need no object each.
    column_cells = [cell(None, kind) for kind in kinds]

    def filled(values: Sequence[Any]) -> Iterator[Cell]:
        for column, value in zip(column_cells, values, strict=False):
            column.value = value
            yield column
        for column in column_cells[len(values) :]:
            column.value = None
            yield column

    for row in sheet.rows:
        target.append(filled(row))


def _lay_out(layout: Worksheet, sheet: Sheet, widths: list[float]) -> None:
    """Columns, the frozen header, and the printed page. (The write-only sheet has the
    worksheet's layout, openpyxl copies its setup over; the type stubs do not say so.)"""
    from openpyxl.utils import get_column_letter

    for column, width in enumerate(widths, start=1):
        layout.column_dimensions[get_column_letter(column)].width = width
    header_row = len(sheet.heading) + 1
    layout.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{header_row + 1}"
    layout.print_title_rows = f"1:{header_row}"
    setup = layout.page_setup
    setup.paperSize = PAPER_A4
    if sheet.column_breaks:
        _print_in_parts(layout, sheet, widths)
    else:
        setup.orientation = "landscape" if sum(widths) > PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        layout.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
        layout.print_options.horizontalCentered = True
    layout.page_margins.left = layout.page_margins.right = 0.4
    layout.oddFooter.center.text = "第 &P 页,共 &N 页"  # type: ignore[union-attr]


def _print_in_parts(target: Worksheet, sheet: Sheet, widths: list[float]) -> None:
    """Landscape pages across, ending after each of `column_breaks`, the frozen columns printed
    on each, scaled so that the widest part fits."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    kept = sum(widths[: sheet.frozen_columns])
    edges = [sheet.frozen_columns, *sheet.column_breaks, len(widths)]
    widest = max(kept + sum(widths[a:b]) for a, b in itertools.pairwise(edges))
    target.page_setup.orientation = "landscape"
    target.page_setup.scale = max(10, min(100, int(100 * LANDSCAPE_WIDTH / widest)))
    if sheet.frozen_columns:
        target.print_title_cols = f"A:{get_column_letter(sheet.frozen_columns)}"
    for column in sheet.column_breaks:
        target.col_breaks.append(Break(id=column))


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
