"""The dinas's monthly report: one XLSX workbook of a region's month, for the head of office.

Sheets: Ringkasan (the registry's counts, the month against the one before, the top
cooperatives and commodities), Koperasi (a row per cooperative) and Kecamatan (a
row per kecamatan). Built from the same selectors as the monitoring endpoints, so
a figure in the report is the figure the dinas sees on screen for that month.

Who may receive which region's report is the caller's rule (the monthly job sends
an officer the regions they oversee; the command is run by the operator).
"""

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from market import selectors
from market.models import Cooperative, Region
from market.monitoring_exports import (
    DISTRICT,
    FIGURE_COLUMNS,
    REGION_CODE,
    REGISTRY_COLUMNS,
    registry_cells,
)
from market.selectors import FIGURES, Period
from market.spreadsheets import Column, file_name, sheet_write, workbook_new

TOP_ROWS = 10
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]


@dataclass(frozen=True)
class RegistryCounts:
    registered: int
    verified: int
    active: int
    dormant: int
    rat_held: int


@dataclass(frozen=True)
class MonthlyReport:
    """The workbook and the figures an e-mail about it would quote."""

    region: Region
    month: Period
    file_name: str
    content: bytes
    counts: RegistryCounts
    totals: dict[str, int]
    previous_totals: dict[str, int]


def last_month(today: datetime.date | None = None) -> Period:
    """The calendar month before today's (Asia/Jakarta)."""
    today = today or timezone.localdate()
    return Period.month_of(today.replace(day=1) - datetime.timedelta(days=1))


def month_label(period: Period) -> str:
    return f"{MONTHS[period.start.month - 1]} {period.start.year}"


def monthly_report(*, region: Region, month: Period) -> MonthlyReport:
    """Build the report of `region` (sub-regions included) for the calendar month `month`."""
    previous = Period.month_of(month.start - datetime.timedelta(days=1))
    registry = list(selectors.region_registry(region_code=region.code, today=month.end))
    sales = {
        group_by: selectors.region_sales(region_code=region.code, period=month, group_by=group_by)
        for group_by in ("cooperative", "region", "category")
    }
    before = selectors.region_sales(region_code=region.code, period=previous, group_by="region")
    by_cooperative = _rows_by_key(sales["cooperative"])
    counts = registry_counts(registry)

    workbook = workbook_new()
    _summary_sheet(workbook.create_sheet("Ringkasan"), region=region, month=month,
                   counts=counts, totals=sales["cooperative"]["totals"],
                   previous_totals=before["totals"],
                   top_cooperatives=sales["cooperative"]["results"][:TOP_ROWS],
                   top_categories=sales["category"]["results"][:TOP_ROWS])
    _cooperatives_sheet(workbook.create_sheet("Koperasi"), registry, by_cooperative)
    _districts_sheet(workbook.create_sheet("Kecamatan"), registry,
                     _rows_by_key(sales["region"]), _rows_by_key(before))
    content = io.BytesIO()
    workbook.save(content)
    return MonthlyReport(
        region=region,
        month=month,
        file_name=file_name("laporan-bulanan", region.code, month.start.strftime("%Y-%m"),
                            extension="xlsx"),
        content=content.getvalue(),
        counts=counts,
        totals=sales["cooperative"]["totals"],
        previous_totals=before["totals"],
    )


def _rows_by_key(figures: dict) -> dict[str, dict]:
    return {row["key"]: row for row in figures["results"]}


def registry_counts(registry: list[Cooperative]) -> RegistryCounts:
    """The summary's counts of registry rows (`selectors.region_registry` or
    `monitoring_cooperative_list`): also the dinas dashboard's headline."""
    active = sum(cooperative.active for cooperative in registry)
    return RegistryCounts(
        registered=len(registry),
        verified=sum(c.status == Cooperative.Status.VERIFIED for c in registry),
        active=active,
        dormant=len(registry) - active,
        rat_held=sum(cooperative.rat_held_this_year for cooperative in registry),
    )


def _figures(row: dict | None) -> list[int]:
    return [row[name] if row else 0 for name in FIGURES]


def change(now: int, before: int) -> float | None:
    """The change as a fraction (Excel shows it as a percentage); none from zero."""
    return (now - before) / before if before else None


def _summary_sheet(sheet, *, region, month, counts, totals, previous_totals, top_cooperatives,
                   top_categories):
    """Rows sorted by net, largest first, as the selectors give them."""
    sheet.append([f"Laporan Bulanan Koperasi {region.name} ({region.code})"])
    sheet.append([f"Periode: {month_label(month)} ({month.start.isoformat()} s.d. "
                  f"{month.end.isoformat()})"])
    sheet.append([f"Dibuat: {timezone.localtime():%Y-%m-%d %H:%M} WIB"])
    sheet.append([])
    sheet_write(sheet, [Column("Koperasi"), Column("Jumlah", "count")], [
        ["Terdaftar", counts.registered],
        ["Terverifikasi", counts.verified],
        ["Aktif (ada penjualan 90 hari terakhir)", counts.active],
        ["Tidak aktif", counts.dormant],
        [f"RAT tahun {month.end.year}", counts.rat_held],
    ])
    sheet.append([])
    sheet_write(sheet, [Column("Penjualan"), *FIGURE_COLUMNS], [
        [month_label(month), *_figures(totals)],
        ["Bulan sebelumnya", *_figures(previous_totals)],
    ])
    sheet_write(
        sheet,
        [Column("Dibanding bulan sebelumnya"),
         *(Column(column.header, "percent") for column in FIGURE_COLUMNS)],
        [["Perubahan", *(change(totals[name], previous_totals[name]) for name in FIGURES)]],
    )
    sheet.append([])
    sheet_write(sheet, [Column("Koperasi teratas"), *FIGURE_COLUMNS],
                [[row["label"], *_figures(row)] for row in top_cooperatives])
    sheet.append([])
    sheet_write(sheet, [Column("Komoditas teratas"), *FIGURE_COLUMNS],
                [[row["label"], *_figures(row)] for row in top_categories])


def _cooperatives_sheet(sheet, registry, by_cooperative):
    sheet_write(sheet, [*REGISTRY_COLUMNS, *FIGURE_COLUMNS], (
        [*registry_cells(c), *_figures(by_cooperative.get(c.slug))] for c in registry
    ))


def _districts_sheet(sheet, registry, by_region, by_region_before):
    districts: dict[str, list[Cooperative]] = defaultdict(list)
    for cooperative in registry:
        districts[cooperative.region.code].append(cooperative)
    columns = [REGION_CODE, DISTRICT, Column("Koperasi terdaftar", "count"),
               Column("Aktif", "count"), Column("RAT tahun ini", "count"), *FIGURE_COLUMNS,
               Column("Bersih bulan sebelumnya (Rp)", "rupiah"), Column("Perubahan", "percent")]
    rows = []
    for code in sorted(districts):
        members = districts[code]
        now = by_region.get(code)
        before_net = by_region_before[code]["net"] if code in by_region_before else 0
        rows.append([
            code, members[0].region.name, len(members), sum(c.active for c in members),
            sum(c.rat_held_this_year for c in members), *_figures(now), before_net,
            change(now["net"] if now else 0, before_net),
        ])
    sheet_write(sheet, columns, rows)

