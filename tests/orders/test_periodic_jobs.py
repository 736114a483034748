"""The periodic order jobs: unpaid orders expire, shipped ones arrive, delivered ones close."""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile

from catalog.models import Variant
from orders.models import Order
from orders.tasks import (
    orders_auto_complete_task,
    orders_auto_deliver_task,
    orders_expire_unpaid_task,
)
from payments.models import LedgerEntry, Payment
from tests.factories import UserFactory, VariantFactory, checkout_placed, order_placed

pytestmark = pytest.mark.django_db

Status = Order.Status
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def status_of(*orders: Order) -> list[str]:
    return [Order.objects.get(pk=order.pk).status for order in orders]


def stock(variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def test_unpaid_orders_past_the_timeout_are_cancelled_and_release_their_stock(clock, settings):
    settings.ORDER_PAYMENT_TIMEOUT_HOURS = 24
    variant = VariantFactory(stock=10)
    unpaid = order_placed(variant=variant, quantity=3)
    paid = order_placed(variant=variant, quantity=2, status=Status.PAID)
    cash = order_placed(variant=variant, quantity=1, payment_method="cod")
    clock.shift(datetime.timedelta(hours=23, minutes=59))

    assert orders_expire_unpaid_task() == 0
    assert stock(variant) == 4

    clock.shift(datetime.timedelta(minutes=2))
    assert orders_expire_unpaid_task() == 1

    assert status_of(unpaid, paid, cash) == [Status.CANCELLED, Status.PAID,
                                             Status.PENDING_PAYMENT]
    assert stock(variant) == 7
    event = unpaid.events.order_by("pk").last()
    assert (event.status, event.actor, event.at) == (
        Status.CANCELLED, None, START + datetime.timedelta(hours=24, minutes=1))
    assert Payment.objects.get(checkout=unpaid.checkout_id).status == Payment.Status.CANCELLED


def test_the_payment_timeout_is_a_setting(clock, settings):
    settings.ORDER_PAYMENT_TIMEOUT_HOURS = 2
    unpaid = order_placed()
    clock.shift(datetime.timedelta(hours=2, seconds=1))

    assert orders_expire_unpaid_task() == 1
    assert status_of(unpaid) == [Status.CANCELLED]


def test_a_bank_transfer_whose_proof_awaits_finance_does_not_expire(clock, settings):
    unpaid = order_placed()
    payment = Payment.objects.get(checkout=unpaid.checkout_id)
    payment.proof.save("bukti.png", ContentFile(b"stored proof"), save=True)
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert orders_expire_unpaid_task() == 0
    assert status_of(unpaid) == [Status.PENDING_PAYMENT]


def test_expiring_twice_cancels_once(clock, settings):
    variant = VariantFactory(stock=5)
    order_placed(variant=variant, quantity=2)
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert orders_expire_unpaid_task() == 1
    assert orders_expire_unpaid_task() == 0
    assert stock(variant) == 5


def test_an_expired_checkout_of_two_cooperatives_cancels_both(clock, settings):
    kopi, madu = VariantFactory(stock=4), VariantFactory(stock=4)
    checkout = checkout_placed(UserFactory(), [(kopi, 1), (madu, 2)])
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert orders_expire_unpaid_task() == 2

    assert set(checkout.orders.values_list("status", flat=True)) == {Status.CANCELLED}
    assert (stock(kopi), stock(madu)) == (4, 4)
    payment = Payment.objects.get(checkout=checkout)
    assert (payment.status, payment.amount) == (Payment.Status.CANCELLED, 0)


def test_shipped_orders_not_confirmed_in_time_become_delivered(clock, settings):
    settings.ORDER_AUTO_DELIVER_DAYS = 7
    early = order_placed(status=Status.SHIPPED)
    clock.shift(datetime.timedelta(days=1))
    late = order_placed(status=Status.SHIPPED)
    accepted = order_placed(status=Status.ACCEPTED)
    clock.shift(datetime.timedelta(days=6, minutes=1))

    assert orders_auto_deliver_task() == 1

    assert status_of(early, late, accepted) == [Status.DELIVERED, Status.SHIPPED,
                                                Status.ACCEPTED]
    event = early.events.order_by("pk").last()
    assert (event.status, event.actor) == (Status.DELIVERED, None)

    clock.shift(datetime.timedelta(days=1))
    assert orders_auto_deliver_task() == 1
    assert status_of(late) == [Status.DELIVERED]


def test_an_auto_delivered_cash_order_is_paid(clock, settings):
    order = order_placed(status=Status.SHIPPED, payment_method="cod")
    clock.shift(datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS, minutes=1))

    orders_auto_deliver_task()

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.paid_at == START + datetime.timedelta(
        days=settings.ORDER_AUTO_DELIVER_DAYS, minutes=1)
    assert Payment.objects.get(checkout=order.checkout_id).status == Payment.Status.SUCCEEDED


def test_delivered_orders_past_the_return_window_are_completed_and_credit_the_ledger(
    clock, settings
):
    settings.ORDER_RETURN_WINDOW_DAYS = 3
    settings.PLATFORM_COMMISSION_BP = 500  # 5 %
    variant = VariantFactory(price=40_000)
    order = order_placed(variant=variant, quantity=2, status=Status.DELIVERED)
    clock.shift(datetime.timedelta(days=2, hours=23))
    recent = order_placed(status=Status.DELIVERED)

    assert orders_auto_complete_task() == 0
    clock.shift(datetime.timedelta(hours=1, minutes=1))
    assert orders_auto_complete_task() == 1

    assert status_of(order, recent) == [Status.COMPLETED, Status.DELIVERED]
    event = order.events.order_by("pk").last()
    assert (event.status, event.actor) == (Status.COMPLETED, None)
    entry = LedgerEntry.objects.get()
    assert (entry.cooperative, entry.kind, entry.order, entry.amount, entry.commission) == (
        order.cooperative, LedgerEntry.Kind.SALE, order, 80_000 - 4_000, 4_000)


def test_completing_twice_credits_the_ledger_once(clock, settings):
    order_placed(status=Status.DELIVERED)
    clock.shift(datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS + 1))

    assert orders_auto_complete_task() == 1
    assert orders_auto_complete_task() == 0
    assert LedgerEntry.objects.count() == 1


def test_the_jobs_leave_cancelled_and_completed_orders_alone(clock):
    cancelled = order_placed(status=Status.CANCELLED)
    completed = order_placed(status=Status.COMPLETED)
    clock.shift(datetime.timedelta(days=60))

    assert (orders_expire_unpaid_task(), orders_auto_deliver_task(),
            orders_auto_complete_task()) == (0, 0, 0)
    assert status_of(cancelled, completed) == [Status.CANCELLED, Status.COMPLETED]
