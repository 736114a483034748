"""checkout_place(): all or nothing, and numbers that name the month in Jakarta."""

import datetime

import pytest
import time_machine
from django.db import DatabaseError

from catalog.errors import InsufficientStock
from catalog.models import Variant
from events.models import Event
from orders.models import CartItem, Checkout, Order, OrderLine
from orders.services.checkout import checkout_place
from payments import settlement
from payments.models import Payment
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    ShippingOptionFactory,
    UserFactory,
    VariantFactory,
    checkout_placed,
)

pytestmark = pytest.mark.django_db


def rows() -> dict[str, int]:
    return {
        "checkouts": Checkout.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "events": Event.objects.count(),
        "payments": Payment.objects.count(),
    }


def stock(*variants) -> list[int]:
    return [Variant.objects.get(pk=variant.pk).stock for variant in variants]


def place_cart(buyer, key: str = "kunci-1") -> Checkout:
    return checkout_place(buyer=buyer, idempotency_key=key, shipping_address=SHIPPING_ADDRESS,
                          payment_method="bank_transfer")


def payment_table_unavailable(**kwargs):
    """The payment record cannot be created: the last step of a checkout fails."""
    raise DatabaseError("payments_payment is unavailable")


@pytest.fixture
def cart_of_two_cooperatives(buyer):
    kopi = VariantFactory(price=25_000, stock=10)
    madu = VariantFactory(price=80_000, stock=3)
    CartItem.objects.create(user=buyer, variant=kopi, quantity=2)
    CartItem.objects.create(user=buyer, variant=madu, quantity=1)
    return kopi, madu


def test_a_checkout_whose_payment_cannot_be_recorded_leaves_everything_as_before(
    buyer, cart_of_two_cooperatives, monkeypatch
):
    kopi, madu = cart_of_two_cooperatives
    before = rows()

    monkeypatch.setattr(settlement, "payment_create", payment_table_unavailable)
    with pytest.raises(DatabaseError):
        place_cart(buyer)

    assert rows() == before
    assert stock(kopi, madu) == [10, 3]
    assert CartItem.objects.filter(user=buyer).count() == 2


def test_after_a_failed_checkout_the_same_key_places_it(
    buyer, cart_of_two_cooperatives, monkeypatch
):
    kopi, madu = cart_of_two_cooperatives
    with monkeypatch.context() as patch:
        patch.setattr(settlement, "payment_create", payment_table_unavailable)
        with pytest.raises(DatabaseError):
            place_cart(buyer, key="coba-lagi")

    checkout = place_cart(buyer, key="coba-lagi")

    assert checkout.orders.count() == 2
    assert stock(kopi, madu) == [8, 2]


def test_the_checkout_total_is_the_sum_of_its_orders_and_the_payment_amount(buyer):
    kopi = VariantFactory(price=25_000)
    madu = VariantFactory(price=80_000)
    ShippingOptionFactory(cooperative=kopi.cooperative, fee=7_000)
    ShippingOptionFactory(cooperative=madu.cooperative, fee=12_500)

    checkout = checkout_placed(buyer, [(kopi, 3), (madu, 2)])

    totals = sorted(checkout.orders.values_list("subtotal", "shipping_fee", "total"))
    assert totals == [(75_000, 7_000, 82_000), (160_000, 12_500, 172_500)]
    assert checkout.total == 82_000 + 172_500 == checkout.payment.amount


def test_every_new_order_starts_with_an_event_by_its_buyer(buyer):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC),
                             tick=False):
        checkout = checkout_placed(buyer, [(VariantFactory(), 1), (VariantFactory(), 1)])

    events = Event.objects.filter(order__checkout=checkout, kind="order_placed")
    assert sorted(events.values_list("status", "actor", "at")) == [
        ("pending_payment", buyer.pk, datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)),
    ] * 2


def test_short_of_stock_raises_naming_only_the_short_variants_and_takes_nothing(buyer):
    kopi, lada, madu = (VariantFactory(stock=5), VariantFactory(stock=1),
                        VariantFactory(stock=0))

    with pytest.raises(InsufficientStock) as refused:
        checkout_placed(buyer, [(kopi, 5), (lada, 2), (madu, 1)])

    assert refused.value.variant_ids == sorted([lada.pk, madu.pk])
    assert stock(kopi, lada, madu) == [5, 1, 0]
    assert rows() == dict.fromkeys(rows(), 0)


def test_buying_the_last_units_leaves_zero_in_stock(buyer):
    variant = VariantFactory(stock=3)

    checkout_placed(buyer, [(variant, 3)])

    assert stock(variant) == [0]
    with pytest.raises(InsufficientStock):
        checkout_placed(UserFactory(), [(variant, 1)])


@pytest.mark.parametrize(
    ("utc_moment", "month"),
    [
        # 1 November, 01:30 in Jakarta: the month is Jakarta's, not UTC's.
        (datetime.datetime(2026, 10, 31, 18, 30, tzinfo=datetime.UTC), "2611"),
        (datetime.datetime(2027, 1, 15, 3, 0, tzinfo=datetime.UTC), "2701"),
    ],
)
def test_an_order_number_names_the_year_and_month_in_jakarta(buyer, utc_moment, month):
    with time_machine.travel(utc_moment, tick=False):
        order = checkout_placed(buyer, [(VariantFactory(), 1)]).orders.get()

    assert order.number == f"BKY-{month}-{order.pk:06d}"


def test_the_order_number_prefix_is_a_setting(buyer, settings):
    settings.ORDER_NUMBER_PREFIX = "SGU"

    order = checkout_placed(buyer, [(VariantFactory(), 1)]).orders.get()

    assert order.number.startswith("SGU-")


def test_one_checkout_splits_by_cooperative_whatever_the_item_order(buyer):
    ledo, seluas = CooperativeFactory(), CooperativeFactory()
    a1, b1, a2, b2 = (VariantFactory(product__cooperative=ledo),
                      VariantFactory(product__cooperative=seluas),
                      VariantFactory(product__cooperative=ledo),
                      VariantFactory(product__cooperative=seluas))

    checkout = checkout_placed(buyer, [(b2, 1), (a1, 1), (b1, 1), (a2, 1)])

    lines = {
        order.cooperative: sorted(order.lines.values_list("variant", flat=True))
        for order in checkout.orders.all()
    }
    assert lines == {ledo: sorted([a1.pk, a2.pk]), seluas: sorted([b1.pk, b2.pk])}


def test_a_key_still_answers_with_its_checkout_a_day_later(buyer):
    variant = VariantFactory(stock=5)
    placed_at = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(placed_at, tick=False):
        first = checkout_placed(buyer, [(variant, 1)], key="besok-lagi")

    with time_machine.travel(placed_at + datetime.timedelta(hours=25), tick=False):
        again = checkout_placed(buyer, [(variant, 1)], key="besok-lagi")

    assert again.pk == first.pk
    assert Checkout.objects.count() == 1
    assert stock(variant) == [4]
