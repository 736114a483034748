"""The demo seeds: the Bengkayang market, its catalog and a year of orders.

`seed_demo` runs whole once (the market picture, its progress on stdout); the
catalog, order and figures tests share one seeded catalog and full-size order
history (`demo_catalog`, `demo_orders`), made once for this module in a
transaction rolled back after it, since seeding takes seconds; each test still
runs in its own savepoint.
"""

import datetime
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.test import TestCase, override_settings
from django.utils import timezone

from catalog.demo import seed_catalog
from catalog.models import MAX_PRICE, Product, ProductImage, Review, Variant
from events.models import Event
from market.demo import (
    ACTIVE_TOTAL,
    COOPERATIVES_TOTAL,
    OFFICER_EMAIL,
    RAT_THIS_YEAR_TOTAL,
    active_demo_cooperatives,
    seed_market,
)
from market.images import THUMBNAIL_SIZES
from market.models import (
    Cooperative,
    DailySales,
    DinasOfficer,
    Notification,
    NotificationDelivery,
    RatMeeting,
    User,
)
from market.policies import is_finance_staff
from market.selectors import Period, monitoring_cooperative_list, monitoring_sales
from orders.demo import CHECKOUTS, LAPSED_TOTAL, seed_orders
from orders.models import Checkout, Order, OrderLine
from orders.services import lifecycle
from payments.models import LedgerEntry, Payment, Refund

pytestmark = pytest.mark.django_db

PHOTO_SIDE = 32  # pixels: thumbnails of the default 400 px photos take most of a test's time
STATUS_TIMES = ["paid_at", "accepted_at", "shipped_at", "delivered_at", "completed_at",
                "cancelled_at"]
HARVEST_MONTHS = [5, 6, 7, 8]  # when both lada and kopi are picked
OFF_SEASON_MONTHS = [10, 11, 12, 1, 2, 3]
FIGURE_FIELDS = ("day", "cooperative_id", "category_id", "orders", "items", "gross", "refunds")


def test_seed_demo_loads_the_bengkayang_picture_once_and_shows_its_progress(
    django_capture_on_commit_callbacks
):
    first, again = io.StringIO(), io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):  # the outbox runs after commit
        call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=again)  # idempotent

    assert Cooperative.objects.count() == 191
    statuses = dict(Cooperative.objects.values_list("status").annotate(Count("id")))
    assert statuses["verified"] == 172  # 80 trading + 92 dormant
    assert statuses["pending"] + statuses["suspended"] == 191 - 172
    assert Cooperative.objects.values("region").distinct().count() == 17
    assert Cooperative.objects.filter(last_rat_date__isnull=False).count() == 34
    officer = DinasOfficer.objects.get(user__email="dinas@pasar.test")
    assert list(officer.regions.values_list("code", flat=True)) == ["61.07"]
    assert User.objects.get(email="pengurus001@pasar.test").check_password("pasar-demo-2026")
    # The full-size order history has every status for the dashboards to show.
    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
    out = first.getvalue()
    assert "pembeli@pasar.test" in out
    assert "dinas@pasar.test" in out
    assert "keuangan@pasar.test" in out
    # The finance desk's demo login may open it.
    assert is_finance_staff(User.objects.get(email="keuangan@pasar.test"))
    stages = [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert stages[:6] == ["Market", "Catalog", "Catalog", "Orders", "Orders", "Monitoring"]
    stocked = re.findall(r"^  (\d+)/80 cooperatives stocked", out, re.MULTILINE)
    assert stocked == ["20", "40", "60", "80"]
    placed = re.findall(rf"^  (\d+)/{CHECKOUTS} checkouts placed, (\d+) orders", out,
                        re.MULTILINE)
    assert [int(done) for done, _orders in placed] == list(range(40, 401, 40))
    orders_seen = [int(orders) for _done, orders in placed]
    assert orders_seen == sorted(orders_seen)
    assert orders_seen[-1] == Order.objects.count()
    assert f"Orders: {Order.objects.count()} orders over the last year" in out
    assert "191 cooperatives, 34 with their RAT this year" in out
    # Notifications of what is current, not of the year's history: the officer hears of
    # the cooperatives still pending and of last month's report; the buyer of recent orders.
    officer_kinds = Counter(Notification.objects.filter(recipient=officer.user)
                            .values_list("kind", flat=True))
    assert officer_kinds == {"cooperative_pending": statuses["pending"], "monthly_report": 1}
    assert Notification.objects.filter(recipient__email="pembeli@pasar.test").exists()
    told = [int(source.removeprefix("event:")) for source in NotificationDelivery.objects
            .filter(source__startswith="event:").values_list("source", flat=True)]
    assert told
    two_weeks_ago = timezone.now() - datetime.timedelta(days=14, hours=1)
    assert not Event.objects.filter(pk__in=told, at__lt=two_weeks_ago).exists()
    # Seeded already: the stages say so, and nothing is placed again.
    assert "checkouts placed" not in again.getvalue()
    assert "cooperatives stocked" not in again.getvalue()
    assert "(0 new)" in again.getvalue()


def test_seed_market_early_in_january_holds_this_years_rat_up_to_today():
    new_year = datetime.datetime(2027, 1, 5, 9, tzinfo=ZoneInfo(settings.TIME_ZONE))

    with time_machine.travel(new_year, tick=False):
        seed_market()

    held = list(RatMeeting.objects.values_list("held_on", flat=True))
    assert len(held) == RAT_THIS_YEAR_TOTAL
    assert all(datetime.date(2027, 1, 1) <= day <= datetime.date(2027, 1, 5) for day in held)


@pytest.fixture(scope="module")
def demo_catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo market and catalog, seeded once for the module (with its thumbnails)."""
    media_root = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        seed_market()
        with TestCase.captureOnCommitCallbacks(execute=True):  # the thumbnail tasks
            result = seed_catalog(image_side=PHOTO_SIDE)
        yield result, media_root
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def demo_orders(demo_catalog, django_db_blocker):
    """The demo's full-size order history on the module's catalog: the count of its
    orders and the progress lines it reported."""
    lines: list[str] = []
    with django_db_blocker.unblock():
        return seed_orders(progress=lines.append), lines


@pytest.fixture
def officer(demo_catalog):
    return User.objects.get(email=OFFICER_EMAIL)


def _year() -> Period:
    today = timezone.localdate()
    return Period(start=today - datetime.timedelta(days=364), end=today)


# ---------------------------------------------------------------- catalog


def test_seed_catalog_gives_every_trading_cooperative_products(demo_catalog):
    result, _media_root = demo_catalog

    counts = dict(
        active_demo_cooperatives().annotate(products_count=Count("products"))
        .values_list("nik", "products_count")
    )
    assert len(counts) == ACTIVE_TOTAL
    assert all(3 <= count <= 8 for count in counts.values()), counts
    assert result.cooperatives_seeded == ACTIVE_TOTAL
    assert result.products_created == result.products_total == sum(counts.values())
    assert Product.objects.count() == result.products_total  # none for dormant ones
    active = Product.objects.filter(status=Product.Status.ACTIVE).count()
    assert active > 0.8 * result.products_total  # a few drafts


def test_seed_catalog_products_have_variants_and_a_photo_with_thumbnails(demo_catalog):
    _result, media_root = demo_catalog

    products = Product.objects.annotate(
        variants_count=Count("variants", distinct=True), images_count=Count("images", distinct=True)
    )
    assert not products.filter(Q(variants_count=0) | Q(images_count=0)).exists()
    images = list(ProductImage.objects.all())
    assert len(images) == products.count()
    for image in images:
        assert set(image.thumbnails) == set(THUMBNAIL_SIZES), image.pk
        assert all((media_root / path).is_file() for path in image.thumbnails.values())


def test_seed_catalog_prices_are_positive_whole_rupiah_and_lowest_on_the_product(demo_catalog):
    prices = list(Variant.objects.values_list("price", flat=True))
    assert all(isinstance(price, int) and 0 < price <= MAX_PRICE for price in prices)
    assert len(set(prices)) > 20  # varied, not one price for all
    assert all(stock >= 0 for stock in Variant.objects.values_list("stock", flat=True))
    products = Product.objects.annotate(lowest=Min("variants__price"))
    assert not products.exclude(price=F("lowest")).exists()


def test_seed_catalog_again_adds_nothing(demo_catalog):
    before = [Product.objects.count(), Variant.objects.count(), ProductImage.objects.count()]

    result = seed_catalog(image_side=PHOTO_SIDE)

    assert result.products_created == result.cooperatives_seeded == 0
    assert result.products_total == before[0]
    assert [Product.objects.count(), Variant.objects.count(),
            ProductImage.objects.count()] == before


# ---------------------------------------------------------------- orders


def test_seed_orders_spreads_orders_of_several_statuses_over_the_past_year(demo_orders):
    now = timezone.now()
    orders = list(Order.objects.all())

    checkouts = Checkout.objects.filter(idempotency_key__startswith="demo-").count()

    assert len(orders) == demo_orders[0]
    assert 0.95 * CHECKOUTS <= checkouts <= CHECKOUTS  # a few found their goods sold out
    assert checkouts < len(orders) <= 3 * checkouts
    statuses = {order.status for order in orders}
    assert {Order.Status.COMPLETED, Order.Status.CANCELLED} <= statuses
    assert len(statuses) >= 4, statuses
    created = sorted(order.created_at for order in orders)
    assert now - datetime.timedelta(days=365) < created[0] < now - datetime.timedelta(days=180)
    assert now - datetime.timedelta(days=14) < created[-1] <= now
    months = {timezone.localtime(time).strftime("%Y-%m") for time in created}
    assert len(months) >= 12, months


def test_seed_orders_numbers_and_events_move_back_with_their_order(demo_orders):
    now = timezone.now()
    orders = Order.objects.select_related("checkout__payment").prefetch_related("events")

    for order in orders:
        placed = timezone.localtime(order.created_at)
        assert order.number == f"{settings.ORDER_NUMBER_PREFIX}-{placed:%y%m}-{order.pk:06d}"
        checkout, payment = order.checkout, order.checkout.payment
        assert checkout.created_at <= order.created_at
        assert checkout.created_at <= payment.created_at <= now
        events = sorted(order.events.all(), key=lambda event: (event.at, event.pk))
        moves = [event.status for event in events if event.status]  # not its stock's events
        assert moves[0] == Order.Status.PENDING_PAYMENT
        assert moves[-1] == order.status
        assert all(order.created_at <= event.at <= now for event in events), order.number
        for field in STATUS_TIMES:
            moment = getattr(order, field)
            assert moment is None or order.created_at <= moment <= now, (order.number, field)
    assert not Refund.objects.filter(created_at__lt=F("order__created_at")).exists()
    assert not LedgerEntry.objects.filter(created_at__lt=F("order__created_at")).exists()


def test_seed_orders_payments_add_up_to_their_checkouts(demo_orders):
    checkouts = Checkout.objects.select_related("payment").prefetch_related("orders__refunds")

    for checkout in checkouts:
        orders = list(checkout.orders.all())
        payment = checkout.payment
        assert checkout.total == sum(order.total for order in orders)
        if not any(order.status == Order.Status.CANCELLED for order in orders):
            assert payment.amount == checkout.total, checkout.pk
        # Orders cancelled before payment leave the amount due; after it, they are refunded.
        dropped = sum(
            order.total for order in orders
            if order.status == Order.Status.CANCELLED and order.paid_at is None
        )
        assert payment.amount == checkout.total - dropped, checkout.pk
        refunded = sum(refund.amount for order in orders for refund in order.refunds.all())
        assert payment.refunded_amount == refunded, checkout.pk
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).exists()


def test_seed_orders_credit_the_ledger_for_completed_orders_only(demo_orders):
    completed = Order.objects.filter(status=Order.Status.COMPLETED)
    entries = LedgerEntry.objects.select_related("order")

    assert completed.exists()
    assert sorted(entry.order_id for entry in entries) == sorted(
        completed.values_list("pk", flat=True)
    )
    for entry in entries:
        assert entry.cooperative_id == entry.order.cooperative_id
        if entry.order.payment_method == "cod":  # the cooperative holds the cash: it owes
            assert (entry.kind, entry.amount) == (LedgerEntry.Kind.COMMISSION, -entry.commission)
        else:
            assert entry.kind == LedgerEntry.Kind.SALE
            assert entry.amount + entry.commission == entry.order.total


def test_seed_orders_leave_nothing_for_the_periodic_jobs_to_move(demo_orders):
    statuses = dict(Order.objects.values_list("pk", "status"))

    moved = [lifecycle.orders_expire_unpaid(), lifecycle.orders_auto_deliver(),
             lifecycle.orders_auto_complete()]

    assert moved == [0, 0, 0]
    assert dict(Order.objects.values_list("pk", "status")) == statuses


def test_seed_orders_reviews_a_share_of_the_delivered_lines_and_counts_them(demo_orders):
    reviews = Review.objects.select_related("order_line__order")
    delivered = OrderLine.objects.filter(order__status__in=["delivered", "completed"])

    assert 0.1 * delivered.count() < reviews.count() < 0.3 * delivered.count()
    assert {review.order_line.order.status for review in reviews} <= {"delivered", "completed"}
    assert all(review.order_line.order.delivered_at < review.created_at <= timezone.now()
               for review in reviews)
    assert len({review.rating for review in reviews}) == 5
    counted = Product.objects.filter(rating_count__gt=0).annotate(
        reviewed=Count("reviews"), total=Sum("reviews__rating")
    )
    assert not counted.exclude(reviewed=F("rating_count"), total=F("rating_total")).exists()
    assert counted.aggregate(n=Sum("rating_count"))["n"] == reviews.count()


def test_seed_orders_again_adds_nothing(demo_orders):
    tables = [Checkout, Order, Event, Payment, Refund, LedgerEntry, Review]
    before = [model.objects.count() for model in tables]
    stock = Variant.objects.aggregate(total=Sum("stock"))["total"]

    assert seed_orders() == demo_orders[0]

    assert [model.objects.count() for model in tables] == before
    assert Variant.objects.aggregate(total=Sum("stock"))["total"] == stock


def test_seed_orders_reports_its_progress_every_tenth_of_the_checkouts(demo_orders):
    count, lines = demo_orders

    assert len(lines) == 10
    assert lines[0].startswith(f"  {CHECKOUTS // 10}/{CHECKOUTS} checkouts placed, ")
    assert lines[-1] == f"  {CHECKOUTS}/{CHECKOUTS} checkouts placed, {count} orders (100%)"


# ---------------------------------------------------------------- sales figures


def _seasonal_share(slugs: list[str], months: list[int]) -> float:
    """The categories' part of the gross of those months (of any year)."""
    rows = DailySales.objects.filter(day__month__in=months)
    total = rows.aggregate(gross=Sum("gross"))["gross"]
    seasonal = rows.filter(category__slug__in=slugs).aggregate(gross=Sum("gross"))["gross"]
    return (seasonal or 0) / total


def test_demo_lada_and_kopi_sell_far_more_in_their_harvest_months(demo_orders):
    # Shares of each month's gross, so the market's growth over the year cancels out.
    both = ["lada", "kopi-teh"]

    harvest, off_season = (_seasonal_share(both, HARVEST_MONTHS),
                           _seasonal_share(both, OFF_SEASON_MONTHS))

    assert harvest > 2 * off_season, (harvest, off_season)
    assert harvest > 0.3
    for slug in both:
        assert (_seasonal_share([slug], HARVEST_MONTHS)
                > 1.5 * _seasonal_share([slug], OFF_SEASON_MONTHS)), slug


def test_demo_top_five_cooperatives_take_a_large_share_of_the_gross(demo_orders, officer):
    rows = monitoring_sales(user=officer, period=_year(), group_by="cooperative")["results"]
    gross = sorted((row["gross"] for row in rows), reverse=True)

    assert sum(gross[:5]) > 0.35 * sum(gross)  # an even market would give them 6 %
    assert len([amount for amount in gross if amount]) >= 0.8 * ACTIVE_TOTAL  # and a long tail


def test_demo_dormant_cooperatives_have_no_sales_at_all(demo_orders):
    trading = set(active_demo_cooperatives().values_list("pk", flat=True))
    dormant = Cooperative.objects.exclude(pk__in=trading)

    assert dormant.count() == COOPERATIVES_TOTAL - ACTIVE_TOTAL
    assert not DailySales.objects.filter(cooperative__in=dormant).exists()
    assert not Order.objects.filter(cooperative__in=dormant).exists()
    assert set(DailySales.objects.values_list("cooperative", flat=True)) <= trading


def test_demo_some_trading_cooperatives_have_not_sold_in_the_active_days(demo_orders, officer):
    today = timezone.localdate()
    trading = active_demo_cooperatives().values("pk")
    verified = monitoring_cooperative_list(user=officer, today=today, status="verified")

    lapsed = verified.filter(pk__in=trading, active=False, last_sale_at__isnull=False)
    active = verified.filter(pk__in=trading, active=True)

    assert lapsed.count() >= LAPSED_TOTAL // 2, list(lapsed.values_list("name", "last_sale_at"))
    active_since = today - datetime.timedelta(days=settings.MONITORING_ACTIVE_DAYS - 1)
    assert all(cooperative.last_sale_at < active_since for cooperative in lapsed)
    assert active.count() >= ACTIVE_TOTAL * 5 // 8  # most still trade


def test_demo_has_34_cooperatives_with_their_rat_this_year(demo_orders, officer):
    today = timezone.localdate()

    held = monitoring_cooperative_list(user=officer, today=today, rat_held=today.year)
    missing = monitoring_cooperative_list(user=officer, today=today, rat_missing=today.year)

    assert held.count() == RAT_THIS_YEAR_TOTAL
    assert missing.count() == COOPERATIVES_TOTAL - RAT_THIS_YEAR_TOTAL


def test_demo_figures_rebuilt_from_the_events_equal_the_incremental_ones(demo_orders):
    def figures() -> list[tuple]:
        return list(DailySales.objects.order_by(*FIGURE_FIELDS[:3]).values_list(*FIGURE_FIELDS))

    incremental = figures()

    call_command("sales_figures_rebuild", stdout=io.StringIO())

    assert len(incremental) > 300
    assert figures() == incremental
    paid = Event.objects.filter(kind="order_paid").aggregate(total=Sum("amount"))["total"]
    assert sum(row[FIGURE_FIELDS.index("gross")] for row in incremental) == paid
