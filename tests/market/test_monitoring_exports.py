"""The dinas monitoring as downloads: `?format=csv` and `?format=xlsx` on the sales figures and
the registry answer the JSON's rows as files, within the officer's scope, with flat memory."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from market import selectors
from market.models import Cooperative
from market.services import cooperatives as cooperative_services
from market.spreadsheets import COUNT_FORMAT, DATE_FORMAT, RUPIAH_FORMAT, XLSX_CONTENT_TYPE
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    district,
)
from tests.market.test_monitoring_api import FIGURES, HERE, MARCH, THERE, day, sold
from tests.payments.conftest import finance_staff_create

pytestmark = pytest.mark.django_db

SALES, REGISTRY = "/api/v1/monitoring/sales/", "/api/v1/monitoring/cooperatives/"
FIGURE_HEADERS = ["Jumlah pesanan", "Jumlah barang", "Penjualan kotor (Rp)",
                  "Pengembalian (Rp)", "Penjualan bersih (Rp)"]
KEY_HEADERS = {
    "cooperative": ["Kode", "Koperasi"],
    "region": ["Kode wilayah", "Kecamatan"],
    "category": ["Kode", "Kategori"],
    "day": ["Tanggal"],
    "month": ["Bulan"],
}
GROUPINGS = list(KEY_HEADERS)
COOPERATIVE_DAY_HEADERS = ["Tanggal", "Kode", "Koperasi", "Kode wilayah", "Kecamatan",
                           *FIGURE_HEADERS]
REGISTRY_HEADERS = ["Kode", "Koperasi", "Kode wilayah", "Kecamatan", "Status", "Aktif",
                    "Penjualan terakhir", "RAT terakhir", "RAT tahun ini",
                    "Penjualan kotor 30 hari (Rp)"]


@pytest.fixture
def world():
    """Two cooperatives of one kecamatan and one of another, with March sales and refunds."""
    here = CooperativeFactory(name="Koperasi Sanggau Ledo", slug="sanggau-ledo",
                              region=district(HERE))
    near = CooperativeFactory(name="Koperasi Lembah Bawang", slug="lembah-bawang",
                              region=district(HERE), status=Cooperative.Status.PENDING)
    there = CooperativeFactory(name="Koperasi Seluas", slug="seluas", region=district(THERE))
    sold(here, day(3, 2), gross=100_000, refunds=10_000, orders=2, items=4)
    sold(here, day(3, 2), gross=7_000, category_slug=None)  # the same day, another category
    sold(here, day(3, 20), gross=50_000, items=2)
    sold(near, day(3, 2), gross=70_000, items=7)
    sold(near, day(3, 25), gross=0, orders=0, items=0, refunds=20_000)  # a refund only
    sold(there, day(3, 3), gross=900_000, orders=9, items=9)
    return {"here": here, "near": near, "there": there}


@pytest.fixture
def officer_here():
    return DinasOfficerFactory(regions=[district(HERE)]).user


@pytest.fixture
def officer_regency():
    return DinasOfficerFactory(regions=[district(HERE).parent]).user


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def figures_of(row: dict) -> list[int]:
    return [row[name] for name in FIGURES]


def json_cells(group_by: str, row: dict) -> list:
    keys = [row["key"]] if group_by in ("day", "month") else [row["key"], row["label"]]
    return [*keys, *figures_of(row)]


# ---------------------------------------------------------------- sales


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_the_sales_csv_has_the_json_rows_under_bahasa_headers(user_client, world,
                                                                officer_regency, group_by):
    client = user_client(officer_regency)
    body = client.get(SALES, {"group_by": group_by, **MARCH}).json()

    response, content = download(client, SALES, group_by=group_by, format="csv", **MARCH)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(content)
    assert header == [*KEY_HEADERS[group_by], *FIGURE_HEADERS]
    assert rows == [[str(cell) for cell in json_cells(group_by, row)]
                    for row in body["results"]]
    assert rows


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_the_sales_workbook_has_the_json_rows_as_numbers_and_the_totals_beneath(
    user_client, world, officer_regency, group_by
):
    client = user_client(officer_regency)
    body = client.get(SALES, {"group_by": group_by, **MARCH}).json()

    response, content = download(client, SALES, group_by=group_by, format="xlsx", **MARCH)

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    header, *rows, totals = sheet_of(content).iter_rows()
    assert [cell.value for cell in header] == [*KEY_HEADERS[group_by], *FIGURE_HEADERS]
    assert all(cell.font.bold for cell in header)
    keys = len(KEY_HEADERS[group_by])
    expected = [json_cells(group_by, row) for row in body["results"]]
    if group_by == "day":  # a date in the sheet, the same day as the JSON's key
        assert all(row[0].number_format == DATE_FORMAT for row in rows)
        expected = [[datetime.datetime.fromisoformat(key), *rest] for key, *rest in expected]
    assert [[cell.value for cell in row] for row in rows] == expected
    for row in rows:
        values = [cell.value for cell in row[keys:]]
        assert all(type(value) is int for value in values)
        assert [cell.number_format for cell in row[keys:]] == [COUNT_FORMAT] * 2 + [
            RUPIAH_FORMAT] * 3
    assert totals[0].value == "Jumlah"
    assert totals[0].font.bold
    assert [cell.value for cell in totals[keys:]] == figures_of(body["totals"])
    assert totals[-1].number_format == RUPIAH_FORMAT


def test_a_row_per_cooperative_per_day_in_csv_ordered_by_day_then_cooperative(
    user_client, world, officer_here
):
    _response, content = download(user_client(officer_here), SALES, group_by="cooperative_day",
                                  format="csv", **MARCH)

    header, *rows = csv_rows(content)
    kecamatan = district(HERE).name
    assert header == COOPERATIVE_DAY_HEADERS
    assert rows == [
        # The categories of one cooperative's day summed into one row.
        ["2026-03-02", "lembah-bawang", "Koperasi Lembah Bawang", HERE, kecamatan,
         "1", "7", "70000", "0", "70000"],
        ["2026-03-02", "sanggau-ledo", "Koperasi Sanggau Ledo", HERE, kecamatan,
         "3", "5", "107000", "10000", "97000"],
        ["2026-03-20", "sanggau-ledo", "Koperasi Sanggau Ledo", HERE, kecamatan,
         "1", "2", "50000", "0", "50000"],
        ["2026-03-25", "lembah-bawang", "Koperasi Lembah Bawang", HERE, kecamatan,
         "0", "0", "0", "20000", "-20000"],
    ]


def test_a_row_per_cooperative_per_day_in_xlsx_adds_up_to_the_json_totals(
    user_client, world, officer_here
):
    client = user_client(officer_here)
    body = client.get(SALES, MARCH).json()

    _response, content = download(client, SALES, group_by="cooperative_day", format="xlsx",
                                  **MARCH)

    header, *rows, totals = sheet_of(content).iter_rows(values_only=True)
    assert list(header) == COOPERATIVE_DAY_HEADERS
    assert [(row[0].date(), row[1]) for row in rows] == [
        (day(3, 2), "lembah-bawang"),
        (day(3, 2), "sanggau-ledo"),
        (day(3, 20), "sanggau-ledo"),
        (day(3, 25), "lembah-bawang"),
    ]
    assert list(totals[5:]) == figures_of(body["totals"])
    assert [sum(row[column] for row in rows) for column in range(5, 10)] == list(totals[5:])


@pytest.mark.parametrize("params", [{}, {"format": "json"}])
def test_a_row_per_cooperative_per_day_is_refused_in_json(user_client, officer_here, params):
    response = user_client(officer_here).get(SALES, {"group_by": "cooperative_day", **params})

    assert response.status_code == 400
    assert list(response.json()) == ["group_by"]
    assert "format=csv" in response.json()["group_by"][0]


@pytest.mark.parametrize(("params", "name"), [
    ({"region": "61.07"}, "penjualan_61.07_2026-03-01_2026-03-31"),
    ({}, "penjualan_semua-wilayah_2026-03-01_2026-03-31"),
    ({"cooperative": "seluas"}, "penjualan_seluas_2026-03-01_2026-03-31"),
    ({"region": HERE, "cooperative": "sanggau-ledo"},
     f"penjualan_{HERE}_sanggau-ledo_2026-03-01_2026-03-31"),
])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_sales_file_is_named_after_its_region_and_period(
    user_client, world, officer_regency, params, name, file_format
):
    response, _content = download(user_client(officer_regency), SALES, format=file_format,
                                  **params, **MARCH)

    assert response["Content-Disposition"] == f'attachment; filename="{name}.{file_format}"'
    assert response["Cache-Control"] == "private, no-store"


def test_the_sales_csv_reads_its_rows_while_streaming_in_one_query(
    user_client, world, officer_here, django_assert_num_queries
):
    client = user_client(officer_here)

    # The officer's rule and their regions; the rows only once the body is read.
    with django_assert_num_queries(2):
        response = client.get(SALES, {"group_by": "cooperative_day", "format": "csv", **MARCH})
    with django_assert_num_queries(1):
        content = b"".join(response.streaming_content)

    assert len(csv_rows(content)) == 1 + 4


def test_the_sales_csv_runs_the_same_queries_whatever_the_row_count(
    user_client, officer_here, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK_SIZE", 10)  # many chunks, still one query
    cooperatives = [CooperativeFactory(region=district(HERE)) for _ in range(3)]
    client = user_client(officer_here)
    params = {"group_by": "cooperative_day", "format": "csv", **MARCH}

    sold(cooperatives[0], day(3, 1), gross=1_000)
    with django_assert_num_queries(3):
        few = b"".join(client.get(SALES, params).streaming_content)
    for number in range(2, 32):
        for cooperative in cooperatives:
            sold(cooperative, day(3, number), gross=1_000 + number)
    with django_assert_num_queries(3):
        many = b"".join(client.get(SALES, params).streaming_content)

    assert len(csv_rows(few)) == 1 + 1
    assert len(csv_rows(many)) == 1 + 1 + 3 * 30


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("group_by", [*GROUPINGS, "cooperative_day"])
def test_an_officer_reads_no_other_kecamatans_figures_in_any_file(
    user_client, world, officer_here, file_format, group_by
):
    _response, content = download(user_client(officer_here), SALES, group_by=group_by,
                                  format=file_format, **MARCH)

    if file_format == "csv":
        rows = csv_rows(content)[1:]
        net = sum(int(row[-1]) for row in rows)
    else:
        *rows, totals = list(sheet_of(content).iter_rows(values_only=True))[1:]
        net = totals[-1]
    assert net == 147_000 + 50_000  # Sanggau Ledo's and Lembah Bawang's, not Seluas's
    assert "seluas" not in str(rows).lower()
    assert THERE not in str(rows)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_officers_registry_file_holds_their_kecamatans_cooperatives_only(
    user_client, world, officer_here, file_format
):
    _response, content = download(user_client(officer_here), REGISTRY, format=file_format)

    if file_format == "csv":
        slugs = [row[0] for row in csv_rows(content)[1:]]
    else:
        slugs = [row[0] for row in list(sheet_of(content).iter_rows(values_only=True))[1:]]
    assert slugs == ["lembah-bawang", "sanggau-ledo"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("url", "params", "status"), [
    (SALES, {"region": THERE}, 403),
    (SALES, {"region": "61.07"}, 403),
    (SALES, {"region": THERE, "group_by": "cooperative_day"}, 403),
    (SALES, {"cooperative": "seluas"}, 404),
    (SALES, {"cooperative": "seluas", "group_by": "cooperative_day"}, 404),
    (REGISTRY, {"region": THERE}, 403),
])
def test_another_kecamatan_asked_for_in_a_file_is_refused_in_json(
    user_client, world, officer_here, file_format, url, params, status
):
    response = user_client(officer_here).get(url, {"format": file_format, **params})

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("url", [SALES, REGISTRY])
def test_nobody_but_officers_and_admins_downloads(api, user_client, world, url, file_format):
    owner = MembershipFactory(cooperative=world["here"], role="owner").user

    anonymous = api.get(url, {"format": file_format})

    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/json"
    for user in (UserFactory(), owner, finance_staff_create()):
        response = user_client(user).get(url, {"format": file_format})
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"


def test_a_platform_admin_downloads_every_region(user_client, world):
    admin = UserFactory(is_superuser=True, is_staff=True)

    _response, content = download(user_client(admin), SALES, format="csv", **MARCH)

    assert {row[0] for row in csv_rows(content)[1:]} == {"seluas", "sanggau-ledo",
                                                         "lembah-bawang"}


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("url", [SALES, REGISTRY])
@pytest.mark.parametrize("value", ["pdf", "api", ""])
def test_a_format_that_is_not_json_csv_or_xlsx_is_a_400_naming_it(user_client, officer_here,
                                                                  url, value):
    response = user_client(officer_here).get(url, {"format": value})

    assert response.status_code == 400
    assert list(response.json()) == ["format"]


def test_bad_input_under_format_csv_is_the_json_400(user_client, officer_here):
    response = user_client(officer_here).get(SALES, {"format": "csv", "from": "2026-03-02",
                                                     "to": "2026-03-01"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["from"]


def test_the_format_parameter_wins_over_the_accept_header(user_client, world, officer_here):
    response = user_client(officer_here).get(SALES, {"format": "csv", **MARCH},
                                             HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


# ---------------------------------------------------------------- the registry


@pytest.fixture
def registry(world, officer_here):
    """The kecamatan's two cooperatives, one trading with a RAT this year, and 21 more."""
    today = timezone.localdate()
    sold(world["here"], today - datetime.timedelta(days=2), gross=45_000)
    owner = MembershipFactory(cooperative=world["here"], role="owner").user
    cooperative_services.rat_record(actor=owner, cooperative=world["here"],
                                    held_on=today.replace(month=1, day=1), attendance=8,
                                    members_total=10)
    for number in range(21):
        CooperativeFactory(name=f"Koperasi Z{number:02d}", region=district(HERE))
    return today


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_registry_file_has_every_row_of_the_filtered_registry_unpaginated(
    user_client, world, registry, officer_here, file_format
):
    client = user_client(officer_here)
    listed = client.get(REGISTRY, {"page_size": 100}).json()

    response, content = download(client, REGISTRY, format=file_format, page_size=2)

    if file_format == "csv":
        header, *rows = csv_rows(content)
    else:
        header, *rows = sheet_of(content).iter_rows(values_only=True)
    assert list(header) == REGISTRY_HEADERS
    assert len(rows) == listed["count"] == 23
    assert [row[0] for row in rows] == [row["slug"] for row in listed["results"]]
    assert response["Content-Disposition"] == (
        f'attachment; filename="koperasi_semua-wilayah_{registry.isoformat()}.{file_format}"')


def test_the_registry_csv_says_activity_rat_and_gross_as_the_json_does(
    user_client, world, registry, officer_here
):
    client = user_client(officer_here)
    rows = {row["slug"]: row for row in client.get(REGISTRY, {"page_size": 100}).json()["results"]}

    _response, content = download(client, REGISTRY, format="csv", region=HERE,
                                  status="verified", active="true")

    here = rows["sanggau-ledo"]
    assert csv_rows(content)[1:] == [[
        "sanggau-ledo", "Koperasi Sanggau Ledo", HERE, district(HERE).name, "Terverifikasi", "Ya",
        here["last_sale_at"], here["rat_last_held"], "Ya", "45000",
    ]]
    assert here["rat_held_this_year"] is True
    assert rows["lembah-bawang"]["rat_held_this_year"] is False


def test_the_registry_workbook_has_dates_as_dates_and_rupiah_as_numbers(
    user_client, world, registry, officer_regency
):
    response, content = download(user_client(officer_regency), REGISTRY, format="xlsx",
                                 region=HERE, rat_held=registry.year)

    header, trading = sheet_of(content).iter_rows()
    assert all(cell.font.bold for cell in header)
    assert [cell.value for cell in trading[4:6]] == ["Terverifikasi", "Ya"]
    assert trading[6].value == datetime.datetime.combine(
        registry - datetime.timedelta(days=2), datetime.time())
    assert trading[6].number_format == DATE_FORMAT
    assert trading[8].value == "Ya"
    assert trading[9].value == 45_000
    assert trading[9].number_format == RUPIAH_FORMAT
    assert response["Content-Disposition"] == (
        f'attachment; filename="koperasi_{HERE}_{registry.isoformat()}.xlsx"')


def test_the_registry_csv_runs_the_same_queries_whatever_the_row_count(
    user_client, world, officer_here, django_assert_num_queries
):
    client = user_client(officer_here)

    # The officer's rule, their regions, the rows.
    with django_assert_num_queries(3):
        few = b"".join(client.get(REGISTRY, {"format": "csv"}).streaming_content)
    for number in range(30):
        cooperative = CooperativeFactory(region=district(HERE))
        sold(cooperative, day(3, 1), gross=number)
    with django_assert_num_queries(3):
        many = b"".join(client.get(REGISTRY, {"format": "csv"}).streaming_content)

    assert len(csv_rows(few)) == 1 + 2
    assert len(csv_rows(many)) == 1 + 32
