"""Bank transfer: the buyer uploads proof, platform finance staff confirm; who sees what."""

import pytest

from events.models import Event
from orders.models import Order
from payments.models import Payment
from tests.catalog.uploads import image_upload, text_file_named_jpg
from tests.factories import UserFactory
from tests.payments.conftest import checkout_post, finance_staff_create, orders_of, payment_of

pytestmark = pytest.mark.django_db


def paid_events(checkout) -> int:
    return Event.objects.filter(order__checkout=checkout, kind="order_paid").count()


def test_checkout_by_bank_transfer_creates_one_pending_payment_for_its_total(
    user_client, buyer, kopi, lada
):
    response = checkout_post(user_client(buyer), {kopi.variant: 2, lada.variant: 1},
                             "bank_transfer")

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == 60_000 + 17_500
    assert body["payment"]["method"] == "bank_transfer"
    assert body["payment"]["status"] == "pending"
    assert body["payment"]["amount"] == 77_500
    assert body["payment"]["client_secret"] is None
    assert sum(order["total"] for order in body["orders"]) == body["payment"]["amount"]


def test_buyer_reads_own_payment(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(buyer).get(f"/api/v1/payments/{payment.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("id", "method", "status", "amount", "refunded_amount")} == {
        "id": payment.pk, "method": "bank_transfer", "status": "pending",
        "amount": 77_500, "refunded_amount": 0,
    }


def test_another_buyer_cannot_read_the_payment(user_client, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(UserFactory()).get(f"/api/v1/payments/{payment.pk}/")

    assert response.status_code == 404


def test_anonymous_cannot_read_a_payment(api, bank_checkout):
    response = api.get(f"/api/v1/payments/{payment_of(bank_checkout).pk}/")

    assert response.status_code in (401, 403)


def test_finance_staff_read_any_payment(user_client, finance_staff, bank_checkout):
    response = user_client(finance_staff).get(f"/api/v1/payments/{payment_of(bank_checkout).pk}/")

    assert response.status_code == 200


def test_buyer_uploads_an_image_as_proof(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(buyer).post(
        f"/api/v1/payments/{payment.pk}/proof/", {"image": image_upload("PNG", (600, 800))},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["has_proof"] is True
    payment.refresh_from_db()
    assert payment.proof.name.endswith(".png")
    assert payment.status == "pending"  # proof alone pays nothing


def test_proof_that_is_not_an_image_is_refused_naming_image(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(buyer).post(
        f"/api/v1/payments/{payment.pk}/proof/", {"image": text_file_named_jpg()},
        format="multipart",
    )

    assert response.status_code == 400
    assert "image" in response.json()
    payment.refresh_from_db()
    assert not payment.proof


def test_proof_without_a_file_is_refused_naming_image(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(buyer).post(f"/api/v1/payments/{payment.pk}/proof/", {},
                                       format="multipart")

    assert response.status_code == 400
    assert "image" in response.json()


def test_another_buyer_cannot_upload_proof(user_client, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(UserFactory()).post(
        f"/api/v1/payments/{payment.pk}/proof/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 404
    payment.refresh_from_db()
    assert not payment.proof


def test_cash_on_delivery_takes_no_proof(user_client, buyer, kopi):
    response = checkout_post(user_client(buyer), {kopi.variant: 1}, "cod")
    payment_id = response.json()["payment"]["id"]

    response = user_client(buyer).post(
        f"/api/v1/payments/{payment_id}/proof/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 409
    assert not Payment.objects.get(pk=payment_id).proof


def test_finance_staff_confirm_the_transfer_and_every_order_is_paid(
    user_client, buyer, finance_staff, bank_checkout
):
    payment = payment_of(bank_checkout)
    user_client(buyer).post(f"/api/v1/payments/{payment.pk}/proof/",
                            {"image": image_upload()}, format="multipart")

    response = user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "succeeded"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.confirmed_by == finance_staff
    assert payment.succeeded_at is not None
    orders = orders_of(bank_checkout)
    assert [order.status for order in orders] == ["paid", "paid"]
    assert all(order.paid_at for order in orders)
    assert paid_events(bank_checkout) == 2
    # and the buyer sees it on the order
    order = user_client(buyer).get(f"/api/v1/orders/{orders[0].number}/").json()
    assert order["payment_status"] == "succeeded"


def test_a_second_confirmation_is_refused_and_changes_nothing(
    user_client, finance_staff, bank_checkout
):
    payment = payment_of(bank_checkout)
    user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")

    response = user_client(finance_staff_create()).post(f"/api/v1/payments/{payment.pk}/confirm/")

    assert response.status_code == 409
    payment.refresh_from_db()
    assert payment.confirmed_by == finance_staff
    assert paid_events(bank_checkout) == 2


def test_the_buyer_cannot_confirm_their_own_transfer(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)

    response = user_client(buyer).post(f"/api/v1/payments/{payment.pk}/confirm/")

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert payment.confirmed_by is None
    assert {order.status for order in orders_of(bank_checkout)} == {"pending_payment"}


@pytest.mark.parametrize("who", ["owner", "manager", "staff", "officer"])
def test_cooperative_staff_and_officers_cannot_confirm_a_transfer(
    request, user_client, who, bank_checkout
):
    payment = payment_of(bank_checkout)

    response = user_client(request.getfixturevalue(who)).post(
        f"/api/v1/payments/{payment.pk}/confirm/"
    )

    # Not finance staff and not the buyer: they may not even see the payment.
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert not Order.objects.filter(checkout=bank_checkout, paid_at__isnull=False).exists()


def test_platform_admin_confirms_a_transfer(user_client, platform_admin, bank_checkout):
    response = user_client(platform_admin).post(
        f"/api/v1/payments/{payment_of(bank_checkout).pk}/confirm/"
    )

    assert response.status_code == 200
    assert {order.status for order in orders_of(bank_checkout)} == {"paid"}


def test_cash_on_delivery_is_not_confirmed_by_hand(user_client, finance_staff, buyer, kopi):
    response = checkout_post(user_client(buyer), {kopi.variant: 1}, "cod")
    payment_id = response.json()["payment"]["id"]

    response = user_client(finance_staff).post(f"/api/v1/payments/{payment_id}/confirm/")

    assert response.status_code == 409
    assert Payment.objects.get(pk=payment_id).status == "pending"


def test_a_transfer_for_a_fully_cancelled_checkout_cannot_be_confirmed(
    user_client, buyer, finance_staff, bank_checkout
):
    for order in orders_of(bank_checkout):
        user_client(buyer).post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "Batal"})
    payment = payment_of(bank_checkout)
    assert (payment.status, payment.amount) == ("cancelled", 0)

    response = user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")

    assert response.status_code == 409
    assert {order.status for order in orders_of(bank_checkout)} == {"cancelled"}


def test_cancelling_one_unpaid_order_shrinks_the_amount_due(
    user_client, buyer, finance_staff, bank_checkout
):
    coffee, pepper = orders_of(bank_checkout)

    user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/", {"reason": "Salah pesan"})

    payment = payment_of(bank_checkout)
    assert (payment.status, payment.amount) == ("pending", coffee.total)
    user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")
    assert [o.status for o in orders_of(bank_checkout)] == ["paid", "cancelled"]
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.refunded_amount) == (
        "succeeded", coffee.total, 0
    )
