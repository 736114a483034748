"""Money that must add up: cash on delivery in the ledger, refunds that fail, and
refunds and payouts repeated under one Idempotency-Key."""

import pytest
import requests
import stripe

from events.models import Event, OutboxTask
from orders.services import lifecycle
from payments import selectors, services, settlement
from payments.models import LedgerEntry, Payment, Payout, Refund
from payments.tasks import refund_submit_task
from tests.factories import UserFactory
from tests.payments.conftest import (
    card_pay,
    checkout_place,
    intent_event,
    order_fulfil,
    order_fulfil_and_complete,
    orders_of,
    payment_of,
    shop_open,
    webhook_post,
)
from tests.payments.test_concurrency import all_at_once, as_user

pytestmark = pytest.mark.django_db


def entries_of(cooperative) -> list[tuple[str, int]]:
    return list(
        LedgerEntry.objects.filter(cooperative=cooperative).order_by("pk")
        .values_list("kind", "amount")
    )


def money_of(cooperative) -> tuple:
    """Everything a payout may change, to compare before and after."""
    return (entries_of(cooperative), list(Payout.objects.values_list("pk", flat=True)),
            Event.objects.filter(kind="payout_made").count())


def refund_post(client, order, amount, reason="Retur", key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/orders/{order.number}/refund/",
                       {"amount": amount, "reason": reason}, headers=headers)


def payout_post(client, cooperative, amount, reference="BRI-2611-0001", key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/cooperatives/{cooperative.slug}/payouts/",
                       {"amount": amount, "reference": reference}, headers=headers)


def cod_order(buyer, shop, quantity=1):
    return orders_of(checkout_place(buyer, {shop.variant: quantity}, "cod"))[0]


def bank_order_paid(buyer, shop, finance_staff, quantity=1):
    checkout = checkout_place(buyer, {shop.variant: quantity}, "bank_transfer")
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(checkout))
    return orders_of(checkout)[0]


# ---------------------------------------------------------------- cash on delivery


def test_completing_a_cash_on_delivery_order_debits_only_its_commission(buyer):
    shop = shop_open(price=20_000)
    order = cod_order(buyer, shop)

    order_fulfil_and_complete(order, staff=shop.owner)

    entry = LedgerEntry.objects.get(cooperative=shop.cooperative)
    assert (entry.kind, entry.amount, entry.commission, entry.order) == (
        "commission", -1_000, 1_000, order
    )
    assert selectors.ledger_balance(shop.cooperative) == -1_000
    charged = Event.objects.get(cooperative=shop.cooperative, kind="commission_charged")
    assert (charged.order, charged.amount) == (order, -1_000)
    assert not Event.objects.filter(kind="sale_credited").exists()


def test_cash_on_delivery_sales_are_never_paid_out_by_the_platform(
    user_client, finance_staff
):
    # Given: the owner cannot buy a billion from their own cooperative ...
    shop = shop_open(price=1_000_000_000, stock=2)
    refused = user_client(shop.owner).post("/api/v1/checkout/", {
        "items": [{"variant": shop.variant.pk, "quantity": 1}],
        "shipping_address": {"name": "Sendiri", "phone": "081200000000",
                             "line1": "Jl. Kantor 1", "city": "Bengkayang"},
        "payment_method": "cod",
    }, format="json", headers={"Idempotency-Key": "beli-sendiri"})
    assert (refused.status_code, refused.json()["code"]) == (409, "own_cooperative")
    # ... so a friend does, by cash on delivery, and the order completes.
    friend = UserFactory()
    order_fulfil_and_complete(cod_order(friend, shop), staff=shop.owner)
    assert selectors.ledger_balance(shop.cooperative) == -50_000_000
    before = money_of(shop.cooperative)
    client = user_client(finance_staff)

    answers = [payout_post(client, shop.cooperative, amount, reference=f"BRI-{amount}")
               for amount in (950_000_000, 1_000_000_000, 1)]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all("amount" in answer.json() for answer in answers)
    assert money_of(shop.cooperative) == before


def test_the_ledger_shows_a_negative_balance_and_the_commission_owed(user_client, buyer):
    shop = shop_open(price=20_000)
    order = order_fulfil_and_complete(cod_order(buyer, shop), staff=shop.owner)

    response = user_client(shop.owner).get(f"/api/v1/cooperatives/{shop.cooperative.slug}/ledger/")

    assert response.status_code == 200
    body = response.json()
    assert (body["balance"], body["commission_owed"]) == (-1_000, 1_000)
    assert [(e["kind"], e["amount"], e["order"]) for e in body["entries"]] == [
        ("commission", -1_000, order.number)
    ]


def test_card_or_transfer_sales_cover_the_commission_owed_on_cash_on_delivery(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order_fulfil_and_complete(bank_order_paid(buyer, shop, finance_staff), staff=shop.owner)
    order_fulfil_and_complete(cod_order(buyer, shop), staff=shop.owner)

    body = user_client(shop.owner).get(
        f"/api/v1/cooperatives/{shop.cooperative.slug}/ledger/"
    ).json()

    assert (body["balance"], body["commission_owed"]) == (18_000, 0)
    assert payout_post(user_client(finance_staff), shop.cooperative, 18_001).status_code == 400
    assert payout_post(user_client(finance_staff), shop.cooperative, 18_000).status_code == 201
    assert selectors.ledger_balance(shop.cooperative) == 0


def test_refunding_a_delivered_cash_on_delivery_order_is_settled_by_the_cooperative_at_once(
    user_client, buyer, django_capture_on_commit_callbacks
):
    shop = shop_open(price=20_000)
    order = order_fulfil(cod_order(buyer, shop), staff=shop.owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = refund_post(user_client(shop.owner), order, 5_000)

    assert response.status_code == 200, response.json()
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", 5_000)
    assert not OutboxTask.objects.filter(name=refund_submit_task.name).exists()  # no provider
    succeeded = Event.objects.get(kind="refund_succeeded")
    assert (succeeded.refund, succeeded.data) == (refund, {"settled_by": "cooperative"})
    payment = payment_of(order.checkout)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 5_000)
    assert not LedgerEntry.objects.exists()  # not completed: nothing booked yet


@pytest.mark.parametrize(("refunded", "given_back", "balance"),
                         [(10_000, 500, -500), (20_000, 1_000, 0)])
def test_refunding_a_completed_cash_on_delivery_order_gives_back_only_the_commission_share(
    user_client, buyer, refunded, given_back, balance
):
    shop = shop_open(price=20_000)
    order = order_fulfil_and_complete(cod_order(buyer, shop), staff=shop.owner)

    response = refund_post(user_client(shop.owner), order, refunded)

    assert response.status_code == 200, response.json()
    assert Refund.objects.get().status == "succeeded"
    assert entries_of(shop.cooperative) == [("commission", -1_000), ("refund", given_back)]
    assert selectors.ledger_balance(shop.cooperative) == balance


# ---------------------------------------------------------------- refunds that fail


def test_a_failed_refund_gives_back_what_it_counted_and_reverses_its_ledger_debit(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = order_fulfil_and_complete(bank_order_paid(buyer, shop, finance_staff),
                                      staff=shop.owner)
    # The refund is recorded; its task never runs (the test's transaction never commits).
    assert refund_post(user_client(shop.owner), order, 10_000).status_code == 200
    refund = Refund.objects.get()
    assert (refund.status, selectors.ledger_balance(shop.cooperative)) == ("pending", 9_500)

    settlement.refund_failed(refund_pk=refund.pk, reason="Rekening ditutup")

    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("failed", "Rekening ditutup")
    payment = payment_of(order.checkout)
    assert (payment.status, payment.refunded_amount) == ("succeeded", 0)
    assert entries_of(shop.cooperative) == [("sale", 19_000), ("refund", -9_500),
                                            ("refund_reversal", 9_500)]
    assert selectors.ledger_balance(shop.cooperative) == 19_000
    failed = Event.objects.get(kind="refund_failed")
    assert (failed.refund, failed.order, failed.amount, failed.note) == (
        refund, order, 10_000, "Rekening ditutup"
    )
    assert settlement.order_refundable(order) == 20_000  # it may be refunded again


def test_a_failed_refund_before_completion_leaves_the_ledger_alone(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = bank_order_paid(buyer, shop, finance_staff)
    assert refund_post(user_client(shop.owner), order, 20_000).status_code == 200
    assert payment_of(order.checkout).status == "refunded"

    settlement.refund_failed(refund_pk=Refund.objects.get().pk, reason="Ditolak bank")

    payment = payment_of(order.checkout)
    assert (payment.status, payment.refunded_amount) == ("succeeded", 0)
    lifecycle.order_complete(order_pk=order_fulfil(order, staff=shop.owner).pk)
    assert entries_of(shop.cooperative) == [("sale", 19_000)]  # the whole sale, once


@pytest.fixture
def card_paid(api, stripe_client, stripe_checkout):
    """The coffee and pepper checkout, paid as far as our webhook was told.

    No card was charged on localstripe: a refund there is refused, as Stripe
    refuses one larger than what its charge has left.
    """
    payment = payment_of(stripe_checkout)
    webhook_post(api, intent_event(stripe_client, "payment_intent.succeeded", payment))
    assert payment_of(stripe_checkout).status == "succeeded"
    return stripe_checkout


def stripe_never_charged(stripe_client, payment: Payment) -> None:
    """As `card_paid` left it."""


def stripe_forgot_the_intent(stripe_client, payment: Payment) -> None:
    card_pay(stripe_client, payment.provider_reference)
    Payment.objects.filter(pk=payment.pk).update(provider_reference="pi_unknown_to_stripe")


@pytest.mark.stripe
@pytest.mark.parametrize("refusal", [
    pytest.param(stripe_forgot_the_intent, id="intent-unknown-to-stripe"),
    pytest.param(stripe_never_charged, id="more-than-the-charge-has"),
])
def test_a_card_refund_stripe_refuses_for_good_ends_failed_and_gives_back_what_it_counted(
    user_client, owner, stripe_client, card_paid, django_capture_on_commit_callbacks, refusal
):
    payment = payment_of(card_paid)
    coffee, _ = orders_of(card_paid)
    order_fulfil_and_complete(coffee, staff=owner)
    balance = selectors.ledger_balance(coffee.cooperative)
    refusal(stripe_client, payment)
    with pytest.raises(stripe.InvalidRequestError):  # what Stripe answers such a refund
        stripe_client.v1.refunds.create(params={
            "payment_intent": payment_of(card_paid).provider_reference, "amount": 1_000_000,
        })

    with django_capture_on_commit_callbacks(execute=True):
        response = refund_post(user_client(owner), coffee, 10_000)

    assert response.status_code == 200, response.json()
    refund = Refund.objects.get()
    assert refund.status == "failed"
    assert refund.failure_reason
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("succeeded", 0)
    assert selectors.ledger_balance(coffee.cooperative) == balance
    assert [kind for kind, _ in entries_of(coffee.cooperative)] == [
        "sale", "refund", "refund_reversal"
    ]
    assert Event.objects.filter(kind="refund_failed", refund=refund).count() == 1
    task = OutboxTask.objects.get(name__endswith="refund_submit_task")
    assert task.status == "done"  # given up on purpose, not left to retry


@pytest.mark.stripe
def test_a_card_refund_stripe_cannot_be_reached_for_stays_pending_to_be_retried(
    settings, user_client, owner, card_paid, django_capture_on_commit_callbacks
):
    coffee, _ = orders_of(card_paid)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(requests.ConnectionError):
        requests.get(settings.STRIPE_API_BASE, timeout=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = refund_post(user_client(owner), coffee, 10_000)

    assert response.status_code == 200, response.json()
    refund = Refund.objects.get()
    assert (refund.status, refund.provider_reference, refund.failure_reason) == ("pending", "", "")
    payment = payment_of(card_paid)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 10_000)
    task = OutboxTask.objects.get(name__endswith="refund_submit_task")
    assert (task.status, task.attempts) == ("pending", 1)
    assert "APIConnectionError" in task.last_error
    assert not Event.objects.filter(kind="refund_failed").exists()


# ---------------------------------------------------------------- Idempotency-Key


@pytest.fixture
def paid_coffee(buyer, kopi, finance_staff):
    """A paid bank-transfer order of 2 x coffee with courier: Rp60.000."""
    return bank_order_paid(buyer, kopi, finance_staff, quantity=2)


def refunds_of(order) -> tuple:
    payment = payment_of(order.checkout)
    return (list(Refund.objects.filter(order=order).values_list("amount", "reason")),
            payment.refunded_amount, payment.status,
            Event.objects.filter(kind="refund_requested").count(),
            OutboxTask.objects.count())


def test_a_refund_repeated_with_its_key_answers_the_first_and_records_it_once(
    user_client, owner, paid_coffee
):
    client = user_client(owner)
    first = refund_post(client, paid_coffee, 15_000, key="retur-1")
    after_first = refunds_of(paid_coffee)

    again = refund_post(client, paid_coffee, 15_000, key="retur-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert refunds_of(paid_coffee) == after_first
    assert after_first[:2] == ([(15_000, "Retur")], 15_000)


@pytest.mark.parametrize("changed", [{"amount": 15_001}, {"reason": "Lain"}])
def test_a_refund_key_reused_with_another_body_is_a_422_and_changes_nothing(
    user_client, owner, paid_coffee, changed
):
    client = user_client(owner)
    assert refund_post(client, paid_coffee, 15_000, key="retur-1").status_code == 200
    before = refunds_of(paid_coffee)

    body = {"amount": 15_000, "reason": "Retur"} | changed
    response = refund_post(client, paid_coffee, body["amount"], body["reason"], key="retur-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert refunds_of(paid_coffee) == before


@pytest.fixture
def earned(buyer, kopi, finance_staff):
    """The coffee cooperative holds Rp57.000 from a completed transfer sale."""
    order_fulfil_and_complete(bank_order_paid(buyer, kopi, finance_staff, quantity=2),
                              staff=kopi.owner)
    assert selectors.ledger_balance(kopi.cooperative) == 57_000
    return kopi.cooperative


def test_a_payout_repeated_with_its_key_answers_the_first_and_pays_once(
    user_client, finance_staff, earned
):
    client = user_client(finance_staff)
    first = payout_post(client, earned, 20_000, key="payout-1")
    after_first = money_of(earned)

    again = payout_post(client, earned, 20_000, key="payout-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert money_of(earned) == after_first
    assert Payout.objects.get().amount == 20_000
    assert selectors.ledger_balance(earned) == 37_000


@pytest.mark.parametrize("changed", [{"amount": 20_001}, {"reference": "BRI-LAIN"}])
def test_a_payout_key_reused_with_another_body_is_a_422_and_pays_nothing(
    user_client, finance_staff, earned, changed
):
    client = user_client(finance_staff)
    assert payout_post(client, earned, 20_000, key="payout-1").status_code == 201
    before = money_of(earned)

    body = {"amount": 20_000, "reference": "BRI-2611-0001"} | changed
    response = payout_post(client, earned, body["amount"], body["reference"], key="payout-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert money_of(earned) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refunds_with_one_key_at_once_record_one_refund(owner, paid_coffee):
    url = f"/api/v1/orders/{paid_coffee.number}/refund/"

    answers = all_at_once([
        lambda: as_user(owner).post(url, {"amount": 15_000, "reason": "Retur"},
                                    headers={"Idempotency-Key": "bersamaan"})
    ] * 2)

    assert [getattr(a, "status_code", a) for a in answers] == [200, 200]
    assert list(Refund.objects.values_list("amount", flat=True)) == [15_000]
    assert payment_of(paid_coffee.checkout).refunded_amount == 15_000
    assert Event.objects.filter(kind="refund_requested").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payouts_with_one_key_at_once_pay_once(finance_staff, earned):
    url = f"/api/v1/cooperatives/{earned.slug}/payouts/"

    answers = all_at_once([
        lambda: as_user(finance_staff).post(url, {"amount": 20_000, "reference": "BRI-1"},
                                            headers={"Idempotency-Key": "bersamaan"})
    ] * 2)

    assert [getattr(a, "status_code", a) for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Payout.objects.count() == 1
    assert selectors.ledger_balance(earned) == 37_000
    assert Event.objects.filter(kind="payout_made").count() == 1


def test_a_cash_on_delivery_payment_refunded_in_part_still_succeeds_when_the_last_cash_comes_in(
    user_client, buyer, kopi, lada
):
    checkout = checkout_place(buyer, {kopi.variant: 2, lada.variant: 1}, "cod")
    coffee, pepper = orders_of(checkout)
    order_fulfil(coffee, staff=kopi.owner)
    assert refund_post(user_client(kopi.owner), coffee, 5_000).status_code == 200

    order_fulfil(pepper, staff=lada.owner)  # the last cash is handed over

    payment = payment_of(checkout)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 5_000)
    assert payment.succeeded_at is not None
    succeeded = Event.objects.filter(payment=payment, kind="payment_succeeded")
    assert list(succeeded.values_list("amount", flat=True)) == [payment.amount]
