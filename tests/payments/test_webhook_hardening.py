"""The Stripe webhook trusts only what it can check: a configured secret, a well-formed
event, and a PaymentIntent id that we recorded for a card payment."""

import json

import pytest

from events.models import Event
from payments import services
from payments.models import Payment, Refund, StripeEvent
from tests.payments.conftest import (
    WEBHOOK_PATH,
    checkout_place,
    intent_event,
    orders_of,
    payment_of,
    stripe_event,
    stripe_signature,
    webhook_post,
    webhook_state,
)

pytestmark = [pytest.mark.stripe, pytest.mark.django_db]


def signed_post(client, payload: str, *, secret: str | None = None):
    """POST a raw body, signed as Stripe would sign it (with `secret` if given)."""
    signature = stripe_signature(payload) if secret is None else stripe_signature(
        payload, secret=secret
    )
    return client.post(WEBHOOK_PATH, payload, content_type="application/json",
                       headers={"Stripe-Signature": signature})


# ---------------------------------------------------------------- not configured


@pytest.mark.parametrize(
    ("secret_key", "webhook_secret"),
    [
        pytest.param("", "", id="no-keys"),
        pytest.param("sk_test_12345", "", id="webhook-secret-blank"),
        pytest.param("sk_test_12345", "   ", id="webhook-secret-whitespace"),
        pytest.param("", "whsec_test", id="secret-key-blank"),
    ],
)
def test_the_webhook_is_not_found_when_stripe_is_not_configured(
    api, settings, stripe_client, stripe_checkout, secret_key, webhook_secret
):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))
    settings.STRIPE_SECRET_KEY = secret_key
    settings.STRIPE_WEBHOOK_SECRET = webhook_secret
    before = webhook_state(stripe_checkout)

    # Signed with the very secret the settings hold, blank or not.
    response = signed_post(api, json.dumps(event), secret=webhook_secret)

    assert response.status_code == 404
    assert webhook_state(stripe_checkout) == before
    assert payment_of(stripe_checkout).status == "pending"


def test_an_event_signed_with_an_empty_key_changes_nothing(
    api, settings, stripe_client, stripe_checkout
):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))
    settings.STRIPE_WEBHOOK_SECRET = ""
    before = webhook_state(stripe_checkout)

    response = signed_post(api, json.dumps(event), secret="")

    assert response.status_code == 404
    assert webhook_state(stripe_checkout) == before
    assert not StripeEvent.objects.exists()


# ---------------------------------------------------------------- malformed events


def _without(key: str):
    def change(event: dict) -> object:
        del event[key]
        return event

    return change


def _set(path: tuple[str, ...], value: object):
    def change(event: dict) -> object:
        target = event
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return event

    return change


def _without_amount_received_zero(event: dict) -> dict:
    intent = event["data"]["object"]
    intent["amount_received"] = 0
    del intent["amount"]
    return event


@pytest.mark.parametrize(
    "malform",
    [
        pytest.param(_without("id"), id="no-id"),
        pytest.param(_set(("id",), ""), id="empty-id"),
        pytest.param(_set(("id",), 12345), id="integer-id"),
        pytest.param(_without("type"), id="no-type"),
        pytest.param(_without("data"), id="no-data"),
        pytest.param(_set(("data",), "pi_123"), id="data-a-string"),
        pytest.param(_set(("data", "object"), "pi_123"), id="object-a-string"),
        pytest.param(_set(("data", "object"), ["pi_123"]), id="object-a-list"),
        pytest.param(_set(("data", "object", "id"), 12345), id="integer-intent-id"),
        pytest.param(_set(("data", "object", "id"), None), id="null-intent-id"),
        pytest.param(_set(("data", "object", "amount_received"), "7750000"),
                     id="amount-a-string"),
        pytest.param(_set(("id",), "evt_" + "x" * 300), id="id-longer-than-stripe-makes"),
        pytest.param(_set(("type",), "payment_intent." + "x" * 200), id="type-too-long"),
        pytest.param(_without_amount_received_zero, id="zero-received-and-no-amount"),
        pytest.param(lambda event: [event], id="a-json-list"),
        pytest.param(lambda event: "evt_123", id="a-json-string"),
        pytest.param(lambda event: None, id="json-null"),
    ],
)
def test_a_correctly_signed_malformed_event_is_a_400_and_changes_nothing(
    api, stripe_client, stripe_checkout, malform
):
    payment = payment_of(stripe_checkout)
    event = malform(intent_event(stripe_client, "payment_intent.succeeded", payment))
    before = webhook_state(stripe_checkout)

    response = signed_post(api, json.dumps(event))

    assert response.status_code == 400
    assert "Stripe-Signature" not in response.json()  # the signature was fine
    assert webhook_state(stripe_checkout) == before
    assert not StripeEvent.objects.exists()


def test_a_correctly_signed_refund_event_with_an_integer_id_is_a_400(api, stripe_checkout):
    before = webhook_state(stripe_checkout)
    event = stripe_event("refund.updated", {"id": 7, "object": "refund", "status": "failed"})

    response = webhook_post(api, event)

    assert response.status_code == 400
    assert webhook_state(stripe_checkout) == before


# ---------------------------------------------------------------- only our card intents


@pytest.fixture
def bank_payment(buyer, kopi, lada) -> Payment:
    """A pending bank-transfer payment of Rp77.500."""
    return payment_of(checkout_place(buyer, {kopi.variant: 2, lada.variant: 1}, "bank_transfer"))


def bank_state(payment: Payment) -> tuple:
    payment.refresh_from_db()
    return (payment.status, payment.succeeded_at,
            [(order.status, order.paid_at) for order in orders_of(payment.checkout)],
            Event.objects.filter(payment=payment).count())


def succeeded_intent(intent_id: str, *, metadata: dict | None = None) -> dict:
    return stripe_event("payment_intent.succeeded", {
        "id": intent_id, "object": "payment_intent", "status": "succeeded",
        "amount": 7_750_000, "amount_received": 7_750_000, "currency": "idr",
        "metadata": metadata or {},
    })


def test_an_intent_carrying_a_bank_transfer_payments_reference_pays_nothing(
    api, stripe_on, bank_payment
):
    # Given: a bank transfer whose reference happens to equal a PaymentIntent id.
    Payment.objects.filter(pk=bank_payment.pk).update(provider_reference="pi_looks_like_ours")
    before = bank_state(bank_payment)

    response = webhook_post(api, succeeded_intent("pi_looks_like_ours"))

    assert response.status_code == 200
    assert bank_state(bank_payment) == before
    assert bank_payment.status == "pending"


def test_an_intent_naming_a_bank_transfer_payment_only_in_metadata_pays_nothing(
    api, stripe_on, bank_payment
):
    before = bank_state(bank_payment)
    event = succeeded_intent("pi_someone_elses", metadata={
        "payment_id": str(bank_payment.pk), "checkout_id": str(bank_payment.checkout_id),
    })

    response = webhook_post(api, event)

    assert response.status_code == 200
    assert bank_state(bank_payment) == before
    assert bank_payment.status == "pending"


def test_refund_updated_failed_ends_our_pending_card_refund_failed_and_gives_back_its_amount(
    api, user_client, owner, stripe_client, stripe_checkout
):
    payment = payment_of(stripe_checkout)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    coffee, _ = orders_of(stripe_checkout)
    # The refund is recorded; its task never runs (the test's transaction never commits).
    response = user_client(owner).post(f"/api/v1/orders/{coffee.number}/refund/",
                                       {"amount": 10_000, "reason": "Kemasan rusak"})
    assert response.status_code == 200, response.json()
    refund = Refund.objects.get()
    # Given: Stripe took the refund as pending under this id.
    Refund.objects.filter(pk=refund.pk).update(provider_reference="re_pending_at_stripe")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 10_000)

    response = webhook_post(api, stripe_event("refund.updated", {
        "id": "re_pending_at_stripe", "object": "refund", "status": "failed",
        "amount": 1_000_000, "failure_reason": "expired_or_canceled_card",
    }))

    assert response.status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("succeeded", 0)
    failed = Event.objects.get(kind="refund_failed")
    assert (failed.refund, failed.order, failed.amount) == (refund, coffee, 10_000)


def test_refund_updated_for_a_bank_transfer_refund_changes_nothing(
    api, stripe_on, user_client, owner, finance_staff, bank_payment
):
    services.payment_confirm_transfer(actor=finance_staff, payment=bank_payment)
    coffee = orders_of(bank_payment.checkout)[0]
    user_client(owner).post(f"/api/v1/orders/{coffee.number}/refund/",
                            {"amount": 10_000, "reason": "Retur"})
    refund = Refund.objects.get()
    Refund.objects.filter(pk=refund.pk).update(provider_reference="re_same_id")
    before = bank_state(bank_payment)

    response = webhook_post(api, stripe_event("refund.updated", {
        "id": "re_same_id", "object": "refund", "status": "failed",
    }))

    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.status == "pending"
    assert bank_state(bank_payment) == before
    assert bank_payment.refunded_amount == 10_000
