"""The dinas monitoring API: sales figures by cooperative, region, category, day and month,
with the previous period beside them, and the registry of cooperatives; each officer sees
the figures of their own regions only."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from market.models import Cooperative, DailySales
from market.monitoring import Figures, sales_figures_add
from market.services import cooperatives as cooperative_services
from orders.services import checkout as checkout_services
from payments import services as payment_services
from tests.factories import (
    CategoryFactory,
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    category,
    district,
)
from tests.payments.conftest import ADDRESS, finance_staff_create, shop_open

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
HERE, THERE = "61.07.04", "61.07.06"  # two kecamatan of Bengkayang (61.07)
SALES, REGISTRY = "/api/v1/monitoring/sales/", "/api/v1/monitoring/cooperatives/"
FIGURES = ("orders", "items", "gross", "refunds", "net")
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def day(month: int, number: int) -> datetime.date:
    return datetime.date(2026, month, number)


def sold(cooperative, on: datetime.date, *, gross: int, refunds: int = 0, orders: int = 1,
         items: int = 1, category_slug: str | None = "kopi-teh") -> DailySales:
    """A day's figures of one cooperative and category, added as market.monitoring adds an
    event's: to the day's row and to its month's."""
    category_id = category(category_slug).pk if category_slug else None
    with transaction.atomic():
        sales_figures_add({(on, cooperative.pk, category_id): Figures(
            orders=orders, items=items, gross=gross, refunds=refunds)})
    return DailySales.objects.get(day=on, cooperative=cooperative, category_id=category_id)


@pytest.fixture
def world():
    """Two cooperatives in one kecamatan, one in another, with March and February sales."""
    here = CooperativeFactory(name="Koperasi Sanggau Ledo", region=district(HERE))
    near = CooperativeFactory(name="Koperasi Lembah Bawang", region=district(HERE),
                              status=Cooperative.Status.PENDING)
    there = CooperativeFactory(name="Koperasi Seluas", region=district(THERE))
    CategoryFactory(slug="lada", name="Lada")
    sold(here, day(3, 2), gross=100_000, refunds=10_000, orders=2, items=4)
    sold(here, day(3, 20), gross=50_000, items=2, category_slug="lada")
    sold(here, day(3, 20), gross=5_000, orders=0, category_slug=None)
    sold(near, day(3, 5), gross=70_000, orders=1, items=7, category_slug="lada")
    sold(there, day(3, 3), gross=900_000, orders=9, items=9)
    sold(here, day(2, 10), gross=30_000)  # the previous period's
    sold(there, day(2, 11), gross=800_000)
    return {"here": here, "near": near, "there": there}


@pytest.fixture
def officer_here():
    return DinasOfficerFactory(regions=[district(HERE)]).user


@pytest.fixture
def officer_regency():
    return DinasOfficerFactory(regions=[district(HERE).parent]).user


def get(user_client, user, url, **params):
    return user_client(user).get(url, params)


def figures(**values) -> dict:
    values.setdefault("net", values["gross"] - values["refunds"])
    return {name: values[name] for name in FIGURES}


def assert_totals_are_the_sum_of_the_rows(body):
    assert body["totals"] == {name: sum(row[name] for row in body["results"])
                              for name in FIGURES}


# ---------------------------------------------------------------- sales, grouped


def test_sales_by_cooperative_are_ordered_by_net_with_totals_and_previous_period(
    user_client, world, officer_regency
):
    response = get(user_client, officer_regency, SALES, **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-03-01"
    assert body["to"] == "2026-03-31"
    assert [(row["key"], row["label"], row["net"]) for row in body["results"]] == [
        (world["there"].slug, "Koperasi Seluas", 900_000),
        (world["here"].slug, "Koperasi Sanggau Ledo", 145_000),
        (world["near"].slug, "Koperasi Lembah Bawang", 70_000),
    ]
    assert body["results"][1] == {"key": world["here"].slug, "label": "Koperasi Sanggau Ledo",
                                  **figures(orders=3, items=7, gross=155_000, refunds=10_000)}
    assert body["totals"] == figures(orders=13, items=23, gross=1_125_000, refunds=10_000)
    assert_totals_are_the_sum_of_the_rows(body)
    # The 31 days before March: 29 January to 28 February.
    assert body["previous"] == {
        "from": "2026-01-29", "to": "2026-02-28",
        "totals": figures(orders=2, items=2, gross=830_000, refunds=0),
    }


@pytest.mark.parametrize(("group_by", "expected"), [
    ("region", [("61.07.06", 900_000), ("61.07.04", 215_000)]),
    ("category", [("kopi-teh", 990_000), ("lada", 120_000), ("uncategorised", 5_000)]),
    ("day", [("2026-03-02", 90_000), ("2026-03-03", 900_000), ("2026-03-05", 70_000),
             ("2026-03-20", 55_000)]),
])
def test_sales_group_by_region_category_and_day(
    user_client, world, officer_regency, group_by, expected
):
    body = get(user_client, officer_regency, SALES, group_by=group_by, **MARCH).json()

    assert [(row["key"], row["net"]) for row in body["results"]] == expected
    assert_totals_are_the_sum_of_the_rows(body)
    assert body["totals"]["net"] == 1_115_000


def test_sales_group_labels_name_the_region_and_the_category(user_client, world, platform_admin):
    by_region = get(user_client, platform_admin, SALES, group_by="region", **MARCH).json()
    by_category = user_client(platform_admin).get(
        SALES, {"group_by": "category", **MARCH}, HTTP_ACCEPT_LANGUAGE="en"  # label in its msgid
    ).json()

    assert {row["key"]: row["label"] for row in by_region["results"]}[HERE] == (
        district(HERE).name)
    labels = {row["key"]: row["label"] for row in by_category["results"]}
    assert labels["lada"] == "Lada"
    assert labels["kopi-teh"] == category("kopi-teh").name
    assert labels["uncategorised"] == "Uncategorised"


def test_sales_by_month_are_in_month_order(user_client, world, officer_regency):
    body = get(user_client, officer_regency, SALES, group_by="month",
               **{"from": "2026-02-01", "to": "2026-03-31"}).json()

    assert [(row["key"], row["label"], row["gross"], row["orders"])
            for row in body["results"]] == [
        ("2026-02", "2026-02", 830_000, 2), ("2026-03", "2026-03", 1_125_000, 13),
    ]
    assert_totals_are_the_sum_of_the_rows(body)
    assert body["previous"]["from"] == "2025-12-04"
    assert body["previous"]["to"] == "2026-01-31"
    assert body["previous"]["totals"] == figures(orders=0, items=0, gross=0, refunds=0)


def _daily_sums(start: datetime.date, end: datetime.date, group_by: str, cooperatives) -> dict:
    """The figures of the days as DailySales rows alone give them, by the answer's key."""
    def key(row) -> str:
        return {"cooperative": lambda: row.cooperative.slug,
                "region": lambda: row.cooperative.region.code,
                "category": lambda: row.category.slug if row.category else "uncategorised",
                "day": lambda: row.day.isoformat(),
                "month": lambda: row.day.strftime("%Y-%m")}[group_by]()

    sums: dict[str, dict] = {}
    for row in DailySales.objects.filter(day__gte=start, day__lte=end,
                                         cooperative__in=cooperatives):
        found = sums.setdefault(key(row), dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            found[name] += getattr(row, name)
    return sums


@pytest.mark.parametrize("group_by", ["cooperative", "region", "category", "day", "month"])
@pytest.mark.parametrize("who", ["admin", "officer"])
def test_a_period_with_edge_days_and_whole_months_adds_up_to_its_days(
    user_client, world, officer_regency, platform_admin, group_by, who
):
    # 15 January to 10 April: February and March whole, 17 + 10 edge days; the previous
    # period (21 October to 14 January) whole in November and December.
    lada = CooperativeFactory(name="Koperasi Lada", region=district(THERE))
    elsewhere = CooperativeFactory(region=district(HERE).parent.parent)  # the province: outside
    for cooperative, number in ((world["here"], 1), (world["there"], 2), (lada, 3),
                                (elsewhere, 4)):
        for on in (datetime.date(2025, 10, 20), datetime.date(2025, 10, 21), day(1, 14),
                   day(1, 15), day(1, 31), day(2, 1), day(2, 28), day(3, 31), day(4, 1),
                   day(4, 10), day(4, 11)):
            sold(cooperative, on, gross=1_000 * number + on.day, refunds=on.month,
                 items=number, category_slug=("lada", "kopi-teh", None)[on.day % 3])
    user = platform_admin if who == "admin" else officer_regency
    seen = Cooperative.objects.exclude(pk=elsewhere.pk) if who == "officer" else \
        Cooperative.objects.all()

    body = get(user_client, user, SALES, group_by=group_by,
               **{"from": "2026-01-15", "to": "2026-04-10"}).json()

    assert {row["key"]: {name: row[name] for name in FIGURES} for row in body["results"]} == \
        _daily_sums(day(1, 15), day(4, 10), group_by, seen)
    assert_totals_are_the_sum_of_the_rows(body)
    previous = _daily_sums(datetime.date(2025, 10, 21), day(1, 14), "month", seen)
    assert body["previous"]["totals"] == {
        name: sum(month[name] for month in previous.values()) for name in FIGURES}


def test_the_default_period_is_the_last_30_days_up_to_today(user_client, officer_here):
    here = CooperativeFactory(region=district(HERE))
    today = timezone.localdate()
    sold(here, today, gross=1_000)
    sold(here, today - datetime.timedelta(days=29), gross=2_000)
    sold(here, today - datetime.timedelta(days=30), gross=4_000)  # the period before

    body = get(user_client, officer_here, SALES).json()

    assert body["to"] == today.isoformat()
    assert body["from"] == (today - datetime.timedelta(days=29)).isoformat()
    assert body["totals"]["gross"] == 3_000
    assert body["previous"]["totals"]["gross"] == 4_000
    assert body["previous"]["to"] == (today - datetime.timedelta(days=30)).isoformat()


def test_a_period_of_one_day_is_compared_with_the_day_before(user_client, world, officer_here):
    body = get(user_client, officer_here, SALES, group_by="day",
               **{"from": "2026-03-20", "to": "2026-03-20"}).json()

    assert [row["key"] for row in body["results"]] == ["2026-03-20"]
    assert body["totals"]["gross"] == 55_000
    assert body["previous"]["from"] == body["previous"]["to"] == "2026-03-19"


def test_a_period_without_sales_answers_no_rows_and_zero_totals(user_client, world,
                                                                officer_here):
    body = get(user_client, officer_here, SALES,
               **{"from": "2025-01-01", "to": "2025-01-31"}).json()

    assert body["results"] == []
    assert body["totals"] == figures(orders=0, items=0, gross=0, refunds=0)


def test_sales_made_through_checkout_and_payment_appear_on_the_day_paid(
    user_client, officer_here
):
    shop = shop_open(CooperativeFactory(region=district(HERE)), price=25_000, shipping_fee=10_000)
    buyer = UserFactory()
    placed_at = datetime.datetime(2026, 3, 1, 20, tzinfo=JAKARTA)
    checkout = checkout_services.checkout_place(
        buyer=buyer, idempotency_key=str(uuid.uuid4()), shipping_address=ADDRESS,
        payment_method="bank_transfer", now=placed_at,
        items=[{"variant": shop.variant.pk, "quantity": 2}],
    )
    payment_services.payment_confirm_transfer(
        actor=finance_staff_create(), payment=checkout.payment,
        now=datetime.datetime(2026, 3, 2, 9, tzinfo=JAKARTA),
    )

    body = get(user_client, officer_here, SALES, group_by="day", **MARCH).json()

    assert body["results"] == [{"key": "2026-03-02", "label": "2026-03-02",
                                **figures(orders=1, items=2, gross=60_000, refunds=0)}]


# ---------------------------------------------------------------- sales, filtered


def test_the_region_filter_includes_sub_regions_within_the_officers_scope(
    user_client, world, officer_regency
):
    kecamatan = get(user_client, officer_regency, SALES, region=HERE, **MARCH).json()
    regency = get(user_client, officer_regency, SALES, region="61.07", **MARCH).json()

    assert {row["key"] for row in kecamatan["results"]} == {world["here"].slug,
                                                             world["near"].slug}
    assert kecamatan["totals"]["net"] == 215_000
    assert kecamatan["previous"]["totals"]["gross"] == 30_000
    assert regency["totals"]["net"] == 1_115_000


def test_the_cooperative_filter_gives_one_cooperatives_figures(user_client, world,
                                                                officer_here):
    body = get(user_client, officer_here, SALES, group_by="category",
               cooperative=world["here"].slug, **MARCH).json()

    assert [(row["key"], row["net"]) for row in body["results"]] == [
        ("kopi-teh", 90_000), ("lada", 50_000), ("uncategorised", 5_000)]
    assert body["previous"]["totals"]["gross"] == 30_000


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize("group_by", ["cooperative", "region", "category", "day", "month"])
def test_an_officer_sees_no_figures_of_another_kecamatan_in_any_grouping(
    user_client, world, officer_here, group_by
):
    body = get(user_client, officer_here, SALES, group_by=group_by, **MARCH).json()

    assert body["totals"] == figures(orders=3 + 1, items=7 + 7, gross=225_000, refunds=10_000)
    assert_totals_are_the_sum_of_the_rows(body)
    assert body["previous"]["totals"]["gross"] == 30_000  # not the 800,000 of Seluas
    assert "61.07.06" not in str(body)
    assert world["there"].slug not in str(body)


def test_an_officer_asking_for_another_kecamatan_or_a_wider_region_is_refused(
    user_client, world, officer_here
):
    for url in (SALES, REGISTRY):
        for region in (THERE, "61.07", "61"):
            response = user_client(officer_here).get(url, {"region": region},
                                                     HTTP_ACCEPT_LANGUAGE="en")

            assert response.status_code == 403, (url, region)
            assert response.json()["detail"] == "This region is outside the regions you oversee."


def test_an_officer_asking_for_another_kecamatans_cooperative_gets_a_404(
    user_client, world, officer_here
):
    response = get(user_client, officer_here, SALES, cooperative=world["there"].slug)
    unknown = get(user_client, officer_here, SALES, cooperative="tidak-ada")

    assert response.status_code == 404
    assert response.json() == unknown.json()  # no hint that it exists


def test_an_officer_sees_only_their_kecamatans_cooperatives_in_the_registry(
    user_client, world, officer_here
):
    body = get(user_client, officer_here, REGISTRY).json()

    assert body["count"] == 2
    assert [row["slug"] for row in body["results"]] == [world["near"].slug, world["here"].slug]


def test_a_platform_admin_sees_every_region(user_client, world, platform_admin):
    sales = get(user_client, platform_admin, SALES, **MARCH).json()
    registry = get(user_client, platform_admin, REGISTRY).json()
    filtered = get(user_client, platform_admin, SALES, region=THERE, **MARCH).json()

    assert sales["totals"]["net"] == 1_115_000
    assert registry["count"] == 3
    assert filtered["totals"]["gross"] == 900_000


@pytest.mark.parametrize("url", [SALES, REGISTRY])
def test_nobody_but_officers_and_admins_gets_in(api, user_client, world, url):
    owner = MembershipFactory(cooperative=world["here"], role="owner").user
    staff = MembershipFactory(cooperative=world["here"], role="staff").user

    assert api.get(url).status_code == 401
    for user in (UserFactory(), owner, staff, finance_staff_create()):
        response = get(user_client, user, url)
        assert response.status_code == 403
        assert "results" not in response.json()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ({"from": "2023-01-01", "to": "2026-03-01"}, "to"),
    ({"from": "1999-12-31", "to": "2000-01-31"}, "from"),
    ({"from": "2026-02-30"}, "from"),
    ({"to": "kemarin"}, "to"),
    ({"group_by": "week"}, "group_by"),
    ({"cooperative": "bukan slug!"}, "cooperative"),
])
def test_bad_sales_input_is_a_400_naming_the_field(user_client, officer_here, params, field):
    response = get(user_client, officer_here, SALES, **params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_period_of_exactly_three_years_is_allowed(user_client, officer_here):
    response = get(user_client, officer_here, SALES, **{"from": "2023-03-02", "to": "2026-03-01"})

    assert response.status_code == 200


@pytest.mark.parametrize(("params", "field"), [
    ({"active": "maybe"}, "active"),
    ({"status": "dormant"}, "status"),
    ({"rat_held": "tahun ini"}, "rat_held"),
    ({"rat_missing": "12"}, "rat_missing"),
    ({"rat_held": ""}, "rat_held"),
    ({"page_size": "0"}, "page_size"),
])
def test_bad_registry_input_is_a_400_naming_the_field(user_client, officer_here, params, field):
    response = get(user_client, officer_here, REGISTRY, **params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# ---------------------------------------------------------------- the registry


@pytest.fixture
def registry(officer_here):
    """Trading, dormant and never-trading cooperatives of one kecamatan, today being today."""
    today = timezone.localdate()
    trading = CooperativeFactory(name="A Trading", region=district(HERE))
    dormant = CooperativeFactory(name="B Dormant", region=district(HERE),
                                 status=Cooperative.Status.SUSPENDED)
    never = CooperativeFactory(name="C Never", region=district(HERE),
                               status=Cooperative.Status.PENDING)
    refunded = CooperativeFactory(name="D Refunds only", region=district(HERE))
    sold(trading, today - datetime.timedelta(days=3), gross=40_000)
    sold(trading, today - datetime.timedelta(days=29), gross=2_000, category_slug=None)
    sold(trading, today - datetime.timedelta(days=30), gross=100_000)  # not in the 30 days
    sold(dormant, today - datetime.timedelta(days=90), gross=9_000)
    sold(refunded, today - datetime.timedelta(days=200), gross=5_000)
    sold(refunded, today - datetime.timedelta(days=1), gross=0, orders=0, items=0,
         refunds=5_000)  # a refund is no sale
    return {"today": today, "trading": trading, "dormant": dormant, "never": never,
            "refunded": refunded}


def test_the_registry_says_who_trades_their_last_sale_and_their_gross_of_30_days(
    user_client, registry, officer_here
):
    today = registry["today"]

    body = get(user_client, officer_here, REGISTRY).json()

    rows = {row["slug"]: row for row in body["results"]}
    assert rows[registry["trading"].slug] == {
        "slug": registry["trading"].slug, "name": "A Trading", "region": HERE,
        "status": "verified", "active": True,
        "last_sale_at": (today - datetime.timedelta(days=3)).isoformat(),
        "rat_last_held": None, "gross_30d": 42_000, "rat_held_this_year": False,
    }
    assert rows[registry["dormant"].slug]["active"] is False  # 91 days ago, of 90
    assert rows[registry["dormant"].slug]["status"] == "suspended"
    assert rows[registry["never"].slug]["last_sale_at"] is None
    assert rows[registry["never"].slug]["gross_30d"] == 0
    assert rows[registry["refunded"].slug]["active"] is False
    assert rows[registry["refunded"].slug]["last_sale_at"] == (
        today - datetime.timedelta(days=200)).isoformat()


def test_the_registry_filters_active_and_dormant_with_the_setting(
    user_client, registry, officer_here, settings
):
    active = get(user_client, officer_here, REGISTRY, active="true").json()
    dormant = get(user_client, officer_here, REGISTRY, active="false").json()
    settings.MONITORING_ACTIVE_DAYS = 91
    longer = get(user_client, officer_here, REGISTRY, active="true").json()

    assert [row["slug"] for row in active["results"]] == [registry["trading"].slug]
    assert [row["name"] for row in dormant["results"]] == ["B Dormant", "C Never",
                                                           "D Refunds only"]
    assert [row["name"] for row in longer["results"]] == ["A Trading", "B Dormant"]


def test_the_registry_filters_by_status_and_region(user_client, registry, world,
                                                   officer_regency):
    pending = get(user_client, officer_regency, REGISTRY, status="pending").json()
    there = get(user_client, officer_regency, REGISTRY, region=THERE).json()

    assert [row["name"] for row in pending["results"]] == ["C Never", "Koperasi Lembah Bawang"]
    assert [row["slug"] for row in there["results"]] == [world["there"].slug]


def test_the_registry_says_who_held_their_rat_in_a_year_and_who_did_not(
    user_client, registry, officer_here
):
    owner = MembershipFactory(cooperative=registry["trading"], role="owner").user
    cooperative_services.rat_record(actor=owner, cooperative=registry["trading"],
                                    held_on=day(2, 14), attendance=30, members_total=40)
    cooperative_services.rat_record(actor=owner, cooperative=registry["trading"],
                                    held_on=datetime.date(2025, 3, 1), attendance=20,
                                    members_total=35)
    other = MembershipFactory(cooperative=registry["never"], role="owner").user
    cooperative_services.rat_record(actor=other, cooperative=registry["never"],
                                    held_on=datetime.date(2025, 6, 1), attendance=9,
                                    members_total=10)

    held = get(user_client, officer_here, REGISTRY, rat_held=2025).json()
    missing = get(user_client, officer_here, REGISTRY, rat_missing=2026).json()
    both = get(user_client, officer_here, REGISTRY, rat_held=2025, rat_missing=2026).json()

    assert [row["name"] for row in held["results"]] == ["A Trading", "C Never"]
    assert held["results"][0]["rat_last_held"] == "2026-02-14"
    assert [row["name"] for row in missing["results"]] == ["B Dormant", "C Never",
                                                           "D Refunds only"]
    assert [row["name"] for row in both["results"]] == ["C Never"]


def test_the_registry_says_who_held_their_rat_in_the_current_jakarta_year(
    user_client, officer_here
):
    held = CooperativeFactory(name="A Held", region=district(HERE))
    last_year = CooperativeFactory(name="B Last year", region=district(HERE))
    CooperativeFactory(name="C Never", region=district(HERE))
    # 1 January 2027 at 00:30 in Jakarta: still 31 December 2026 in UTC.
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA), tick=False):
        for cooperative, held_on in ((held, datetime.date(2027, 1, 1)),
                                     (last_year, datetime.date(2026, 12, 31))):
            owner = MembershipFactory(cooperative=cooperative, role="owner").user
            cooperative_services.rat_record(actor=owner, cooperative=cooperative,
                                            held_on=held_on, attendance=5, members_total=9)
        body = get(user_client, officer_here, REGISTRY).json()

    assert {row["name"]: row["rat_held_this_year"] for row in body["results"]} == {
        "A Held": True, "B Last year": False, "C Never": False}


def test_the_registry_runs_the_same_queries_whatever_the_page_size(
    user_client, officer_here, django_assert_num_queries
):
    today = timezone.localdate()
    for number in range(25):
        cooperative = CooperativeFactory(region=district(HERE))
        sold(cooperative, today - datetime.timedelta(days=number), gross=1_000 + number)
        Cooperative.objects.filter(pk=cooperative.pk).update(last_rat_date=day(1, 5))
    client = user_client(officer_here)

    # The officer's rule, their regions, the count, the page.
    with django_assert_num_queries(4):
        small = client.get(REGISTRY, {"page_size": 2})
    with django_assert_num_queries(4):
        large = client.get(REGISTRY, {"page_size": 25, "active": "true", "rat_missing": 2026})

    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 25
    assert all(row["gross_30d"] > 0 for row in large.json()["results"])


def test_the_sales_figures_take_two_aggregate_queries(
    user_client, world, officer_here, django_assert_num_queries
):
    client = user_client(officer_here)

    # The officer's rule, their regions, the rows, the previous period's totals.
    for group_by in ("cooperative", "month"):
        with django_assert_num_queries(4):
            assert client.get(SALES, {"group_by": group_by, **MARCH}).status_code == 200


def test_an_empty_day_is_a_400_not_the_default(user_client, officer_here):
    for field in ("from", "to"):
        response = get(user_client, officer_here, SALES, **{field: ""})

        assert response.status_code == 400
        assert list(response.json()) == [field]


def test_an_empty_active_filter_is_a_400_not_false(user_client, officer_here):
    response = get(user_client, officer_here, REGISTRY, active="")

    assert response.status_code == 400
    assert list(response.json()) == ["active"]


def test_an_empty_grouping_is_a_400_not_the_default(user_client, officer_here):
    response = get(user_client, officer_here, SALES, group_by="")

    assert response.status_code == 400
    assert list(response.json()) == ["group_by"]
