"""The daily sales figures: counted by API.md's rule in the transaction of each sale or
refund, and a rebuild from the events gives exactly the same rows."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from events.models import Event
from market.errors import DomainError
from market.models import DailySales, MonthlySales
from market.monitoring import COUNTED_KINDS, rupiah_split, sales_figures_rebuild
from orders.models import Order, OrderLine
from orders.services import checkout as checkout_services
from orders.services import lifecycle
from payments import services, settlement
from payments.models import Payment, Refund
from tests.factories import CategoryFactory, ProductFactory
from tests.orders.test_concurrency import run_together
from tests.payments.conftest import (  # noqa: F401 (localstripe, stripe_on: fixtures)
    ADDRESS,
    finance_staff_create,
    localstripe,
    orders_of,
    shop_open,
    stripe_on,
)

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = datetime.date(2026, 3, 2)


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A time of a day of March 2026 in Asia/Jakarta."""
    return datetime.datetime(2026, 3, day, hour, minute, second, tzinfo=JAKARTA)


def figures() -> dict[tuple, tuple[int, int, int, int]]:
    """Every row: (day, cooperative, category) -> (orders, items, gross, refunds)."""
    return {
        (row.day, row.cooperative_id, row.category_id): (row.orders, row.items, row.gross,
                                                          row.refunds)
        for row in DailySales.objects.all()
    }


def months() -> dict[tuple, tuple[int, int, int, int]]:
    """Every MonthlySales row: (month, cooperative, category) -> its figures."""
    return {
        (row.month, row.cooperative_id, row.category_id): (row.orders, row.items, row.gross,
                                                            row.refunds)
        for row in MonthlySales.objects.all()
    }


def assert_months_are_the_sums_of_their_days() -> None:
    sums = (DailySales.objects.annotate(month=TruncMonth("day"))
            .values("month", "cooperative_id", "category_id")
            .annotate(orders=Sum("orders"), items=Sum("items"), gross=Sum("gross"),
                      refunds=Sum("refunds")))
    assert months() == {
        (row["month"], row["cooperative_id"], row["category_id"]): (
            row["orders"], row["items"], row["gross"], row["refunds"])
        for row in sums
    }


def assert_rebuild_equals_incremental() -> dict:
    incremental, incremental_months = figures(), months()
    assert_months_are_the_sums_of_their_days()
    sales_figures_rebuild()
    assert figures() == incremental
    assert months() == incremental_months
    return incremental


def place(buyer, lines: dict, method: str, now: datetime.datetime):
    return checkout_services.checkout_place(
        buyer=buyer, idempotency_key=str(uuid.uuid4()), shipping_address=ADDRESS,
        payment_method=method, now=now,
        items=[{"variant": variant.pk, "quantity": count} for variant, count in lines.items()],
    )


def deliver(order: Order, owner, now: datetime.datetime) -> None:
    """Move the order as far towards delivered as it may go."""
    moves = [
        lambda: lifecycle.order_accept(order_pk=order.pk, actor=owner, now=now),
        lambda: lifecycle.order_ship(order_pk=order.pk, actor=owner, carrier="JNE",
                                     tracking_number="JN1", now=now),
        lambda: lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer, now=now),
    ]
    for move in moves:
        try:
            move()
        except DomainError:
            continue


@pytest.fixture
def finance():
    return finance_staff_create(email="keuangan@pasar.example")


@pytest.fixture
def kopi():
    return shop_open(price=25_000, shipping_fee=10_000)


def category_of(shop) -> int:
    return shop.variant.product.category_id


# ---------------------------------------------------------------- splitting rupiah


def test_a_split_adds_up_and_gives_the_leftover_rupiah_to_the_largest_remainders():
    assert rupiah_split(100, {"1": 1, "2": 1, "3": 1}) == {"1": 34, "2": 33, "3": 33}
    assert rupiah_split(10, {"2": 2, "1": 1, "None": 1}) == {"1": 3, "2": 5, "None": 2}
    assert rupiah_split(7, {"5": 0}) == {"5": 7}
    assert sum(rupiah_split(99_999, {"1": 7, "2": 13, "None": 3}).values()) == 99_999


# ---------------------------------------------------------------- the counting rule


@pytest.mark.stripe
@pytest.mark.usefixtures("stripe_on")
def test_a_card_sale_counts_on_the_day_it_is_paid(buyer, kopi):
    checkout = place(buyer, {kopi.variant: 2}, "stripe", at(1))
    assert figures() == {}  # placed is not sold

    settlement.payment_paid(payment_pk=checkout.payment.pk, now=at(2))

    key = (DAY, kopi.cooperative.pk, category_of(kopi))
    assert figures() == {key: (1, 2, 60_000, 0)}  # the courier's fee is part of the sale
    assert_rebuild_equals_incremental()


def test_a_bank_transfer_confirmed_the_next_day_counts_on_that_day(buyer, kopi, finance):
    checkout = place(buyer, {kopi.variant: 1}, "bank_transfer", at(1, 22))

    services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(2, 9))

    assert figures() == {(DAY, kopi.cooperative.pk, category_of(kopi)): (1, 1, 35_000, 0)}
    assert_rebuild_equals_incremental()


def test_cash_on_delivery_counts_on_delivery_not_before(buyer, kopi):
    checkout = place(buyer, {kopi.variant: 3}, "cod", at(1))
    order = orders_of(checkout)[0]
    lifecycle.order_accept(order_pk=order.pk, actor=kopi.owner, now=at(1, 11))
    lifecycle.order_ship(order_pk=order.pk, actor=kopi.owner, carrier="JNE",
                         tracking_number="JN1", now=at(1, 12))
    assert figures() == {}

    deliver(order, kopi.owner, at(2, 15))

    assert figures() == {(DAY, kopi.cooperative.pk, category_of(kopi)): (1, 3, 85_000, 0)}
    assert_rebuild_equals_incremental()


def test_a_partial_refund_days_later_counts_on_its_own_day(buyer, kopi, finance):
    checkout = place(buyer, {kopi.variant: 2}, "bank_transfer", at(1))
    services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(2))
    order = orders_of(checkout)[0]

    lifecycle.order_refund(order_pk=order.pk, actor=kopi.owner, amount=12_500, reason="Retur",
                           now=at(5))

    cooperative, category = kopi.cooperative.pk, category_of(kopi)
    assert figures() == {
        (DAY, cooperative, category): (1, 2, 60_000, 0),
        (datetime.date(2026, 3, 5), cooperative, category): (0, 0, 0, 12_500),
    }
    assert_rebuild_equals_incremental()


def test_a_cancellation_after_payment_counts_its_full_refund_on_the_cancellation_day(
    buyer, kopi, finance
):
    checkout = place(buyer, {kopi.variant: 1}, "bank_transfer", at(1))
    services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(2))

    lifecycle.order_cancel(order_pk=orders_of(checkout)[0].pk, actor=kopi.owner,
                           reason="Stok rusak", now=at(3))

    cooperative, category = kopi.cooperative.pk, category_of(kopi)
    assert figures() == {
        (DAY, cooperative, category): (1, 1, 35_000, 0),
        (datetime.date(2026, 3, 3), cooperative, category): (0, 0, 0, 35_000),
    }
    assert_rebuild_equals_incremental()


def test_a_refund_that_fails_is_given_back_on_the_day_of_the_failure(buyer, kopi, finance):
    checkout = place(buyer, {kopi.variant: 2}, "bank_transfer", at(1))
    services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(2))
    order = orders_of(checkout)[0]
    lifecycle.order_refund(order_pk=order.pk, actor=kopi.owner, amount=20_000, reason="Retur",
                           now=at(3))

    settlement.refund_failed(refund_pk=Refund.objects.get().pk, reason="Ditolak bank", now=at(4))

    cooperative, category = kopi.cooperative.pk, category_of(kopi)
    assert figures() == {
        (DAY, cooperative, category): (1, 2, 60_000, 0),
        (datetime.date(2026, 3, 3), cooperative, category): (0, 0, 0, 20_000),
        (datetime.date(2026, 3, 4), cooperative, category): (0, 0, 0, -20_000),
    }
    assert DailySales.objects.aggregate(refunds=Sum("refunds"))["refunds"] == 0
    assert_rebuild_equals_incremental()


def test_an_order_of_two_categories_splits_its_money_and_counts_once(buyer, kopi, finance):
    lada = ProductFactory(cooperative=kopi.cooperative, category=CategoryFactory(),
                          variants=[{"price": 10_001, "stock": 9}]).variants.get()
    checkout = place(buyer, {kopi.variant: 1, lada: 3}, "bank_transfer", at(1))
    services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(2))
    order = orders_of(checkout)[0]
    lifecycle.order_refund(order_pk=order.pk, actor=kopi.owner, amount=1_001, reason="Retur",
                           now=at(2, 11))

    rows = figures()
    cooperative = kopi.cooperative.pk
    coffee, pepper = rows[(DAY, cooperative, category_of(kopi))], rows[
        (DAY, cooperative, lada.product.category_id)]
    # 25,000 of coffee and 30,003 of pepper share the total 65,003 (with the 10,000 courier).
    assert coffee[:2] == (0, 1)
    assert pepper[:2] == (1, 3)  # the order counts on its largest category
    assert coffee[2] + pepper[2] == order.total == 65_003
    assert (coffee[2], pepper[2]) == (29_545, 35_458)
    assert coffee[3] + pepper[3] == 1_001
    assert_rebuild_equals_incremental()


def test_a_sale_just_before_and_just_after_midnight_in_jakarta_counts_on_two_days(
    buyer, kopi, finance
):
    first = place(buyer, {kopi.variant: 1}, "bank_transfer", at(1))
    second = place(buyer, {kopi.variant: 1}, "bank_transfer", at(1))

    # 23:59:59 in Jakarta is 16:59:59 UTC: still the 2nd there.
    services.payment_confirm_transfer(actor=finance, payment=first.payment,
                                      now=at(2, 23, 59, 59).astimezone(datetime.UTC))
    services.payment_confirm_transfer(actor=finance, payment=second.payment, now=at(3, 0))

    cooperative, category = kopi.cooperative.pk, category_of(kopi)
    assert figures() == {
        (DAY, cooperative, category): (1, 1, 35_000, 0),
        (datetime.date(2026, 3, 3), cooperative, category): (1, 1, 35_000, 0),
    }
    assert_rebuild_equals_incremental()


def test_the_rebuild_of_a_range_replaces_only_its_days(buyer, kopi, finance, capsys):
    for day in (2, 3, 4):
        checkout = place(buyer, {kopi.variant: 1}, "bank_transfer", at(day))
        services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=at(day))
    incremental = figures()
    DailySales.objects.update(gross=0)  # spoil every day

    call_command("sales_figures_rebuild", "--from", "2026-03-03", "--to", "2026-03-03")

    rows = figures()
    assert rows[(datetime.date(2026, 3, 3), kopi.cooperative.pk, category_of(kopi))] == \
        incremental[(datetime.date(2026, 3, 3), kopi.cooperative.pk, category_of(kopi))]
    assert rows[(DAY, kopi.cooperative.pk, category_of(kopi))][2] == 0  # outside: untouched
    # The month is summed again from its days, the untouched (spoilt) ones included.
    assert months()[(datetime.date(2026, 3, 1), kopi.cooperative.pk, category_of(kopi))][2] \
        == rows[(datetime.date(2026, 3, 3), kopi.cooperative.pk, category_of(kopi))][2]
    assert_months_are_the_sums_of_their_days()
    output = capsys.readouterr().out
    assert "2026-03-03: 1 rows" in output
    assert "months: 1 rows" in output


def test_a_sale_on_the_last_day_of_a_month_and_one_on_the_first_of_the_next_go_to_two_months(
    buyer, kopi, finance
):
    for now in (datetime.datetime(2026, 2, 28, 23, 59, tzinfo=JAKARTA), at(1, 0, 1)):
        checkout = place(buyer, {kopi.variant: 1}, "bank_transfer", now)
        services.payment_confirm_transfer(actor=finance, payment=checkout.payment, now=now)

    key = (kopi.cooperative.pk, category_of(kopi))
    assert months() == {(datetime.date(2026, 2, 1), *key): (1, 1, 35_000, 0),
                        (datetime.date(2026, 3, 1), *key): (1, 1, 35_000, 0)}
    assert_rebuild_equals_incremental()


# ---------------------------------------------------------------- at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sales_of_the_same_row_at_once_both_count(buyer, kopi, finance):
    checkouts = [place(buyer, {kopi.variant: 1 + index}, "bank_transfer", at(1))
                 for index in range(2)]

    results = run_together(2, lambda index: services.payment_confirm_transfer(
        actor=finance, payment=checkouts[index].payment, now=at(2, 9)))

    assert all(isinstance(result, Payment) for result in results), results
    assert figures() == {(DAY, kopi.cooperative.pk, category_of(kopi)): (2, 3, 95_000, 0)}
    assert_rebuild_equals_incremental()


# ---------------------------------------------------------------- any sequence


CHECKOUT = st.tuples(
    st.just("checkout"),
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=3),
    st.sampled_from(["bank_transfer", "cod", "stripe"]),
)
STEP = st.one_of(
    CHECKOUT,
    st.tuples(st.just("pay"), st.integers(0, 9)),
    st.tuples(st.just("cancel"), st.integers(0, 19)),
    st.tuples(st.just("refund"), st.integers(0, 19), st.integers(1, 100)),
    st.tuples(st.just("refund_outcome"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("deliver"), st.integers(0, 19)),
    st.tuples(st.just("wait"), st.integers(1, 20 * 60)),  # minutes: across midnights
)


def _pick(items: list, index: int):
    return items[index % len(items)] if items else None


def _assert_totals_are_the_events_sums() -> None:
    events = Event.objects.all()
    totals = DailySales.objects.aggregate(orders=Sum("orders"), items=Sum("items"),
                                          gross=Sum("gross"), refunds=Sum("refunds"))
    paid = events.filter(kind="order_paid")
    sold = Order.objects.filter(events__kind="order_paid").exclude(
        events__data__after_cancellation=True)
    refunded = events.filter(kind="refund_requested").aggregate(s=Sum("amount"))["s"] or 0
    given_back = events.filter(kind="refund_failed").aggregate(s=Sum("amount"))["s"] or 0
    assert (totals["gross"] or 0) == (paid.aggregate(s=Sum("amount"))["s"] or 0)
    assert (totals["refunds"] or 0) == refunded - given_back
    assert (totals["orders"] or 0) == sold.count()
    assert (totals["items"] or 0) == (
        OrderLine.objects.filter(order__in=sold).aggregate(s=Sum("quantity"))["s"] or 0)


@pytest.mark.stripe
@pytest.mark.usefixtures("stripe_on")
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=CHECKOUT, steps=st.lists(STEP, min_size=3, max_size=16))
def test_the_rebuild_equals_the_incremental_figures_after_any_sequence(
    buyer, finance, first, steps
):
    cooperative_shops = [shop_open(price=17_500), shop_open(price=25_001, shipping_fee=9_000)]
    shops = [*cooperative_shops]
    for shop in cooperative_shops:  # a second category in each cooperative
        variant = ProductFactory(cooperative=shop.cooperative, category=CategoryFactory(),
                                 variants=[{"price": 3_333, "stock": 50}]).variants.get()
        shops.append(type(shop)(cooperative=shop.cooperative, owner=shop.owner, variant=variant))
    owners = {shop.cooperative.pk: shop.owner for shop in shops}
    now = datetime.datetime(2026, 2, 27, 20, tzinfo=JAKARTA)  # across the end of a month
    payments: list[Payment] = []
    orders: list[Order] = []
    for kind, *args in [first, *steps]:
        now += datetime.timedelta(minutes=7)
        try:
            if kind == "checkout":
                lines, method = args
                chosen = {}
                for index, quantity in lines:
                    chosen[shops[index].variant] = quantity
                checkout = place(buyer, chosen, method, now)
                payments.append(checkout.payment)
                orders += orders_of(checkout)
            elif kind == "pay" and (payment := _pick(payments, args[0])):
                if payment.method == "bank_transfer":
                    services.payment_confirm_transfer(actor=finance, payment=payment, now=now)
                elif payment.method == "stripe":  # what the buyer paid, maybe before a cancel
                    settlement.payment_paid(payment_pk=payment.pk, now=now,
                                            received=payment.checkout.total)
            elif kind == "cancel" and (order := _pick(orders, args[0])):
                lifecycle.order_cancel(order_pk=order.pk, actor=order.buyer, reason="Batal",
                                       now=now)
            elif kind == "refund" and (order := _pick(orders, args[0])):
                left = settlement.order_refundable(order)
                lifecycle.order_refund(order_pk=order.pk, actor=owners[order.cooperative_id],
                                       amount=max(1, left * args[1] // 100), reason="Retur",
                                       now=now)
            elif kind == "refund_outcome":
                pending = list(Refund.objects.filter(status="pending").order_by("pk"))
                if refund := _pick(pending, args[0]):
                    if args[1]:
                        settlement.refund_succeeded(refund_pk=refund.pk, now=now)
                    else:
                        settlement.refund_failed(refund_pk=refund.pk, reason="Ditolak",
                                                 now=now)
            elif kind == "deliver" and (order := _pick(orders, args[0])):
                order.refresh_from_db()
                deliver(order, owners[order.cooperative_id], now)
            elif kind == "wait":
                now += datetime.timedelta(minutes=args[0])
        except DomainError:
            pass  # refused: nothing changed

    counted = Event.objects.filter(kind__in=COUNTED_KINDS)
    for kind in COUNTED_KINDS:  # what the sequences reached (--hypothesis-show-statistics)
        event(f"{kind}: {counted.filter(kind=kind).exists()}")
    event(f"paid after cancellation: {counted.filter(data__after_cancellation=True).exists()}")
    days = DailySales.objects.values("day").distinct().count()
    event(f"days with figures: {days if days < 3 else '3 or more'}")
    event(f"months with figures: {MonthlySales.objects.values('month').distinct().count()}")
    _assert_totals_are_the_events_sums()
    assert_rebuild_equals_incremental()
