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


# ---------------------------------------------------------------- where to transfer


@pytest.fixture
def market_account(settings):
    settings.BANK_TRANSFER_BANK = "Bank Kalbar"
    settings.BANK_TRANSFER_ACCOUNT_NUMBER = "1002003004"
    settings.BANK_TRANSFER_ACCOUNT_NAME = "Pasar Koperasi Bengkayang"


def test_checkout_by_bank_transfer_tells_the_account_the_whole_amount_and_the_reference(
    market_account, user_client, buyer, kopi, lada
):
    response = checkout_post(user_client(buyer), {kopi.variant: 2, lada.variant: 1},
                             "bank_transfer")

    assert response.status_code == 201
    payment = response.json()["payment"]
    assert payment["instructions"] == {
        "bank": "Bank Kalbar", "account_number": "1002003004",
        "account_name": "Pasar Koperasi Bengkayang",
        "amount": 77_500, "reference": f"PK{payment['id']:06d}",
    }
    assert payment["instructions"]["amount"] == payment["amount"] == response.json()["total"]


def test_every_checkout_has_its_own_transfer_reference(user_client, buyer, kopi):
    references = {
        checkout_post(user_client(buyer), {kopi.variant: 1}, "bank_transfer")
        .json()["payment"]["instructions"]["reference"]
        for _ in range(3)
    }

    assert len(references) == 3


def test_a_pending_transfer_shows_its_instructions_until_finance_confirm_it(
    market_account, user_client, buyer, finance_staff, bank_checkout
):
    payment = payment_of(bank_checkout)
    pending = user_client(buyer).get(f"/api/v1/payments/{payment.pk}/").json()

    user_client(finance_staff).post(f"/api/v1/payments/{payment.pk}/confirm/")
    confirmed = user_client(buyer).get(f"/api/v1/payments/{payment.pk}/").json()

    assert pending["instructions"] == {
        "bank": "Bank Kalbar", "account_number": "1002003004",
        "account_name": "Pasar Koperasi Bengkayang",
        "amount": 77_500, "reference": payment.transfer_reference,
    }
    assert confirmed["status"] == "succeeded"
    assert confirmed["instructions"] is None


def test_the_reference_stays_the_same_while_the_transfer_waits(user_client, buyer, bank_checkout):
    payment = payment_of(bank_checkout)
    user_client(buyer).post(f"/api/v1/payments/{payment.pk}/proof/",
                            {"image": image_upload()}, format="multipart")

    body = user_client(buyer).get(f"/api/v1/payments/{payment.pk}/").json()

    assert body["has_proof"] is True
    assert body["instructions"]["reference"] == payment.transfer_reference


def test_cancelling_one_unpaid_order_lowers_the_amount_to_transfer(
    user_client, buyer, bank_checkout
):
    coffee, pepper = orders_of(bank_checkout)
    payment = payment_of(bank_checkout)

    user_client(buyer).post(f"/api/v1/orders/{pepper.number}/cancel/", {"reason": "Salah pesan"})

    body = user_client(buyer).get(f"/api/v1/payments/{payment.pk}/").json()
    assert body["instructions"]["amount"] == body["amount"] == coffee.total


def test_a_fully_cancelled_transfer_carries_no_instructions(user_client, buyer, bank_checkout):
    for order in orders_of(bank_checkout):
        user_client(buyer).post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "Batal"})

    body = user_client(buyer).get(f"/api/v1/payments/{payment_of(bank_checkout).pk}/").json()

    assert body["status"] == "cancelled"
    assert body["instructions"] is None


def test_cash_on_delivery_carries_no_transfer_instructions(user_client, buyer, kopi):
    response = checkout_post(user_client(buyer), {kopi.variant: 1}, "cod")
    payment_id = response.json()["payment"]["id"]

    read = user_client(buyer).get(f"/api/v1/payments/{payment_id}/")

    assert response.json()["payment"]["instructions"] is None
    assert read.json()["instructions"] is None


@pytest.mark.stripe
def test_a_card_payment_carries_no_transfer_instructions(user_client, buyer, kopi, stripe_on):
    response = checkout_post(user_client(buyer), {kopi.variant: 1}, "stripe")
    payment_id = response.json()["payment"]["id"]

    read = user_client(buyer).get(f"/api/v1/payments/{payment_id}/")

    assert response.status_code == 201
    assert response.json()["payment"]["client_secret"]
    assert response.json()["payment"]["instructions"] is None
    assert read.json()["instructions"] is None


# ---------------------------------------------------------------- finance matches the transfer


def admin_search(client, text: str) -> list[Payment]:
    response = client.get("/admin/payments/payment/", {"q": text})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "written", ["{reference}", "{reference_lower}", "Bayar kopi {reference} Dayang", "PK {pk}"]
)
def test_finance_find_a_transfer_in_the_admin_by_the_reference_its_buyer_wrote(
    admin_client, user_client, buyer, bank_checkout, kopi, written
):
    payment = payment_of(bank_checkout)
    other = checkout_post(user_client(buyer), {kopi.variant: 1}, "bank_transfer")
    assert other.status_code == 201

    found = admin_search(admin_client, written.format(
        reference=payment.transfer_reference, reference_lower=payment.transfer_reference.lower(),
        pk=payment.pk,
    ))

    assert found == [payment]


def test_the_admin_lists_each_transfer_with_its_reference(admin_client, bank_checkout):
    payment = payment_of(bank_checkout)

    response = admin_client.get("/admin/payments/payment/")

    assert payment.transfer_reference in response.content.decode()


def test_a_reference_finds_no_card_or_cash_payment_in_the_admin(
    admin_client, user_client, buyer, kopi
):
    cash = checkout_post(user_client(buyer), {kopi.variant: 1}, "cod").json()["payment"]

    assert admin_search(admin_client, f"PK{cash['id']:06d}") == []
