"""GET /orders/{number}/: the order's timeline is its own events, each named by kind;
stock moves, payment bookkeeping and the ledger stay out of it."""

import pytest

from events.models import Event
from orders.models import Order
from tests.factories import UserFactory, VariantFactory, order_placed

pytestmark = pytest.mark.django_db


def timeline(client, order) -> list[str]:
    response = client.get(f"/api/v1/orders/{order.number}/")
    assert response.status_code == 200, response.json()
    return [event["kind"] for event in response.json()["events"]]


def test_a_completed_and_refunded_order_shows_only_its_own_steps(
    user_client, cooperative, owner, django_capture_on_commit_callbacks
):
    buyer = UserFactory()
    variant = VariantFactory(product__cooperative=cooperative, price=20_000, stock=10)
    order = order_placed(buyer=buyer, variant=variant, quantity=2, status=Order.Status.COMPLETED,
                         staff=owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(owner).post(f"/api/v1/orders/{order.number}/refund/",
                                           {"amount": 5_000, "reason": "Retur"})
    assert response.status_code == 200, response.json()
    # Given: the order also moved stock and the ledger, which the buyer must not see.
    recorded = set(Event.objects.filter(order=order).values_list("kind", flat=True))
    assert {"stock_reserved", "sale_credited", "ledger_refund"} <= recorded

    seen = {who: timeline(user_client(who), order) for who in (buyer, owner)}

    assert seen[buyer] == [
        "order_placed", "order_paid", "order_accepted", "order_shipped", "order_delivered",
        "order_completed", "refund_requested", "refund_succeeded",
    ]
    assert seen[owner] == seen[buyer]


def test_each_timeline_event_names_its_kind_and_the_order_status_after_it(
    user_client, cooperative, owner
):
    buyer = UserFactory()
    variant = VariantFactory(product__cooperative=cooperative, price=20_000, stock=10)
    order = order_placed(buyer=buyer, variant=variant, status=Order.Status.ACCEPTED, staff=owner)

    events = user_client(buyer).get(f"/api/v1/orders/{order.number}/").json()["events"]

    assert [(e["kind"], e["status"]) for e in events] == [
        ("order_placed", "pending_payment"), ("order_paid", "paid"), ("order_accepted", "accepted"),
    ]
    assert events[-1]["actor"] == owner.name
    assert events[0]["amount"] == order.total


def test_a_cancelled_unpaid_order_shows_no_stock_release_or_payment_reduction(
    user_client, cooperative
):
    buyer = UserFactory()
    variant = VariantFactory(product__cooperative=cooperative, stock=10)
    order = order_placed(buyer=buyer, variant=variant, status=Order.Status.CANCELLED)
    recorded = set(Event.objects.filter(order=order).values_list("kind", flat=True))
    assert {"stock_reserved", "stock_released", "payment_reduced"} <= recorded

    assert timeline(user_client(buyer), order) == ["order_placed", "order_cancelled"]
