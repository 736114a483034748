"""Cash on delivery: orders are accepted unpaid; the payment succeeds when delivered."""

import pytest

from orders.models import Checkout
from tests.payments.conftest import checkout_post, orders_of, payment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cod_checkout(user_client, buyer, kopi, lada) -> Checkout:
    response = checkout_post(user_client(buyer), {kopi.variant: 2, lada.variant: 1}, "cod")
    assert response.status_code == 201
    return Checkout.objects.get(pk=response.json()["id"])


def deliver_via_api(user_client, order, *, staff, buyer):
    for path, body in [("accept", {}), ("ship", {"carrier": "JNE", "tracking_number": "JN1"})]:
        response = user_client(staff).post(f"/api/v1/orders/{order.number}/{path}/", body)
        assert response.status_code == 200, response.json()
    response = user_client(buyer).post(f"/api/v1/orders/{order.number}/deliver/")
    assert response.status_code == 200, response.json()


def test_cash_on_delivery_orders_are_accepted_unpaid(user_client, staff, cod_checkout):
    coffee, _ = orders_of(cod_checkout)

    response = user_client(staff).post(f"/api/v1/orders/{coffee.number}/accept/")

    assert response.status_code == 200
    coffee.refresh_from_db()
    assert coffee.status == "accepted"
    assert coffee.paid_at is None
    assert payment_of(cod_checkout).status == "pending"


def test_bank_transfer_orders_are_not_accepted_unpaid(user_client, staff, bank_checkout):
    coffee, _ = orders_of(bank_checkout)

    response = user_client(staff).post(f"/api/v1/orders/{coffee.number}/accept/")

    assert response.status_code == 409
    coffee.refresh_from_db()
    assert coffee.status == "pending_payment"


def test_payment_succeeds_when_every_order_is_delivered(
    user_client, buyer, staff, lada, cod_checkout
):
    coffee, pepper = orders_of(cod_checkout)

    deliver_via_api(user_client, coffee, staff=staff, buyer=buyer)

    coffee.refresh_from_db()
    assert coffee.status == "delivered"
    assert coffee.paid_at is not None  # the cash for it was collected
    assert payment_of(cod_checkout).status == "pending"  # the pepper is still on its way

    deliver_via_api(user_client, pepper, staff=lada.owner, buyer=buyer)

    payment = payment_of(cod_checkout)
    assert payment.status == "succeeded"
    assert payment.succeeded_at is not None
    assert payment.amount == coffee.total + pepper.total


def test_payment_succeeds_when_the_last_open_order_is_cancelled_after_a_delivery(
    user_client, buyer, staff, cod_checkout
):
    coffee, pepper = orders_of(cod_checkout)
    deliver_via_api(user_client, coffee, staff=staff, buyer=buyer)

    response = user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/",
                                       {"reason": "Tidak jadi"})

    assert response.status_code == 200
    payment = payment_of(cod_checkout)
    assert (payment.status, payment.amount) == ("succeeded", coffee.total)


def test_cancelling_an_accepted_unpaid_order_refunds_nothing(
    user_client, staff, cod_checkout
):
    coffee, pepper = orders_of(cod_checkout)
    user_client(staff).post(f"/api/v1/orders/{coffee.number}/accept/")

    response = user_client(staff).post(f"/api/v1/orders/{coffee.number}/cancel/",
                                       {"reason": "Stok rusak"})

    assert response.status_code == 200
    payment = payment_of(cod_checkout)
    assert (payment.status, payment.amount, payment.refunded_amount) == (
        "pending", pepper.total, 0
    )
    assert not payment.refunds.exists()


@pytest.mark.parametrize(("refunded", "status"), [(20_000, "partially_refunded"),
                                                  (60_000, "refunded")])
def test_an_order_cancelled_after_another_was_delivered_and_refunded_is_no_longer_due(
    user_client, buyer, staff, owner, cod_checkout, refunded, status
):
    coffee, pepper = orders_of(cod_checkout)
    deliver_via_api(user_client, coffee, staff=staff, buyer=buyer)
    response = user_client(owner).post(f"/api/v1/orders/{coffee.number}/refund/",
                                       {"amount": refunded, "reason": "Basi"})
    assert response.status_code == 200

    user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/", {"reason": "Tidak jadi"})

    payment = payment_of(cod_checkout)
    assert (payment.amount, payment.refunded_amount, payment.status) == (
        coffee.total, refunded, status
    )
