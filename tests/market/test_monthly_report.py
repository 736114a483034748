"""The dinas's monthly report: a workbook of a region's month, its summary, a row per
cooperative and per kecamatan, the month against the calendar month before; and the
command that writes it."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from market.models import Cooperative, Membership
from market.reports import last_month, monthly_report
from market.selectors import Period
from market.services import cooperatives as cooperative_services
from market.spreadsheets import PERCENT_FORMAT, RUPIAH_FORMAT
from tests.factories import (
    CategoryFactory,
    CooperativeFactory,
    MembershipFactory,
    district,
)
from tests.market.test_monitoring_api import sold as monitoring_sold

pytestmark = pytest.mark.django_db

HERE, THERE = "61.07.04", "61.07.06"
MARCH = Period.month_of(datetime.date(2026, 3, 17))


def sold(cooperative, on, *, gross, refunds=0, orders=1, items=1, category_slug="kopi-teh"):
    # As market.monitoring adds them: the day's row and its month's.
    return monitoring_sold(cooperative, on, gross=gross, refunds=refunds, orders=orders,
                           items=items, category_slug=category_slug)


@pytest.fixture
def world():
    CategoryFactory(slug="lada", name="Lada")
    here = CooperativeFactory(name="Koperasi Sanggau Ledo", region=district(HERE))
    pending = CooperativeFactory(name="Koperasi Lembah Bawang", region=district(HERE),
                                 status=Cooperative.Status.PENDING)
    there = CooperativeFactory(name="Koperasi Seluas", region=district(THERE))
    dormant = CooperativeFactory(name="Koperasi Tidur", region=district(THERE))
    sold(here, datetime.date(2026, 3, 2), gross=100_000, refunds=10_000, orders=2, items=4)
    sold(here, datetime.date(2026, 3, 31), gross=50_000, items=2, category_slug="lada")
    sold(there, datetime.date(2026, 3, 1), gross=900_000, orders=9, items=9)
    sold(there, datetime.date(2026, 2, 1), gross=600_000, orders=3, items=3)  # calendar February
    sold(there, datetime.date(2026, 1, 31), gross=7_000_000)  # neither month
    sold(there, datetime.date(2026, 4, 1), gross=8_000_000)  # after the month
    rat_held(here, datetime.date(2026, 2, 14))
    rat_held(there, datetime.date(2025, 3, 1))
    return {"here": here, "pending": pending, "there": there, "dormant": dormant}


def rat_held(cooperative, on):
    owner = MembershipFactory(cooperative=cooperative, role=Membership.Role.OWNER).user
    cooperative_services.rat_record(actor=owner, cooperative=cooperative, held_on=on,
                                    attendance=40, members_total=60)


def sheet_rows(report, title):
    workbook = load_workbook(io.BytesIO(report.content))
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


def table_after(rows, header_first_cell):
    """The rows of the table whose header starts with `header_first_cell`, up to a blank row."""
    start = next(i for i, row in enumerate(rows) if row[0] == header_first_cell)
    table = []
    for row in rows[start + 1:]:
        if row[0] is None:
            break
        table.append(row)
    return table


def test_the_summary_counts_the_registry_and_sets_the_month_beside_the_calendar_month_before(
    world
):
    report = monthly_report(region=district(HERE).parent, month=MARCH)

    assert report.file_name == "laporan-bulanan_61.07_2026-03.xlsx"
    assert (report.counts.registered, report.counts.verified, report.counts.active,
            report.counts.dormant, report.counts.rat_held) == (4, 3, 2, 2, 1)
    assert report.totals == {"orders": 12, "items": 15, "gross": 1_050_000,
                             "refunds": 10_000, "net": 1_040_000}
    assert report.previous_totals["gross"] == 600_000  # 1–28 February, not the 31 days before

    rows = sheet_rows(report, "Ringkasan")
    assert "Maret 2026" in rows[1][0]
    assert [row[:2] for row in table_after(rows, "Koperasi")] == [
        ["Terdaftar", 4], ["Terverifikasi", 3], ["Aktif (ada penjualan 90 hari terakhir)", 2],
        ["Tidak aktif", 2], ["RAT tahun 2026", 1],
    ]
    sales = table_after(rows, "Penjualan")
    assert sales[0][:6] == ["Maret 2026", 12, 15, 1_050_000, 10_000, 1_040_000]
    assert sales[1][:6] == ["Bulan sebelumnya", 3, 3, 600_000, 0, 600_000]
    change = table_after(rows, "Dibanding bulan sebelumnya")[0]
    assert change[3] == pytest.approx(0.75)  # gross 600,000 → 1,050,000
    assert change[4] is None  # no change from nothing
    top = table_after(rows, "Koperasi teratas")
    assert [row[0] for row in top] == ["Koperasi Seluas", "Koperasi Sanggau Ledo"]
    assert [row[0] for row in table_after(rows, "Komoditas teratas")] == ["Kopi & Teh", "Lada"]


def test_money_cells_are_numbers_in_rupiah_format_and_changes_are_percentages(world):
    report = monthly_report(region=district(HERE).parent, month=MARCH)

    sheet = load_workbook(io.BytesIO(report.content))["Ringkasan"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    gross = next(row for row in sheet.iter_rows() if row[0].value == "Maret 2026")[3]
    assert gross.value == 1_050_000
    assert isinstance(gross.value, int)
    assert gross.number_format == RUPIAH_FORMAT
    assert cells[0.75].number_format == PERCENT_FORMAT


def test_a_row_per_cooperative_with_its_month_and_registry(world):
    report = monthly_report(region=district(HERE).parent, month=MARCH)

    rows = sheet_rows(report, "Koperasi")
    assert rows[0][:9] == ["Kode", "Koperasi", "Kode wilayah", "Kecamatan", "Status", "Aktif",
                           "Penjualan terakhir", "RAT terakhir", "RAT tahun ini"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Koperasi Sanggau Ledo", "Koperasi Lembah Bawang",
                            "Koperasi Seluas", "Koperasi Tidur"}
    here = by_name["Koperasi Sanggau Ledo"]
    assert here[4:6] == ["Terverifikasi", "Ya"]
    assert here[6].date() == datetime.date(2026, 3, 31)
    assert here[7].date() == datetime.date(2026, 2, 14)
    assert here[8] == "Ya"
    assert here[9:] == [3, 6, 150_000, 10_000, 140_000]
    assert by_name["Koperasi Seluas"][8] == "Tidak"  # its RAT was last year
    assert by_name["Koperasi Tidur"][5:] == ["Tidak", None, None, "Tidak", 0, 0, 0, 0, 0]
    assert by_name["Koperasi Lembah Bawang"][4] == "Menunggu verifikasi"


def test_a_row_per_kecamatan_against_its_month_before(world):
    report = monthly_report(region=district(HERE).parent, month=MARCH)

    rows = sheet_rows(report, "Kecamatan")
    assert [row[:5] for row in rows[1:]] == [
        [HERE, district(HERE).name, 2, 1, 1],
        [THERE, district(THERE).name, 2, 1, 0],
    ]
    there = rows[2]
    assert there[5:] == [9, 9, 900_000, 0, 900_000, 600_000, pytest.approx(0.5)]
    assert rows[1][-2:] == [0, None]


def test_a_kecamatan_report_holds_nothing_of_another_kecamatan(world):
    report = monthly_report(region=district(HERE), month=MARCH)

    assert report.counts.registered == 2
    assert report.totals["gross"] == 150_000
    names = [row[1] for row in sheet_rows(report, "Koperasi")[1:]]
    assert sorted(names) == ["Koperasi Lembah Bawang", "Koperasi Sanggau Ledo"]
    assert [row[0] for row in sheet_rows(report, "Kecamatan")[1:]] == [HERE]
    assert "Koperasi Seluas" not in str(sheet_rows(report, "Ringkasan"))


def test_the_report_takes_the_same_queries_for_ten_times_the_cooperatives(
    world, django_assert_max_num_queries
):
    for number in range(40):
        cooperative = CooperativeFactory(region=district(THERE))
        sold(cooperative, datetime.date(2026, 3, 5), gross=1_000 + number)

    with django_assert_max_num_queries(12):
        report = monthly_report(region=district(HERE).parent, month=MARCH)

    assert report.counts.registered == 44


@time_machine.travel(datetime.datetime(2026, 4, 2, 1, 0, tzinfo=datetime.UTC), tick=False)
def test_the_command_writes_last_months_report_named_after_region_and_month(world, tmp_path):
    assert last_month() == MARCH

    call_command("monthly_report", "--region", "61.07", "--output", str(tmp_path),
                 stdout=io.StringIO())

    written = tmp_path / "laporan-bulanan_61.07_2026-03.xlsx"
    sheets = load_workbook(written).sheetnames
    assert sheets == ["Ringkasan", "Koperasi", "Kecamatan"]


def test_the_command_takes_a_month_and_a_file_path(world, tmp_path):
    path = tmp_path / "februari.xlsx"
    out = io.StringIO()

    call_command("monthly_report", "--region", HERE, "--month", "2026-02",
                 "--output", str(path), stdout=out)

    assert "Februari 2026" in out.getvalue()
    assert "Rp0" in out.getvalue()  # Sanggau Ledo sold nothing in February
    assert load_workbook(path)["Ringkasan"]["A2"].value.startswith("Periode: Februari 2026")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--region", "99.99"], "No region with the code 99.99"),
    (["--region", "61.07", "--month", "2026-13"], "Not a month"),
])
def test_the_command_names_bad_input(world, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("monthly_report", *arguments, "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
