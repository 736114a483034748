"""Spreadsheets the dinas takes away: CSV that streams and XLSX written row by row.

One place for how a figure looks in a file, so the exports and the monthly report
agree: numbers stay numbers, rupiah carry a rupiah format, headers are in Bahasa
Indonesia, and file names say the period and the region.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
RUPIAH_FORMAT = '"Rp" #,##0;-"Rp" #,##0'
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
SHEET_TITLE_MAX = 31  # Excel's limit
SUMMED_KINDS = ("count", "rupiah")  # what a totals row adds up
BOLD = Font(bold=True)
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Column:
    """A column of a table: its Bahasa header, and how its cells look in a sheet."""

    header: str
    kind: str = "text"  # text, count, rupiah, percent, date

    @property
    def number_format(self) -> str | None:
        return {"count": COUNT_FORMAT, "rupiah": RUPIAH_FORMAT, "percent": PERCENT_FORMAT,
                "date": DATE_FORMAT}.get(self.kind)


def file_name(*parts: str | datetime.date | None, extension: str) -> str:
    """`penjualan_61.07_2026-01-01_2026-12-31.xlsx`: the parts given, safe for any disk."""
    words = [part.isoformat() if isinstance(part, datetime.date) else part
             for part in parts if part]
    stem = "_".join(_FILE_NAME_UNSAFE.sub("-", word).strip("-") for word in words)
    return f"{stem}.{extension}"


def attachment(name: str) -> str:
    """The Content-Disposition of a download called `name` (already ASCII-safe)."""
    return f'attachment; filename="{name}"'


class _Echo:
    """A file whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header and each row as CSV lines, one at a time (memory flat whatever the count).

    Starts with a byte order mark so that Excel opens the UTF-8 as UTF-8.
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([column.header for column in columns])
    for row in rows:
        yield writer.writerow(row)


def workbook_new() -> Workbook:
    """A write-only workbook: rows go to disk as they are appended, not kept in memory."""
    return Workbook(write_only=True)


def sheet_title(text: str, taken: set[str]) -> str:
    """A sheet title Excel accepts, unique within `taken` (which it joins)."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", text).strip()[:SHEET_TITLE_MAX] or "Lembar"
    title, number = base, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[: SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def sheet_write(
    sheet: WriteOnlyWorksheet, columns: Sequence[Column], rows: Iterable[Sequence],
    *, totals: str | None = None,
) -> None:
    """A bold header row, then the rows with each column's number format.

    With `totals`, a bold last row: that label in the first column and the sum of each
    count and rupiah column, added up as the rows go by (`rows` is read once).
    """
    sheet.append([_cell(sheet, column.header, None, bold=True) for column in columns])
    formats = [column.number_format for column in columns]
    summed = [index for index, column in enumerate(columns) if column.kind in SUMMED_KINDS]
    sums = dict.fromkeys(summed, 0)
    for row in rows:
        sheet.append([_cell(sheet, value, number_format)
                      for value, number_format in zip(row, formats, strict=True)])
        for index in summed:
            sums[index] += row[index] or 0
    if totals is not None:
        footer = [sums.get(index) for index in range(len(columns))]
        footer[0] = totals
        sheet.append([_cell(sheet, value, None if index == 0 else formats[index], bold=True)
                      for index, value in enumerate(footer)])


def _cell(sheet: WriteOnlyWorksheet, value, number_format: str | None, *, bold: bool = False):
    """The value as it goes into a row: plain, or a styled cell when it needs a format."""
    if value is None or not (number_format or bold):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


def csv_response(
    name: str, columns: Sequence[Column], rows: Iterable[Sequence],
) -> StreamingHttpResponse:
    """A CSV download of `rows`, sent as they are iterated (never held whole in memory)."""
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


def xlsx_response(name: str, workbook: Workbook) -> FileResponse:
    """A download of the workbook, saved to a temporary file (deleted when sent), not to memory."""
    file = tempfile.TemporaryFile()  # closed, and so deleted, by the response once sent
    workbook.save(file)
    file.seek(0)
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response
