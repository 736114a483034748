"""The dinas pages (issue 13): the headline, sales, the registry and a cooperative's page,
the verification queue and the monthly report; officers see their regions only, the
platform admin everything, anyone else a 404."""

import csv
import datetime
import io
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from events.models import Event
from market.models import Cooperative, Membership
from market.reports import monthly_report
from market.selectors import Period
from market.services import cooperatives as cooperative_services
from market.templatetags.money import rupiah
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    district,
)
from tests.frontend.conftest import messages_of, page
from tests.frontend.test_page_budgets import assert_within_budget
from tests.market.test_monitoring_api import sold
from tests.market.test_rat_minutes import minutes_upload
from tests.payments.conftest import finance_staff_create

pytestmark = pytest.mark.django_db

HERE, THERE = "61.07.04", "61.07.06"  # two kecamatan of Bengkayang (61.07)
NOW = datetime.datetime(2026, 3, 31, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # the last day
TODAY = NOW.date()
DASHBOARD, SALES, REGISTRY = "/dinas/", "/dinas/sales/", "/dinas/cooperatives/"
QUEUE, REPORT = "/dinas/queue/", "/dinas/report/"


@pytest.fixture(autouse=True)
def _on_the_last_day_of_march():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    """Two cooperatives of one kecamatan (one pending), one of another, March and February
    sales, a RAT held this year."""
    here = CooperativeFactory(name="Koperasi Sanggau Ledo", slug="sanggau-ledo",
                              region=district(HERE))
    pending = CooperativeFactory(name="Koperasi Lembah Bawang", slug="lembah-bawang",
                                 region=district(HERE), status=Cooperative.Status.PENDING)
    there = CooperativeFactory(name="Koperasi Seluas", slug="seluas", region=district(THERE))
    sold(here, datetime.date(2026, 3, 2), gross=100_000, refunds=10_000, orders=2, items=4)
    sold(here, datetime.date(2026, 3, 20), gross=50_000, items=2, category_slug="lada")
    sold(here, datetime.date(2026, 2, 10), gross=60_000, orders=3, items=3)
    sold(there, datetime.date(2026, 3, 3), gross=900_000, orders=9, items=9)
    owner = MembershipFactory(cooperative=here, role=Membership.Role.OWNER).user
    cooperative_services.rat_record(actor=owner, cooperative=here,
                                    held_on=datetime.date(2026, 2, 14), attendance=40,
                                    members_total=60)
    return {"here": here, "pending": pending, "there": there, "owner": owner}


def english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def officer_of(code: str):
    return english(DinasOfficerFactory(regions=[district(code)]).user)


@pytest.fixture
def officer():
    """The officer of kecamatan HERE, reading in English."""
    return officer_of(HERE)


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def as_user(client, user):
    client.force_login(user)
    return client


def cells(html: str, row_id: str) -> list[str]:
    """The texts of the cells of the row with that id."""
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def table_rows(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[unescape(re.sub(r"<[^>]+>", "", cell).strip())
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# ---------------------------------------------------------------- who gets in


PAGES = [DASHBOARD, SALES, REGISTRY, "/dinas/cooperatives/sanggau-ledo/", QUEUE, REPORT]


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["buyer", "staff", "owner", "finance"])
def test_nobody_but_officers_and_admins_gets_a_dinas_page(client, world, url, who):
    user = {"buyer": lambda: UserFactory(),
            "staff": lambda: MembershipFactory(cooperative=world["here"]).user,
            "owner": lambda: world["owner"],
            "finance": finance_staff_create}[who]()
    assert as_user(client, user).get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["officer", "admin"])
def test_an_officer_in_scope_and_the_admin_open_every_dinas_page(client, world, url, who):
    user = officer_of(HERE) if who == "officer" else english(
        UserFactory(is_staff=True, is_superuser=True))
    response = as_user(client, user).get(url)
    assert response.status_code == 200
    assert 'aria-current="page"' in page(response)


def test_an_officer_of_another_kecamatan_gets_404_on_this_ones_cooperative(client, world):
    as_user(client, officer_of(THERE))
    assert client.get("/dinas/cooperatives/sanggau-ledo/").status_code == 404
    assert client.get("/dinas/cooperatives/seluas/").status_code == 200
    assert client.get("/dinas/cooperatives/no-such-one/").status_code == 404


def test_an_officer_asking_for_a_region_or_cooperative_out_of_scope_gets_404(as_officer, world):
    assert as_officer.get(SALES, {"region": THERE}).status_code == 404
    assert as_officer.get(SALES, {"region": "61.07"}).status_code == 404  # wider than theirs
    assert as_officer.get(SALES, {"cooperative": "seluas"}).status_code == 404
    assert as_officer.get(SALES, {"cooperative": "seluas", "format": "xlsx"}).status_code == 404
    assert as_officer.get(REGISTRY, {"region": THERE}).status_code == 404
    assert as_officer.get(REGISTRY, {"region": THERE, "format": "csv"}).status_code == 404


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_shows_the_monthly_reports_figures_for_the_officers_region(
    as_officer, world
):
    report = monthly_report(region=district(HERE), month=Period.month_of(TODAY))

    html = page(as_officer.get(DASHBOARD))

    for name in ("registered", "verified", "active", "dormant"):
        shown = re.search(rf'id="count-{name}">(\d+)<', html).group(1)
        assert int(shown) == getattr(report.counts, name)
    assert re.search(r'id="count-rat">(\d+)<', html).group(1) == str(report.counts.rat_held)
    assert (report.counts.registered, report.counts.verified) == (2, 1)
    assert cells(html, "month-orders") == ["Orders", str(report.totals["orders"]),
                                           str(report.previous_totals["orders"]), "0.0 %"]
    assert cells(html, "month-gross") == ["Gross", rupiah(report.totals["gross"]),
                                          rupiah(report.previous_totals["gross"]), "+150.0 %"]
    assert cells(html, "month-net") == ["Net", rupiah(140_000), rupiah(60_000), "+133.3 %"]
    assert "Koperasi Seluas" not in html
    assert rupiah(900_000) not in html


def test_the_dashboard_draws_twelve_months_of_net_with_a_table(as_officer, world):
    html = page(as_officer.get(DASHBOARD))

    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert chart.count('class="chart-bar"') == 12
    assert '<title id="net-12-months-title">Net sales of the last 12 months</title>' in chart
    assert ">Apr 2025<" in chart
    assert ">Mar 2026<" in chart
    months = re.findall(r'<th scope="row">(\w+ \d{4})</th>', html)
    assert months[0] == "April 2025"
    assert months[-1] == "March 2026"
    assert len(months) == 12


def test_a_change_from_nothing_last_month_is_shown_as_a_dash(as_officer):
    sold(CooperativeFactory(region=district(HERE)), datetime.date(2026, 3, 5), gross=10_000)
    html = page(as_officer.get(DASHBOARD))
    assert cells(html, "month-net")[-1] == "–"


def test_the_platform_admin_sees_every_regions_figures_on_the_dashboard(client, world):
    html = page(as_user(client, english(UserFactory(is_superuser=True))).get(DASHBOARD))
    assert re.search(r'id="count-registered">(\d+)<', html).group(1) == "3"
    assert cells(html, "month-net")[1] == rupiah(1_040_000)


def test_the_dashboard_runs_the_same_queries_for_3_and_30_cooperatives(
    as_officer, django_assert_max_num_queries
):
    for _ in range(3):
        CooperativeFactory(region=district(HERE))
    with CaptureQueriesContext(connection) as few:
        as_officer.get(DASHBOARD)
    for number in range(27):
        sold(CooperativeFactory(region=district(HERE)), datetime.date(2026, 3, 1),
             gross=1_000 + number)
    with django_assert_max_num_queries(len(few)):
        html = page(as_officer.get(DASHBOARD))
    assert re.search(r'id="count-registered">(\d+)<', html).group(1) == "30"


# ---------------------------------------------------------------- sales


def test_sales_default_to_this_month_by_cooperative_with_totals(as_officer, world):
    html = page(as_officer.get(SALES))

    assert 'value="2026-03-01"' in html
    assert 'value="2026-03-31"' in html
    assert table_rows(html, "sales-table") == [
        ["Koperasi Sanggau Ledo", "3", "6", rupiah(150_000), rupiah(10_000), rupiah(140_000)],
    ]
    assert cells(html, "sales-totals") == ["Total", "3", "6", rupiah(150_000), rupiah(10_000),
                                           rupiah(140_000)]
    assert "Koperasi Seluas" not in html
    assert "Koperasi Lembah Bawang" not in html


@pytest.mark.parametrize(("group_by", "labels"), [
    ("region", ["Sanggau Ledo", "Bengkayang"]),  # 61.07.04, 61.07.06
    ("category", ["Kopi & Teh", "Lada"]),
    ("day", ["2026-03-02", "2026-03-03", "2026-03-20"]),
    ("month", ["2026-03"]),
])
def test_sales_are_grouped_by_region_category_day_or_month(client, world, group_by, labels):
    as_user(client, english(UserFactory(is_superuser=True)))
    html = page(client.get(SALES, {"group_by": group_by}))
    assert [row[0] for row in table_rows(html, "sales-table")] == labels


def test_the_sales_table_sorts_by_a_column_through_links(client, world):
    as_user(client, english(UserFactory(is_superuser=True)))

    by_net = page(client.get(SALES))
    by_name = page(client.get(SALES, {"sort": "label"}))
    by_name_down = page(client.get(SALES, {"sort": "-label"}))

    assert [row[0] for row in table_rows(by_net, "sales-table")] == [
        "Koperasi Seluas", "Koperasi Sanggau Ledo"]
    assert [row[0] for row in table_rows(by_name, "sales-table")] == [
        "Koperasi Sanggau Ledo", "Koperasi Seluas"]
    assert [row[0] for row in table_rows(by_name_down, "sales-table")] == [
        "Koperasi Seluas", "Koperasi Sanggau Ledo"]
    assert 'aria-sort="ascending"' in by_name
    assert "sort=-label" in by_name  # its heading links to the other direction
    assert "sort=-net" in by_net


def test_the_sales_chart_draws_the_top_rows_and_days_as_columns(client, world):
    as_user(client, english(UserFactory(is_superuser=True)))
    bars = page(client.get(SALES))
    columns = page(client.get(SALES, {"group_by": "day"}))
    assert "The top 2 by net sales" in bars
    assert bars.count('class="chart-bar"') == 2
    assert "Net sales by day" in columns


def test_no_sales_in_the_period_says_so(as_officer, world):
    html = page(as_officer.get(SALES, {"from": "2025-01-01", "to": "2025-01-31"}))
    assert 'id="sales-empty"' in html


def test_one_date_given_makes_the_period_its_month(as_officer, world):
    html = page(as_officer.get(SALES, {"from": "2026-02-01"}))
    assert table_rows(html, "sales-table")[0][-1] == rupiah(60_000)
    assert 'value="2026-02-28"' in html


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-02-30", "to": "2026-03-01"}, "From"),
    ({"from": "yesterday", "to": "2026-03-01"}, "From"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "From"),
    ({"from": "2020-01-01", "to": "2026-03-01"}, "To"),
    ({"group_by": "week"}, "Group by"),
    ({"group_by": "cooperative_day"}, "Group by"),
    ({"format": "pdf"}, ""),
])
def test_bad_sales_input_is_shown_not_a_500(as_officer, world, params, field):
    response = as_officer.get(SALES, params)
    assert response.status_code == 400
    html = page(response)
    assert 'role="alert"' in html
    assert f'<li class="error">{field}' in html
    assert 'id="sales-table"' not in html


def test_the_sales_xlsx_holds_exactly_the_rows_shown(client, world):
    as_user(client, english(UserFactory(is_superuser=True)))
    query = {"from": "2026-03-01", "to": "2026-03-31", "sort": "label"}
    shown = table_rows(page(client.get(SALES, query)), "sales-table")

    response = client.get(SALES, {**query, "format": "xlsx"})

    assert response["Content-Disposition"] == (
        'attachment; filename="penjualan_semua-wilayah_2026-03-01_2026-03-31.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["Kode", "Koperasi", "Jumlah pesanan"]
    assert [row[1] for row in values[1:-1]] == [row[0] for row in shown]
    assert [rupiah(row[-1]) for row in values[1:-1]] == [row[-1] for row in shown]
    assert values[-1][0] == "Jumlah"
    assert values[-1][-1] == 1_040_000


def test_the_sales_csv_is_the_apis_export_of_the_same_query(client, world, officer):
    query = {"from": "2026-03-01", "to": "2026-03-31", "group_by": "category"}
    as_user(client, officer)

    from_page = b"".join(client.get(SALES, {**query, "format": "csv"}).streaming_content)
    from_api = b"".join(client.get("/api/v1/monitoring/sales/",
                                   {**query, "format": "csv"}).streaming_content)

    assert from_page == from_api
    rows = list(csv.reader(io.StringIO(from_page.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Kopi & Teh", "Lada"]


def test_the_sales_page_runs_the_same_queries_for_2_and_30_cooperatives(
    client, django_assert_max_num_queries
):
    as_user(client, english(UserFactory(is_superuser=True)))
    for number in range(2):
        sold(CooperativeFactory(region=district(HERE)), datetime.date(2026, 3, 4),
             gross=1_000 + number)
    with CaptureQueriesContext(connection) as few:
        client.get(SALES)
    for number in range(28):
        sold(CooperativeFactory(region=district(THERE)), datetime.date(2026, 3, 5),
             gross=2_000 + number)
    with django_assert_max_num_queries(len(few)) as many:
        html = page(client.get(SALES))
    assert len(many) == len(few)
    assert len(table_rows(html, "sales-table")) == 30


# ---------------------------------------------------------------- the registry


def test_the_registry_lists_the_officers_cooperatives_with_activity_and_rat(as_officer, world):
    html = page(as_officer.get(REGISTRY))
    rows = table_rows(html, "registry-table")
    assert [row[0] for row in rows] == ["Koperasi Lembah Bawang", "Koperasi Sanggau Ledo"]
    ledo = rows[1]
    assert ledo[2:5] == ["Verified", "Active", "20 Mar 2026"]
    assert ledo[5].startswith("14 Feb 2026")
    assert "in 2026" in ledo[5]
    assert ledo[6] == rupiah(150_000)
    assert "Koperasi Seluas" not in html


@pytest.mark.parametrize(("params", "names"), [
    ({"status": "pending"}, ["Koperasi Lembah Bawang"]),
    ({"active": "true"}, ["Koperasi Sanggau Ledo"]),
    ({"active": "false"}, ["Koperasi Lembah Bawang"]),
    ({"rat_held": "2026"}, ["Koperasi Sanggau Ledo"]),
    ({"rat_missing": "2026"}, ["Koperasi Lembah Bawang"]),
    ({"region": HERE, "status": "", "active": ""}, ["Koperasi Lembah Bawang",
                                                    "Koperasi Sanggau Ledo"]),
])
def test_the_registry_filters(as_officer, world, params, names):
    rows = table_rows(page(as_officer.get(REGISTRY, params)), "registry-table")
    assert [row[0] for row in rows] == names


@pytest.mark.parametrize("params", [{"rat_held": "abc"}, {"rat_missing": "12"},
                                    {"active": "maybe"}, {"status": "asleep"}])
def test_bad_registry_filters_are_shown_not_a_500(as_officer, world, params):
    response = as_officer.get(REGISTRY, params)
    assert response.status_code == 400
    assert 'role="alert"' in page(response)


def test_the_registry_downloads_every_filtered_row(as_officer, world):
    response = as_officer.get(REGISTRY, {"status": "verified", "format": "xlsx", "page": "1"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[1] for row in values[1:]] == ["Koperasi Sanggau Ledo"]

    listed = as_officer.get(REGISTRY, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(listed.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Koperasi Lembah Bawang", "Koperasi Sanggau Ledo"]


def test_the_registry_is_paginated_with_the_same_queries_whatever_the_page_size(
    as_officer, django_assert_max_num_queries
):
    for number in range(3):
        CooperativeFactory(name=f"Koperasi A{number:02d}", region=district(HERE))
    with CaptureQueriesContext(connection) as few:
        as_officer.get(REGISTRY)
    for number in range(3, 30):
        CooperativeFactory(name=f"Koperasi A{number:02d}", region=district(HERE))
    with django_assert_max_num_queries(len(few)) as many:
        html = page(as_officer.get(REGISTRY))
    assert len(many) == len(few)
    assert len(table_rows(html, "registry-table")) == 25
    assert "30 cooperatives" in html
    second = page(as_officer.get(REGISTRY, {"page": 2}))
    assert [row[0] for row in table_rows(second, "registry-table")] == [
        f"Koperasi A{number:02d}" for number in range(25, 30)]


# ---------------------------------------------------------------- a cooperative's page


def test_a_cooperatives_page_shows_its_profile_monthly_sales_and_rat_history(
    as_officer, world
):
    html = page(as_officer.get("/dinas/cooperatives/sanggau-ledo/"))

    assert "<h1>Koperasi Sanggau Ledo</h1>" in html
    assert world["here"].nik in html
    assert re.search(r"March 2026</th><td class=\"num\">3</td><td class=\"num\">"
                     + re.escape(rupiah(150_000)) + r"</td><td class=\"num\">"
                     + re.escape(rupiah(140_000)), html)
    assert "February 2026</th><td class=\"num\">3</td>" in html
    assert table_rows(html, "rat-table") == [["14 February 2026", "40 / 60", "–", "–"]]
    assert rupiah(900_000) not in html


def test_a_rat_with_minutes_links_to_them(as_officer, world):
    cooperative_services.rat_record(actor=world["owner"], cooperative=world["here"],
                                    held_on=datetime.date(2025, 3, 1), attendance=30,
                                    members_total=55, minutes=minutes_upload())
    meeting = world["here"].rat_meetings.get(held_on=datetime.date(2025, 3, 1))
    html = page(as_officer.get("/dinas/cooperatives/sanggau-ledo/"))

    link = f"/api/v1/cooperatives/sanggau-ledo/rat/{meeting.pk}/minutes/"
    assert f'href="{link}"' in html
    assert as_officer.get(link).status_code == 200  # the officer in scope may read them


def test_a_cooperatives_page_runs_the_same_queries_for_1_and_6_rat_meetings(
    as_officer, world, django_assert_max_num_queries
):
    url = "/dinas/cooperatives/sanggau-ledo/"
    with CaptureQueriesContext(connection) as few:
        as_officer.get(url)
    for year in range(2020, 2025):
        cooperative_services.rat_record(actor=world["owner"], cooperative=world["here"],
                                        held_on=datetime.date(year, 3, 1), attendance=30,
                                        members_total=55)
    with django_assert_max_num_queries(len(few)):
        html = page(as_officer.get(url))
    assert len(table_rows(html, "rat-table")) == 6


# ---------------------------------------------------------------- the queue and decisions


def test_the_queue_lists_the_pending_cooperatives_of_the_officers_regions(as_officer, world):
    CooperativeFactory(name="Koperasi Jauh", region=district(THERE), status="pending")
    html = page(as_officer.get(QUEUE))
    assert "Koperasi Lembah Bawang" in html
    assert 'id="decision-lembah-bawang-verified"' in html
    assert "Koperasi Jauh" not in html
    assert "Koperasi Sanggau Ledo" not in html


def test_the_queue_runs_the_same_queries_for_2_and_20_pending(
    as_officer, django_assert_max_num_queries
):
    for _ in range(2):
        CooperativeFactory(region=district(HERE), status="pending")
    with CaptureQueriesContext(connection) as few:
        as_officer.get(QUEUE)
    for _ in range(18):
        CooperativeFactory(region=district(HERE), status="pending")
    with django_assert_max_num_queries(len(few)):
        html = page(as_officer.get(QUEUE))
    assert html.count('name="decision" value="verified"') == 20


def test_an_officer_verifies_a_pending_cooperative_from_the_queue(as_officer, officer, world):
    response = as_officer.post("/dinas/queue/lembah-bawang/",
                               {"decision": "verified", "note": "Dokumen lengkap",
                                "next": QUEUE})

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    world["pending"].refresh_from_db()
    assert world["pending"].status == Cooperative.Status.VERIFIED
    assert world["pending"].status_note == "Dokumen lengkap"
    assert world["pending"].status_changed_by == officer
    assert Event.objects.filter(kind=Event.Kind.COOPERATIVE_VERIFIED,
                                cooperative=world["pending"]).count() == 1
    assert messages_of(response) == ["Koperasi Lembah Bawang is now verified."]
    assert 'id="pending-lembah-bawang"' not in page(as_officer.get(QUEUE))


@pytest.mark.parametrize("sent", [{"decision": "approved"}, {"decision": ""},
                                  {"decision": "verified", "note": "x" * 1001}])
def test_a_bad_decision_is_refused_with_a_message_and_changes_nothing(as_officer, world, sent):
    response = as_officer.post("/dinas/queue/lembah-bawang/", sent)

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    [message] = messages_of(response)
    assert message.startswith("Koperasi Lembah Bawang: ")
    world["pending"].refresh_from_db()
    assert world["pending"].status == Cooperative.Status.PENDING
    assert not Event.objects.filter(kind=Event.Kind.COOPERATIVE_VERIFIED).exists()


def test_a_refusal_of_the_service_is_shown_and_changes_nothing(client, world):
    admin = english(UserFactory(is_superuser=True))
    rejected = CooperativeFactory(name="Koperasi Ditolak", slug="ditolak",
                                  region=district(HERE), status=Cooperative.Status.REJECTED)
    CooperativeFactory(nik=rejected.nik, region=district(HERE), status="pending")
    as_user(client, admin)

    response = client.post("/dinas/queue/ditolak/", {"decision": "verified"})

    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    rejected.refresh_from_db()
    assert rejected.status == Cooperative.Status.REJECTED


@pytest.mark.parametrize("slug", ["seluas", "no-such-one"])
def test_an_officer_deciding_out_of_scope_gets_404_and_changes_nothing(as_officer, world, slug):
    response = as_officer.post(f"/dinas/queue/{slug}/", {"decision": "suspended"})
    assert response.status_code == 404
    world["there"].refresh_from_db()
    assert world["there"].status == Cooperative.Status.VERIFIED


def test_deciding_takes_a_post_only_and_only_from_the_dinas(client, as_officer, world):
    assert as_officer.get("/dinas/queue/lembah-bawang/").status_code == 405
    as_user(client, world["owner"])
    assert client.post("/dinas/queue/lembah-bawang/",
                       {"decision": "verified"}).status_code == 404
    world["pending"].refresh_from_db()
    assert world["pending"].status == Cooperative.Status.PENDING


def test_an_officer_suspends_a_cooperative_from_its_page(as_officer, world):
    url = "/dinas/cooperatives/sanggau-ledo/"
    response = as_officer.post("/dinas/queue/sanggau-ledo/",
                               {"decision": "suspended", "note": "Tidak RAT", "next": url})
    assert response["Location"] == url
    world["here"].refresh_from_db()
    assert world["here"].status == Cooperative.Status.SUSPENDED


# ---------------------------------------------------------------- the monthly report


def test_the_report_form_offers_the_officers_own_regions_and_last_month(as_officer, world):
    html = page(as_officer.get(REPORT))
    assert re.findall(r'<option value="([\d.]+)"', html) == [HERE]
    assert 'value="2026-02"' in html


def test_an_officer_downloads_the_monthly_report_of_their_region(as_officer, world):
    response = as_officer.get(REPORT, {"region": HERE, "month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="laporan-bulanan_61.07.04_2026-03.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Ringkasan", "Koperasi", "Kecamatan"]
    koperasi = [row[1] for row in workbook["Koperasi"].iter_rows(min_row=2, values_only=True)]
    assert koperasi == ["Koperasi Lembah Bawang", "Koperasi Sanggau Ledo"]


@pytest.mark.parametrize("region", [THERE, "61.07", "99.99"])
def test_a_report_of_a_region_not_the_officers_own_is_a_404(as_officer, world, region):
    assert as_officer.get(REPORT, {"region": region, "month": "2026-03"}).status_code == 404


def test_an_officer_of_the_regency_gets_its_report_not_a_kecamatans(client, world):
    as_user(client, english(DinasOfficerFactory(regions=[district(HERE).parent]).user))
    assert client.get(REPORT, {"region": "61.07", "month": "2026-03"}).status_code == 200
    assert client.get(REPORT, {"region": HERE, "month": "2026-03"}).status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "March", "2026-04", "1999-12", ""])
def test_a_bad_report_month_is_shown_not_a_500(as_officer, world, month):
    response = as_officer.get(REPORT, {"region": HERE, "month": month})
    assert response.status_code == 400
    assert '<li class="error">Month: ' in page(response)


@pytest.mark.parametrize("url", [DASHBOARD, SALES, REGISTRY, "/dinas/cooperatives/sanggau-ledo/",
                                 QUEUE, REPORT])
def test_every_dinas_page_keeps_within_the_page_budget(as_officer, world, url):
    assert_within_budget(as_officer, url)
