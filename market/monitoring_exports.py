"""The dinas monitoring as files: the sales figures and the registry, in CSV or XLSX.

The rows come from the monitoring selectors (so from the caller's scope) and are written
as they are read: CSV streams them, XLSX goes to a temporary file row by row, so memory
stays flat whatever the count. Headers in Bahasa Indonesia, as in the monthly report.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import HttpResponseBase

from market.models import Cooperative
from market.selectors import EXPORT_CHUNK_SIZE, FIGURES, Period
from market.spreadsheets import (
    Column,
    csv_response,
    file_name,
    sheet_title,
    sheet_write,
    workbook_new,
    xlsx_response,
)

FILE_FORMATS = ("csv", "xlsx")
ALL_REGIONS = "semua-wilayah"  # the file name's region when the rows are not filtered
TOTALS_LABEL = "Jumlah"
FIGURE_COLUMNS = [
    Column("Jumlah pesanan", "count"),
    Column("Jumlah barang", "count"),
    Column("Penjualan kotor (Rp)", "rupiah"),
    Column("Pengembalian (Rp)", "rupiah"),
    Column("Penjualan bersih (Rp)", "rupiah"),
]
STATUS_LABELS = {  # Bahasa in files, whatever the server's language
    Cooperative.Status.PENDING: "Menunggu verifikasi",
    Cooperative.Status.VERIFIED: "Terverifikasi",
    Cooperative.Status.REJECTED: "Ditolak",
    Cooperative.Status.SUSPENDED: "Dibekukan",
}
DAY, CODE, COOPERATIVE = Column("Tanggal", "date"), Column("Kode"), Column("Koperasi")
REGION_CODE, DISTRICT = Column("Kode wilayah"), Column("Kecamatan")
SALES_KEY_COLUMNS = {  # group_by -> the columns before the figures
    "cooperative": [CODE, COOPERATIVE],
    "region": [REGION_CODE, DISTRICT],
    "category": [CODE, Column("Kategori")],
    "day": [DAY],
    "month": [Column("Bulan")],
    "cooperative_day": [DAY, CODE, COOPERATIVE, REGION_CODE, DISTRICT],
}
REGISTRY_COLUMNS = [  # the monthly report's Koperasi sheet starts with them too
    CODE, COOPERATIVE, REGION_CODE, DISTRICT, Column("Status"), Column("Aktif"),
    Column("Penjualan terakhir", "date"), Column("RAT terakhir", "date"),
    Column("RAT tahun ini"),
]
GROSS_30D = Column("Penjualan kotor 30 hari (Rp)", "rupiah")


def sales_file(
    file_format: str, rows: Iterable[dict], *, group_by: str, period: Period, region: str,
    cooperative: str,
) -> HttpResponseBase:
    """`penjualan_<region or cooperative>_<from>_<to>.<format>`: the rows of
    `selectors.monitoring_sales_export`, and in XLSX a totals row beneath them."""
    name = file_name("penjualan", *_place(region, cooperative), period.start, period.end,
                     extension=file_format)
    columns = [*SALES_KEY_COLUMNS[group_by], *FIGURE_COLUMNS]
    cells = (_sales_cells(group_by, row) for row in rows)
    return _download(file_format, name, "Penjualan", columns, cells, totals=TOTALS_LABEL)


def registry_file(
    file_format: str, listed: QuerySet, *, region: str, today: datetime.date,
) -> HttpResponseBase:
    """`koperasi_<region>_<today>.<format>`: every row of the registry `listed`, unpaginated."""
    name = file_name("koperasi", *_place(region, ""), today, extension=file_format)
    cells = (_registry_cells(cooperative)
             for cooperative in listed.iterator(chunk_size=EXPORT_CHUNK_SIZE))
    return _download(file_format, name, "Koperasi", [*REGISTRY_COLUMNS, GROSS_30D], cells)


def _download(file_format: str, name: str, title: str, columns: list[Column],
              cells: Iterator[list], totals: str | None = None) -> HttpResponseBase:
    """CSV without a totals row (every line a row, for other tools); XLSX with it."""
    if file_format == "csv":
        response = csv_response(name, columns, cells)
    else:
        workbook = workbook_new()
        sheet_write(workbook.create_sheet(sheet_title(title, set())), columns, cells,
                    totals=totals)
        response = xlsx_response(name, workbook)
    response["Cache-Control"] = "private, no-store"  # a region's figures, not for caches
    return response


def _place(region: str, cooperative: str) -> list[str]:
    """What the rows cover, for the file name: the region and cooperative asked for."""
    return [part for part in (region, cooperative) if part] or [ALL_REGIONS]


def _sales_cells(group_by: str, row: dict) -> list:
    figures = [row[name] for name in FIGURES]
    if group_by == "cooperative_day":
        return [row["day"], row["key"], row["label"], row["region"], row["region_label"],
                *figures]
    if group_by == "day":  # a date in the sheet, not text
        return [datetime.date.fromisoformat(row["key"]), *figures]
    if group_by == "month":
        return [row["key"], *figures]
    return [row["key"], row["label"], *figures]


def _registry_cells(cooperative) -> list:
    return [*registry_cells(cooperative), cooperative.gross_30d]


def registry_cells(cooperative: Cooperative) -> list:
    """The REGISTRY_COLUMNS of a cooperative annotated by the registry selectors."""
    return [
        cooperative.slug, cooperative.name, cooperative.region.code, cooperative.region.name,
        STATUS_LABELS.get(cooperative.status, cooperative.status),
        yes_no(cooperative.active), cooperative.last_sale_at,
        cooperative.last_rat_date, yes_no(cooperative.rat_held_this_year),
    ]


def yes_no(value: bool) -> str:
    return "Ya" if value else "Tidak"
