"""The Stripe webhook with events signed here by hand: failure paths localstripe cannot
produce, duplicates, ordering and crashes. The PaymentIntents are real, on localstripe."""

import json
import time

import pytest

from events.models import Event
from payments import webhooks
from payments.models import Payment, Refund, StripeEvent
from tests.payments.conftest import (
    WEBHOOK_SECRET,
    card_pay,
    intent_event,
    orders_of,
    payment_of,
    stripe_event,
    stripe_signature,
    webhook_post,
    webhook_state,
)

pytestmark = [pytest.mark.stripe, pytest.mark.django_db]


def paid_event_count(checkout) -> int:
    return Event.objects.filter(order__checkout=checkout, kind="order_paid").count()


# ---------------------------------------------------------------- signatures


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda payload: stripe_signature(payload, secret="whsec_wrong"), id="wrong"),
        pytest.param(lambda payload: stripe_signature(payload + " "), id="other-payload"),
        pytest.param(lambda payload: stripe_signature(payload, at=int(time.time()) - 3600),
                     id="an-hour-old"),
        pytest.param(lambda payload: "t=1,v1=", id="garbage"),
        pytest.param(lambda payload: "", id="missing"),
    ],
)
def test_a_badly_signed_event_is_refused_and_changes_nothing(
    api, stripe_client, stripe_checkout, signature
):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))
    payload = json.dumps(event)
    before = webhook_state(stripe_checkout)

    response = api.post("/api/v1/payments/stripe/webhook/", payload,
                        content_type="application/json",
                        headers={"Stripe-Signature": signature(payload)})

    assert response.status_code == 400
    assert "Stripe-Signature" in response.json()
    assert webhook_state(stripe_checkout) == before


def test_an_event_without_the_signature_header_is_refused(api, stripe_client, stripe_checkout):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))
    before = webhook_state(stripe_checkout)

    response = api.post("/api/v1/payments/stripe/webhook/", json.dumps(event),
                        content_type="application/json")

    assert response.status_code == 400
    assert webhook_state(stripe_checkout) == before


def test_a_signed_body_that_is_not_json_is_refused(api, stripe_checkout):
    payload = "not json"
    before = webhook_state(stripe_checkout)

    response = api.post("/api/v1/payments/stripe/webhook/", payload,
                        content_type="application/json",
                        headers={"Stripe-Signature": stripe_signature(payload)})

    assert response.status_code == 400
    assert webhook_state(stripe_checkout) == before


# ---------------------------------------------------------------- payment_intent.succeeded


def test_payment_intent_succeeded_marks_every_order_paid(api, stripe_client, stripe_checkout):
    payment = payment_of(stripe_checkout)
    event = intent_event(stripe_client, "payment_intent.succeeded", payment, status="succeeded")

    response = webhook_post(api, event)

    assert response.status_code == 200
    assert response.json() == {"processed": True}
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.refunded_amount) == ("succeeded", 77_500, 0)
    assert payment.succeeded_at is not None
    assert [order.status for order in orders_of(stripe_checkout)] == ["paid", "paid"]
    assert paid_event_count(stripe_checkout) == 2
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type) == (event["id"], "payment_intent.succeeded")
    assert stored.processed_at is not None
    assert stored.payload["data"]["object"]["id"] == payment.provider_reference


def test_the_same_event_five_times_changes_state_once(api, stripe_client, stripe_checkout):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))

    answers = [webhook_post(api, event) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["processed"] for a in answers] == [True, False, False, False, False]
    assert StripeEvent.objects.count() == 1
    assert paid_event_count(stripe_checkout) == 2
    assert {order.status for order in orders_of(stripe_checkout)} == {"paid"}


def test_a_second_succeeded_event_for_the_same_intent_changes_nothing(
    api, stripe_client, stripe_checkout
):
    payment = payment_of(stripe_checkout)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    before = webhook_state(stripe_checkout)

    response = webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))

    assert response.status_code == 200
    after = webhook_state(stripe_checkout)
    assert after[:-1] == before[:-1]  # only the new event's id is stored
    assert after[-1] == before[-1] + 1


def test_an_intent_we_never_recorded_changes_nothing_even_if_its_metadata_names_our_payment(
    api, stripe_client, stripe_checkout
):
    payment = payment_of(stripe_checkout)
    event = intent_event(stripe_client, "payment_intent.succeeded", payment)
    assert event["data"]["object"]["metadata"]["payment_id"] == str(payment.pk)
    # Given: Stripe created the intent but our process died before recording its id.
    Payment.objects.filter(pk=payment.pk).update(provider_reference="")
    before = webhook_state(stripe_checkout)

    response = webhook_post(api, event)

    assert response.status_code == 200
    assert webhook_state(stripe_checkout)[:-1] == before[:-1]  # only the event's id is stored
    assert payment_of(stripe_checkout).status == "pending"
    assert {order.status for order in orders_of(stripe_checkout)} == {"pending_payment"}


def test_an_event_for_an_unknown_intent_is_stored_and_changes_nothing(api, stripe_checkout):
    before = webhook_state(stripe_checkout)
    event = stripe_event("payment_intent.succeeded", {
        "id": "pi_unknown", "object": "payment_intent", "amount": 100, "currency": "idr",
        "metadata": {},
    })

    response = webhook_post(api, event)

    assert response.status_code == 200
    assert webhook_state(stripe_checkout)[:-1] == before[:-1]
    assert StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_an_event_type_we_do_not_handle_is_acknowledged(api, stripe_checkout):
    before = webhook_state(stripe_checkout)

    response = webhook_post(api, stripe_event("customer.created", {"id": "cus_1"}))

    assert response.status_code == 200
    assert webhook_state(stripe_checkout)[:-1] == before[:-1]


# ---------------------------------------------------------------- failures and ordering


def test_payment_failed_on_a_pending_payment_marks_it_failed(api, stripe_client, stripe_checkout):
    payment = payment_of(stripe_checkout)

    response = webhook_post(
        api, intent_event(stripe_client, "payment_intent.payment_failed", payment)
    )

    assert response.status_code == 200
    assert payment_of(stripe_checkout).status == "failed"
    assert {order.status for order in orders_of(stripe_checkout)} == {"pending_payment"}


def test_a_retry_after_a_failure_succeeds(api, stripe_client, stripe_checkout):
    payment = payment_of(stripe_checkout)
    webhook_post(api, intent_event(stripe_client, "payment_intent.payment_failed", payment))

    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))

    assert payment_of(stripe_checkout).status == "succeeded"
    assert paid_event_count(stripe_checkout) == 2


def test_a_failure_arriving_after_success_changes_nothing(api, stripe_client, stripe_checkout):
    payment = payment_of(stripe_checkout)
    failed = intent_event(stripe_client, "payment_intent.payment_failed", payment)
    succeeded = intent_event(stripe_client, "payment_intent.succeeded", payment)
    webhook_post(api, succeeded)
    before = webhook_state(stripe_checkout)

    response = webhook_post(api, failed)

    assert response.status_code == 200
    assert webhook_state(stripe_checkout)[:-1] == before[:-1]
    assert payment_of(stripe_checkout).status == "succeeded"


# ---------------------------------------------------------------- crash and retry


def test_a_crash_mid_way_rolls_back_the_claim_so_that_the_retry_finishes(
    api, monkeypatch, stripe_client, stripe_checkout
):
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))
    before = webhook_state(stripe_checkout)
    real_handler = webhooks.HANDLERS["payment_intent.succeeded"]

    def crash_after_the_work(intent):
        real_handler(intent)  # orders paid, inside the event's transaction
        raise RuntimeError("worker killed")

    monkeypatch.setitem(webhooks.HANDLERS, "payment_intent.succeeded", crash_after_the_work)
    api.raise_request_exception = False

    response = webhook_post(api, event)

    assert response.status_code == 500
    assert webhook_state(stripe_checkout) == before  # not even the event id is kept
    assert not StripeEvent.objects.exists()

    monkeypatch.setitem(webhooks.HANDLERS, "payment_intent.succeeded", real_handler)
    response = webhook_post(api, event)  # Stripe retries the same event

    assert response.status_code == 200
    assert response.json() == {"processed": True}
    assert StripeEvent.objects.get().event_id == event["id"]
    assert paid_event_count(stripe_checkout) == 2


# ---------------------------------------------------------------- refunds


def test_charge_refunded_marks_our_pending_refund_succeeded(
    api, user_client, owner, stripe_client, stripe_checkout, django_capture_on_commit_callbacks
):
    payment = payment_of(stripe_checkout)
    card_pay(stripe_client, payment.provider_reference)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    coffee, _ = orders_of(stripe_checkout)
    with django_capture_on_commit_callbacks(execute=True):
        user_client(owner).post(f"/api/v1/orders/{coffee.number}/refund/",
                                {"amount": 10_000, "reason": "Kemasan rusak"})
    refund = Refund.objects.get()
    assert refund.provider_reference.startswith("re_")
    # Given: Stripe answered the refund as still pending (localstripe settles at once).
    Refund.objects.filter(pk=refund.pk).update(status="pending")
    intent = stripe_client.v1.payment_intents.retrieve(payment.provider_reference)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge.id).to_dict()
    assert [r["id"] for r in charge["refunds"]["data"]] == [refund.provider_reference]

    response = webhook_post(api, stripe_event("charge.refunded", charge))

    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 10_000)


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_refund_updated_settles_our_pending_refund(
    api, user_client, owner, stripe_client, stripe_checkout, django_capture_on_commit_callbacks,
    outcome,
):
    payment = payment_of(stripe_checkout)
    card_pay(stripe_client, payment.provider_reference)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    coffee, _ = orders_of(stripe_checkout)
    with django_capture_on_commit_callbacks(execute=True):
        user_client(owner).post(f"/api/v1/orders/{coffee.number}/refund/",
                                {"amount": 10_000, "reason": "Kemasan rusak"})
    refund = Refund.objects.get()
    # Given: Stripe answered the refund as still pending (localstripe settles at once).
    Refund.objects.filter(pk=refund.pk).update(status="pending")

    response = webhook_post(api, stripe_event(
        "refund.updated",
        {"id": refund.provider_reference, "object": "refund", "status": outcome,
         "amount": 1_000_000},
    ))

    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.status == outcome


def test_charge_refunded_for_refunds_we_do_not_know_changes_nothing(
    api, stripe_client, stripe_checkout
):
    payment = payment_of(stripe_checkout)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    before = webhook_state(stripe_checkout)
    charge = {"id": "ch_x", "object": "charge", "payment_intent": payment.provider_reference,
              "refunds": {"object": "list", "data": [{"id": "re_elsewhere", "amount": 100}]}}

    webhook_post(api, stripe_event("charge.refunded", charge))

    assert webhook_state(stripe_checkout)[:-1] == before[:-1]


# ---------------------------------------------------------------- paid while cancelling


def test_paid_before_a_cancellation_reached_stripe_the_difference_goes_back(
    api, user_client, buyer, stripe_client, stripe_checkout, django_capture_on_commit_callbacks
):
    payment = payment_of(stripe_checkout)
    coffee, pepper = orders_of(stripe_checkout)
    card_pay(stripe_client, payment.provider_reference)  # the buyer paid Rp77.500 ...
    paid_in_full = intent_event(stripe_client, "payment_intent.succeeded", payment)
    with django_capture_on_commit_callbacks(execute=True):  # ... while cancelling the pepper
        user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/", {"reason": "Batal"})
    assert payment_of(stripe_checkout).amount == coffee.total

    with django_capture_on_commit_callbacks(execute=True):
        webhook_post(api, paid_in_full)

    payment.refresh_from_db()
    assert [order.status for order in orders_of(stripe_checkout)] == ["paid", "cancelled"]
    assert (payment.status, payment.amount, payment.refunded_amount) == (
        "partially_refunded", 77_500, pepper.total
    )
    refund = Refund.objects.get()
    assert (refund.order, refund.amount, refund.status) == (pepper, pepper.total, "succeeded")
    on_stripe = stripe_client.v1.refunds.retrieve(refund.provider_reference)
    assert on_stripe.amount == pepper.total * 100


def test_paid_while_every_order_was_being_cancelled_everything_goes_back(
    api, user_client, buyer, stripe_client, stripe_checkout, django_capture_on_commit_callbacks
):
    payment = payment_of(stripe_checkout)
    card_pay(stripe_client, payment.provider_reference)
    paid_in_full = intent_event(stripe_client, "payment_intent.succeeded", payment)
    with django_capture_on_commit_callbacks(execute=True):
        for order in orders_of(stripe_checkout):
            user_client(buyer).post(f"/api/v1/orders/{order.number}/cancel/",
                                    {"reason": "Batal"})
    assert (payment_of(stripe_checkout).status, payment_of(stripe_checkout).amount) == (
        "cancelled", 0
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = webhook_post(api, paid_in_full)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.refunded_amount) == (
        "refunded", 77_500, 77_500
    )
    assert {order.status for order in orders_of(stripe_checkout)} == {"cancelled"}
    refunds = list(Refund.objects.order_by("order_id"))
    assert [(r.order.total, r.status) for r in refunds] == [(60_000, "succeeded"),
                                                             (17_500, "succeeded")]
    on_stripe = stripe_client.v1.refunds.list(params={"payment_intent": payment.provider_reference})
    assert sorted(r.amount for r in on_stripe.data) == [1_750_000, 6_000_000]


def test_the_webhook_secret_comes_from_settings(api, settings, stripe_client, stripe_checkout):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_rotated"
    event = intent_event(stripe_client, "payment_intent.succeeded", payment_of(stripe_checkout))

    assert webhook_post(api, event, secret=WEBHOOK_SECRET).status_code == 400
    assert webhook_post(api, event, secret="whsec_rotated").status_code == 200
