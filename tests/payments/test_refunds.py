"""Refunds of offline payments: whole on cancellation, partial by owner or manager."""

import pytest

from payments import services
from payments.models import Payment, Refund
from tests.payments.conftest import orders_of, payment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_checkout(bank_checkout, finance_staff):
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(bank_checkout))
    return bank_checkout


def refund_post(client, order, amount, reason="Barang rusak"):
    return client.post(f"/api/v1/orders/{order.number}/refund/",
                       {"amount": amount, "reason": reason})


def snapshot(checkout) -> tuple:
    payment = payment_of(checkout)
    return (payment.status, payment.amount, payment.refunded_amount,
            list(Refund.objects.order_by("pk").values_list("amount", flat=True)))


def test_cancelling_a_paid_order_refunds_its_total(
    user_client, buyer, paid_checkout, django_capture_on_commit_callbacks
):
    coffee, pepper = orders_of(paid_checkout)

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client(buyer).post(f"/api/v1/orders/{coffee.number}/cancel/",
                                           {"reason": "Berubah pikiran"})

    assert response.status_code == 200
    refund = Refund.objects.get()
    assert (refund.order, refund.amount, refund.actor) == (coffee, coffee.total, buyer)
    assert refund.reason == "Berubah pikiran"
    assert refund.status == "succeeded"  # an offline refund is recorded; finance sends it
    payment = payment_of(paid_checkout)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", coffee.total)
    assert user_client(buyer).get(f"/api/v1/payments/{payment.pk}/").json()[
        "refunded_amount"] == coffee.total


def test_cancelling_every_paid_order_refunds_the_whole_payment(
    user_client, buyer, paid_checkout
):
    for order in orders_of(paid_checkout):
        user_client(buyer).post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "Batal"})

    payment = payment_of(paid_checkout)
    assert (payment.status, payment.refunded_amount) == ("refunded", payment.amount)
    assert payment.amount == 77_500


def test_cancelling_a_paid_order_returns_its_stock(user_client, buyer, kopi, paid_checkout):
    coffee, _ = orders_of(paid_checkout)

    user_client(buyer).post(f"/api/v1/orders/{coffee.number}/cancel/", {"reason": "Batal"})

    kopi.variant.refresh_from_db()
    assert kopi.variant.stock == 50


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_owner_or_manager_refunds_part_of_a_paid_order(request, user_client, who, paid_checkout):
    coffee, _ = orders_of(paid_checkout)
    actor = request.getfixturevalue(who)

    response = refund_post(user_client(actor), coffee, 15_000)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "paid"  # a partial refund leaves the order as it is
    refund = Refund.objects.get()
    assert (refund.amount, refund.actor, refund.order) == (15_000, actor, coffee)
    payment = payment_of(paid_checkout)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", 15_000)


def test_partial_refunds_up_to_what_is_left(user_client, owner, paid_checkout):
    coffee, _ = orders_of(paid_checkout)
    client = user_client(owner)
    assert refund_post(client, coffee, 20_000).status_code == 200
    before = snapshot(paid_checkout)

    response = refund_post(client, coffee, 40_001)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert "40000" in response.json()["amount"][0]  # says what is left
    assert snapshot(paid_checkout) == before

    assert refund_post(client, coffee, 40_000).status_code == 200
    assert payment_of(paid_checkout).refunded_amount == 60_000
    assert refund_post(client, coffee, 1).status_code == 400


def test_refunding_every_order_in_full_makes_the_payment_refunded(
    user_client, owner, lada, paid_checkout
):
    coffee, pepper = orders_of(paid_checkout)
    refund_post(user_client(owner), coffee, 60_000)
    assert payment_of(paid_checkout).status == "partially_refunded"

    refund_post(user_client(lada.owner), pepper, 17_500)

    payment = payment_of(paid_checkout)
    assert (payment.status, payment.refunded_amount) == ("refunded", 77_500)


def test_staff_role_cannot_refund(user_client, staff, paid_checkout):
    coffee, _ = orders_of(paid_checkout)
    before = snapshot(paid_checkout)

    response = refund_post(user_client(staff), coffee, 1_000)

    assert response.status_code == 403
    assert snapshot(paid_checkout) == before


def test_the_buyer_cannot_refund_themselves(user_client, buyer, paid_checkout):
    coffee, _ = orders_of(paid_checkout)
    before = snapshot(paid_checkout)

    response = refund_post(user_client(buyer), coffee, 1_000)

    assert response.status_code == 403
    assert snapshot(paid_checkout) == before


def test_owner_of_another_cooperative_cannot_see_the_order_to_refund(
    user_client, lada, paid_checkout
):
    coffee, _ = orders_of(paid_checkout)
    before = snapshot(paid_checkout)

    response = refund_post(user_client(lada.owner), coffee, 1_000)

    assert response.status_code == 404
    assert snapshot(paid_checkout) == before


@pytest.mark.parametrize("amount", [0, -5, "banyak"])
def test_refund_amount_must_be_a_positive_whole_number(user_client, owner, amount, paid_checkout):
    coffee, _ = orders_of(paid_checkout)
    before = snapshot(paid_checkout)

    response = refund_post(user_client(owner), coffee, amount)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert snapshot(paid_checkout) == before


def test_an_unpaid_order_cannot_be_refunded(user_client, owner, bank_checkout):
    coffee, _ = orders_of(bank_checkout)

    response = refund_post(user_client(owner), coffee, 1_000)

    assert response.status_code == 409
    assert not Refund.objects.exists()
    assert payment_of(bank_checkout).status == "pending"


def test_cancelling_a_partly_refunded_order_refunds_what_is_left(
    user_client, buyer, owner, paid_checkout
):
    coffee, _ = orders_of(paid_checkout)
    refund_post(user_client(owner), coffee, 25_000)

    response = user_client(buyer).post(f"/api/v1/orders/{coffee.number}/cancel/",
                                       {"reason": "Batal"})

    assert response.status_code == 200, response.json()
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [25_000, 35_000]
    assert payment_of(paid_checkout).refunded_amount == coffee.total


def test_platform_admin_refunds_any_paid_order(user_client, platform_admin, paid_checkout):
    _, pepper = orders_of(paid_checkout)

    response = refund_post(user_client(platform_admin), pepper, 17_500)

    assert response.status_code == 200
    assert Payment.objects.get().refunded_amount == 17_500
