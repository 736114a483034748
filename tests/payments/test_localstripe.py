"""Card payments end to end against localstripe, a stateful fake Stripe.

Our server runs as pytest-django's live server so that localstripe can deliver its
signed webhooks to it; the test plays the buyer's browser (Stripe.js) with the
Stripe library.
"""

import uuid

import pytest
import requests
import stripe

from events.models import Event, OutboxTask
from orders.models import Checkout
from payments.models import Payment, Refund, StripeEvent
from tests.payments.conftest import (
    DECLINED_CARD,
    WEBHOOK_EVENTS,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    card_pay,
    checkout_post,
    orders_of,
    payment_of,
    wait_until,
)

# PostgreSQL too: the webhook tests' live server thread would share the test's in-memory
# SQLite connection, and the outbox work it runs after a commit would interleave with the
# test's own savepoints on it.
pytestmark = [pytest.mark.stripe, pytest.mark.postgres]


@pytest.fixture
def stripe_webhook(live_server, stripe_on):
    """Our live server registered with localstripe as the webhook endpoint."""
    config = f"{stripe_on}/_config/webhooks/pasar"
    response = requests.post(config, timeout=5, json={
        "url": live_server.url + WEBHOOK_PATH, "secret": WEBHOOK_SECRET, "events": WEBHOOK_EVENTS,
    })
    assert response.status_code == 200
    yield live_server.url
    # The live server's thread runs the outbox tasks of a webhook after its commit (eagerly,
    # as without a broker), possibly after the test's last look: they finish before the
    # database is emptied, or they would write into the next test's rows.
    wait_until(lambda: not OutboxTask.objects.filter(
        status__in=[OutboxTask.Status.PENDING, OutboxTask.Status.RUNNING]).exists(),
        what="the webhook's background work")
    # Unregister: no later test may receive events meant for this one.
    requests.post(config, timeout=5, json={"url": "http://127.0.0.1:9/", "secret": "x",
                                           "events": []})


def event_processed(event_type: str, payment: Payment) -> bool:
    """Our server has processed localstripe's event about this payment's intent.

    (By its intent: localstripe may still deliver an event of an earlier test.)"""
    return StripeEvent.objects.filter(
        type=event_type, payload__data__object__id=payment.provider_reference,
        processed_at__isnull=False,
    ).exists()


def card_checkout(client, kopi, lada) -> Checkout:
    response = checkout_post(client, {kopi.variant: 2, lada.variant: 1}, "stripe")
    assert response.status_code == 201, response.json()
    return Checkout.objects.get(pk=response.json()["id"])


def pay_and_wait(stripe_client, checkout) -> None:
    payment = payment_of(checkout)
    card_pay(stripe_client, payment.provider_reference)
    wait_until(lambda: event_processed("payment_intent.succeeded", payment),
               what="localstripe's payment_intent.succeeded webhook")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_card_payment_confirmed_on_stripe_pays_every_order_by_webhook(
    stripe_webhook, stripe_client, user_client, buyer, kopi, lada
):
    client = user_client(buyer)

    response = checkout_post(client, {kopi.variant: 2, lada.variant: 1}, "stripe")

    assert response.status_code == 201, response.json()
    body = response.json()
    payment = Payment.objects.get(pk=body["payment"]["id"])
    intent = stripe_client.v1.payment_intents.retrieve(payment.provider_reference)
    assert (intent.amount, intent.currency) == (77_500 * 100, "idr")
    assert intent.metadata.to_dict() == {"checkout_id": str(body["id"]),
                                         "payment_id": str(payment.pk)}
    assert body["payment"]["client_secret"] == intent.client_secret
    assert (body["payment"]["status"], body["payment"]["amount"]) == ("pending", 77_500)

    confirmed = card_pay(stripe_client, intent.id)

    assert confirmed.status == "succeeded"
    # Only the webhook, about a second later, settles our side. (Not asserted as still
    # pending here: on a loaded machine the webhook can win that race.)
    wait_until(lambda: event_processed("payment_intent.succeeded", payment),
               what="localstripe's payment_intent.succeeded webhook")
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.refunded_amount) == ("succeeded", 77_500, 0)
    checkout = Checkout.objects.get(pk=body["id"])
    assert [order.status for order in orders_of(checkout)] == ["paid", "paid"]
    assert Event.objects.filter(order__checkout=checkout, kind="order_paid").count() == 2
    answer = client.get(f"/api/v1/payments/{payment.pk}/").json()
    assert (answer["status"], answer["method"]) == ("succeeded", "stripe")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_declined_card_leaves_the_orders_unpaid_and_the_payment_failed(
    stripe_webhook, stripe_client, user_client, buyer, kopi, lada
):
    checkout = card_checkout(user_client(buyer), kopi, lada)
    payment = payment_of(checkout)

    with pytest.raises(stripe.CardError):
        card_pay(stripe_client, payment.provider_reference, DECLINED_CARD)

    wait_until(lambda: event_processed("payment_intent.payment_failed", payment),
               what="localstripe's payment_intent.payment_failed webhook")
    assert payment_of(checkout).status == "failed"
    assert {order.status for order in orders_of(checkout)} == {"pending_payment"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refunds_of_a_card_payment_go_through_stripe(
    stripe_webhook, stripe_client, user_client, buyer, owner, kopi, lada
):
    checkout = card_checkout(user_client(buyer), kopi, lada)
    pay_and_wait(stripe_client, checkout)
    payment = payment_of(checkout)
    coffee, pepper = orders_of(checkout)

    # The buyer cancels the paid pepper order: its total goes back through Stripe.
    response = user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/",
                                       {"reason": "Salah pesan"})

    assert response.status_code == 200, response.json()
    refund = Refund.objects.get(order=pepper)
    assert (refund.amount, refund.status) == (17_500, "succeeded")
    on_stripe = stripe_client.v1.refunds.retrieve(refund.provider_reference)
    assert (on_stripe.amount, on_stripe.payment_intent) == (1_750_000, payment.provider_reference)
    assert on_stripe.metadata["refund_id"] == str(refund.pk)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 17_500)

    # The owner refunds part of the coffee, then too much, then the rest.
    owner_client = user_client(owner)
    refund_url = f"/api/v1/orders/{coffee.number}/refund/"
    assert owner_client.post(refund_url, {"amount": 20_000, "reason": "Retak"}).status_code == 200
    too_much = owner_client.post(refund_url, {"amount": 40_001, "reason": "Retak"})
    assert too_much.status_code == 400
    assert "amount" in too_much.json()
    on_stripe = stripe_client.v1.refunds.list(
        params={"payment_intent": payment.provider_reference, "limit": 100}
    ).data
    assert sorted(r.amount for r in on_stripe) == [1_750_000, 2_000_000]

    assert owner_client.post(refund_url, {"amount": 40_000, "reason": "Retak"}).status_code == 200

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", 77_500)
    assert set(Refund.objects.values_list("status", flat=True)) == {"succeeded"}
    intent = stripe_client.v1.payment_intents.retrieve(payment.provider_reference)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge.id)
    assert (charge.amount_refunded, charge.refunded) == (7_750_000, True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cancelling_unpaid_orders_shrinks_then_cancels_the_payment_intent(
    stripe_on, stripe_client, user_client, buyer, kopi, lada
):
    checkout = card_checkout(user_client(buyer), kopi, lada)
    coffee, pepper = orders_of(checkout)
    intent_id = payment_of(checkout).provider_reference

    user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/", {"reason": "Batal"})

    # (localstripe keeps an updated amount as the string it was sent)
    assert int(stripe_client.v1.payment_intents.retrieve(intent_id).amount) == coffee.total * 100
    assert payment_of(checkout).amount == coffee.total

    user_client(buyer).post(f"/api/v1/orders/{coffee.number}/cancel/", {"reason": "Batal"})

    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert (payment_of(checkout).status, payment_of(checkout).amount) == ("cancelled", 0)


@pytest.fixture
def stripe_emptied(stripe_on):
    """localstripe without the objects of earlier tests (whose ids ours may repeat)."""
    assert requests.delete(f"{stripe_on}/_config/data", timeout=5).status_code == 200
    return stripe_on


def intents_of(stripe_client, checkout_id: int) -> list:
    listed = stripe_client.v1.payment_intents.list(params={"limit": 1000}).data
    return [pi for pi in listed if pi.metadata.to_dict().get("checkout_id") == str(checkout_id)]


@pytest.mark.django_db
def test_a_repeated_checkout_creates_one_payment_intent(
    stripe_emptied, stripe_client, user_client, buyer, kopi
):
    """localstripe ignores Stripe's idempotency keys: our own must hold without them."""
    client = user_client(buyer)
    request = {"items": [{"variant": kopi.variant.pk, "quantity": 1}],
               "shipping_address": {"name": "Dayang", "phone": "0812345678",
                                    "line1": "Jl. Bhakti 5", "city": "Bengkayang"},
               "payment_method": "stripe"}
    key = str(uuid.uuid4())

    first = client.post("/api/v1/checkout/", request, format="json",
                        headers={"Idempotency-Key": key})
    again = client.post("/api/v1/checkout/", request, format="json",
                        headers={"Idempotency-Key": key})

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["payment"] == again.json()["payment"]
    assert len(intents_of(stripe_client, first.json()["id"])) == 1


@pytest.mark.django_db
def test_a_checkout_whose_intent_could_not_be_created_is_finished_by_its_retry(
    settings, stripe_emptied, stripe_client, user_client, buyer, kopi
):
    client = user_client(buyer)
    request = {"items": [{"variant": kopi.variant.pk, "quantity": 1}],
               "shipping_address": {"name": "Dayang", "phone": "0812345678",
                                    "line1": "Jl. Bhakti 5", "city": "Bengkayang"},
               "payment_method": "stripe"}
    key = str(uuid.uuid4())
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable

    refused = client.post("/api/v1/checkout/", request, format="json",
                          headers={"Idempotency-Key": key})

    assert refused.status_code == 503
    assert refused.json()["code"] == "payment_provider_unavailable"
    checkout = Checkout.objects.get()  # kept, with its stock reserved
    assert payment_of(checkout).provider_reference == ""
    settings.STRIPE_API_BASE = stripe_emptied

    retried = client.post("/api/v1/checkout/", request, format="json",
                          headers={"Idempotency-Key": key})

    assert retried.status_code == 201
    assert retried.json()["id"] == checkout.pk
    assert retried.json()["payment"]["client_secret"].startswith("pi_")
    assert len(intents_of(stripe_client, checkout.pk)) == 1
    kopi.variant.refresh_from_db()
    assert kopi.variant.stock == 49  # reserved once
