"""Webhooks, refunds and payouts arriving at once (PostgreSQL, one connection per thread)."""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from events.models import Event
from payments import selectors, services
from payments.models import Payout, Refund, StripeEvent
from tests.payments.conftest import (
    checkout_place,
    intent_event,
    order_fulfil_and_complete,
    orders_of,
    payment_of,
    stripe_event,
    webhook_post,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def all_at_once(calls: list[Callable]) -> list:
    """Run each call in its own thread (its own database connection), released together."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # the test asserts on it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def webhook_call(event: dict) -> Callable:
    return lambda: webhook_post(Client(), event)


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.stripe
def test_five_events_each_delivered_twice_at_once_are_each_applied_once(
    stripe_client, buyer, kopi, lada
):
    checkouts = [checkout_place(buyer, {kopi.variant: 1, lada.variant: 1}, "stripe")
                 for _ in range(5)]
    events = [intent_event(stripe_client, "payment_intent.succeeded", payment_of(checkout))
              for checkout in checkouts]

    answers = all_at_once([webhook_call(event) for event in events * 2])

    assert [getattr(a, "status_code", a) for a in answers] == [200] * 10
    assert sum(a.json()["processed"] for a in answers) == 5
    assert sorted(StripeEvent.objects.values_list("event_id", flat=True)) == sorted(
        event["id"] for event in events
    )
    for checkout in checkouts:
        assert payment_of(checkout).status == "succeeded"
        assert [order.status for order in orders_of(checkout)] == ["paid", "paid"]
        assert Event.objects.filter(order__checkout=checkout, kind="order_paid").count() == 2


@pytest.mark.stripe
def test_one_event_delivered_five_times_at_once_changes_state_once(
    stripe_client, buyer, kopi, lada
):
    checkout = checkout_place(buyer, {kopi.variant: 2, lada.variant: 1}, "stripe")
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(checkout))

    answers = all_at_once([webhook_call(event)] * 5)

    assert [getattr(a, "status_code", a) for a in answers] == [200] * 5
    assert Counter(a.json()["processed"] for a in answers) == {True: 1, False: 4}
    assert StripeEvent.objects.count() == 1
    assert Event.objects.filter(order__checkout=checkout, kind="order_paid").count() == 2


@pytest.mark.stripe
def test_five_different_events_about_one_payment_at_once_leave_it_paid_once(
    stripe_client, buyer, kopi, lada
):
    checkout = checkout_place(buyer, {kopi.variant: 2, lada.variant: 1}, "stripe")
    payment = payment_of(checkout)
    events = [
        intent_event(stripe_client, "payment_intent.succeeded", payment),
        intent_event(stripe_client, "payment_intent.succeeded", payment),  # a re-send
        intent_event(stripe_client, "payment_intent.payment_failed", payment),
        stripe_event("charge.refunded", {"id": "ch_x", "refunds": {"data": []}}),
        stripe_event("customer.created", {"id": "cus_x"}),
    ]

    answers = all_at_once([webhook_call(event) for event in events])

    assert [getattr(a, "status_code", a) for a in answers] == [200] * 5
    assert all(a.json()["processed"] for a in answers)
    assert StripeEvent.objects.count() == 5
    # Whichever came first, a failure never undoes a success, and success happens once.
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert Event.objects.filter(order__checkout=checkout, kind="order_paid").count() == 2


def test_refunds_at_once_never_exceed_the_order_total(buyer, owner, finance_staff, bank_checkout):
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(bank_checkout))
    coffee, _ = orders_of(bank_checkout)
    url = f"/api/v1/orders/{coffee.number}/refund/"

    answers = all_at_once(
        [lambda: as_user(owner).post(url, {"amount": 25_000, "reason": "Retur"})] * 4
    )

    assert sorted(getattr(a, "status_code", a) for a in answers) == [200, 200, 400, 400]
    assert sum(Refund.objects.values_list("amount", flat=True)) == 50_000
    assert payment_of(bank_checkout).refunded_amount == 50_000


def test_payouts_at_once_never_overdraw_the_balance(buyer, finance_staff, kopi):
    checkout = checkout_place(buyer, {kopi.variant: 2}, "bank_transfer")
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(checkout))
    order_fulfil_and_complete(orders_of(checkout)[0], staff=kopi.owner)
    assert selectors.ledger_balance(kopi.cooperative) == 57_000
    url = f"/api/v1/cooperatives/{kopi.cooperative.slug}/payouts/"

    answers = all_at_once(
        [lambda i=i: as_user(finance_staff).post(url, {"amount": 20_000, "reference": f"T{i}"})
         for i in range(5)]
    )

    assert sorted(getattr(a, "status_code", a) for a in answers) == [201, 201, 400, 400, 400]
    assert Payout.objects.count() == 2
    assert selectors.ledger_balance(kopi.cooperative) == 17_000
