"""The cooperative ledger: sales net of commission, refunds after completion, payouts."""

import pytest
from django.utils import timezone

from market.errors import Conflict, InvalidInput
from orders.services import lifecycle
from payments import selectors, services, settlement
from payments.models import LedgerEntry, Payout, Refund
from tests.payments.conftest import (
    checkout_place,
    order_fulfil,
    order_fulfil_and_complete,
    orders_of,
    payment_of,
    shop_open,
)

pytestmark = pytest.mark.django_db


def paid_order(buyer, shop, finance_staff, quantity=1):
    checkout = checkout_place(buyer, {shop.variant: quantity}, "bank_transfer")
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(checkout))
    return orders_of(checkout)[0]


def completed_order(buyer, shop, finance_staff, quantity=1):
    order = paid_order(buyer, shop, finance_staff, quantity)
    return order_fulfil_and_complete(order, staff=shop.owner)


def balance_of(cooperative) -> int:
    return selectors.ledger_balance(cooperative)


def entries_of(cooperative) -> list[tuple[str, int]]:
    return list(
        LedgerEntry.objects.filter(cooperative=cooperative).order_by("pk")
        .values_list("kind", "amount")
    )


def refund_post(client, order, amount):
    return client.post(f"/api/v1/orders/{order.number}/refund/",
                       {"amount": amount, "reason": "Retur"})


def payout_post(client, cooperative, amount, reference="BRI-2611-0001"):
    return client.post(f"/api/v1/cooperatives/{cooperative.slug}/payouts/",
                       {"amount": amount, "reference": reference})


# ---------------------------------------------------------------- sales


@pytest.mark.parametrize(
    ("price", "commission_bp", "commission"),
    [
        (20_000, None, 1_000),  # the platform's 5 %
        (20_010, None, 1_001),  # 1.000,5 rounds half up
        (20_009, None, 1_000),  # 1.000,45 rounds down
        (20_000, 250, 500),  # the cooperative's own rate
        (20_010, 250, 500),  # 500,25
        (20_000, 0, 0),  # no commission at all
        (19, 500, 1),  # 0,95 of a rupiah
    ],
)
def test_completion_credits_the_total_minus_commission(
    buyer, finance_staff, price, commission_bp, commission
):
    shop = shop_open(price=price)
    shop.cooperative.commission_bp = commission_bp
    shop.cooperative.save(update_fields=["commission_bp"])

    order = completed_order(buyer, shop, finance_staff)

    entry = LedgerEntry.objects.get(cooperative=shop.cooperative)
    assert (entry.kind, entry.order, entry.commission) == ("sale", order, commission)
    assert entry.amount == order.total - commission
    assert balance_of(shop.cooperative) == order.total - commission


def test_the_platform_rate_comes_from_settings(settings, buyer, finance_staff):
    settings.PLATFORM_COMMISSION_BP = 1_000
    shop = shop_open(price=20_000)

    completed_order(buyer, shop, finance_staff)

    assert balance_of(shop.cooperative) == 18_000


def test_nothing_is_credited_before_completion(buyer, finance_staff):
    shop = shop_open(price=20_000)
    order = paid_order(buyer, shop, finance_staff)

    order_fulfil(order, staff=shop.owner)

    assert entries_of(shop.cooperative) == []


def test_completion_credits_only_what_was_not_refunded_before(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = paid_order(buyer, shop, finance_staff)
    assert refund_post(user_client(shop.owner), order, 4_000).status_code == 200

    order_fulfil_and_complete(order, staff=shop.owner)

    assert entries_of(shop.cooperative) == [("sale", 16_000 - 800)]


def test_a_sale_is_credited_once(buyer, finance_staff):
    shop = shop_open(price=20_000)
    order = completed_order(buyer, shop, finance_staff)

    settlement.order_settled(order=order, now=timezone.now())

    assert entries_of(shop.cooperative) == [("sale", 19_000)]


# ---------------------------------------------------------------- refunds after completion


def test_a_refund_after_completion_debits_it_net_of_commission(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = completed_order(buyer, shop, finance_staff)

    response = refund_post(user_client(shop.owner), order, 6_000)

    assert response.status_code == 200
    refund = Refund.objects.get()
    debit = LedgerEntry.objects.get(kind="refund")
    assert (debit.amount, debit.commission, debit.refund, debit.order) == (
        -5_700, 300, refund, order
    )
    assert balance_of(shop.cooperative) == 19_000 - 5_700
    assert payment_of(order.checkout).status == "partially_refunded"


def test_refunding_a_completed_order_in_full_brings_its_balance_to_zero(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_010)
    order = completed_order(buyer, shop, finance_staff)

    refund_post(user_client(shop.owner), order, order.total)

    assert balance_of(shop.cooperative) == 0
    assert payment_of(order.checkout).status == "refunded"


def test_partial_refunds_after_completion_never_exceed_what_was_credited(
    user_client, buyer, finance_staff
):
    """Rounding each refund's commission on its own must not owe the buyer a rupiah the
    cooperative never received: 8.009 + 8.009 + 8.982 = 25.000 of a Rp25.000 order."""
    shop = shop_open(price=25_000)
    order = completed_order(buyer, shop, finance_staff)
    client = user_client(shop.owner)

    statuses = [refund_post(client, order, amount).status_code
                for amount in (8_009, 8_009, 8_982)]

    assert statuses == [200, 200, 200]
    assert balance_of(shop.cooperative) == 0
    debits = LedgerEntry.objects.filter(kind="refund")
    assert sum(entry.commission for entry in debits) == 1_250  # all the commission returned
    assert payment_of(order.checkout).status == "refunded"


def test_a_refund_the_balance_cannot_cover_after_a_payout_is_refused(
    user_client, buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = completed_order(buyer, shop, finance_staff)
    payout_post(user_client(finance_staff), shop.cooperative, 19_000)

    response = refund_post(user_client(shop.owner), order, 1_000)

    assert response.status_code == 409
    assert not Refund.objects.exists()
    assert payment_of(order.checkout).refunded_amount == 0
    assert balance_of(shop.cooperative) == 0


def test_cancellation_is_impossible_after_completion(user_client, buyer, finance_staff):
    shop = shop_open(price=20_000)
    order = completed_order(buyer, shop, finance_staff)

    response = user_client(shop.owner).post(f"/api/v1/orders/{order.number}/cancel/",
                                            {"reason": "Terlambat"})

    assert response.status_code == 409
    assert balance_of(shop.cooperative) == 19_000


# ---------------------------------------------------------------- payouts


def test_finance_staff_pay_out_up_to_the_balance(user_client, buyer, finance_staff):
    shop = shop_open(price=20_000)
    completed_order(buyer, shop, finance_staff)

    response = payout_post(user_client(finance_staff), shop.cooperative, 15_000)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["reference"], body["balance"]) == (15_000, "BRI-2611-0001", 4_000)
    payout = Payout.objects.get()
    assert (payout.actor, payout.cooperative) == (finance_staff, shop.cooperative)
    assert entries_of(shop.cooperative) == [("sale", 19_000), ("payout", -15_000)]
    assert LedgerEntry.objects.get(kind="payout").payout == payout

    response = payout_post(user_client(finance_staff), shop.cooperative, 4_000, "BRI-2")

    assert response.status_code == 201
    assert balance_of(shop.cooperative) == 0


def test_a_payout_above_the_balance_is_refused_naming_amount(user_client, buyer, finance_staff):
    shop = shop_open(price=20_000)
    completed_order(buyer, shop, finance_staff)

    response = payout_post(user_client(finance_staff), shop.cooperative, 19_001)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert "19000" in response.json()["amount"][0]
    assert not Payout.objects.exists()
    assert balance_of(shop.cooperative) == 19_000


def test_a_suspended_cooperative_is_still_paid_what_it_earned(user_client, buyer, finance_staff):
    shop = shop_open(price=20_000)
    completed_order(buyer, shop, finance_staff)
    shop.cooperative.status = "suspended"
    shop.cooperative.save(update_fields=["status"])

    response = payout_post(user_client(finance_staff), shop.cooperative, 19_000)

    assert response.status_code == 201
    assert balance_of(shop.cooperative) == 0


def test_nothing_is_paid_out_of_an_empty_ledger(user_client, finance_staff, cooperative):
    response = payout_post(user_client(finance_staff), cooperative, 1)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"amount": 0, "reference": "X"}, "amount"), ({"amount": -1, "reference": "X"}, "amount"),
     ({"amount": 1_000}, "reference"), ({"amount": 1_000, "reference": ""}, "reference")],
)
def test_a_payout_needs_a_positive_amount_and_a_reference(
    user_client, buyer, finance_staff, body, field
):
    shop = shop_open(price=20_000)
    completed_order(buyer, shop, finance_staff)

    response = user_client(finance_staff).post(
        f"/api/v1/cooperatives/{shop.cooperative.slug}/payouts/", body
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Payout.objects.exists()


@pytest.mark.parametrize("who", ["owner", "manager", "staff", "officer", "buyer"])
def test_only_finance_staff_pay_out(request, user_client, finance_staff, cooperative, who):
    shop = shop_open(cooperative, price=20_000)
    completed_order(request.getfixturevalue("buyer"), shop, finance_staff)

    response = payout_post(user_client(request.getfixturevalue(who)), cooperative, 1_000)

    assert response.status_code == 403
    assert not Payout.objects.exists()
    assert balance_of(cooperative) == 19_000


def test_a_second_payout_beyond_what_is_left_is_refused(buyer, finance_staff):
    shop = shop_open(price=20_000)
    completed_order(buyer, shop, finance_staff)
    services.payout_create(actor=finance_staff, cooperative=shop.cooperative, amount=10_000,
                           reference="A")

    with pytest.raises(InvalidInput) as refused:
        services.payout_create(actor=finance_staff, cooperative=shop.cooperative,
                               amount=10_000, reference="B")

    assert "amount" in refused.value.fields
    assert balance_of(shop.cooperative) == 9_000


# ---------------------------------------------------------------- reading the ledger


@pytest.mark.parametrize("who", ["owner", "manager", "platform_admin"])
def test_owner_and_manager_read_the_ledger(request, user_client, finance_staff, cooperative, who):
    buyer = request.getfixturevalue("buyer")
    shop = shop_open(cooperative, price=20_000)
    first = completed_order(buyer, shop, finance_staff)
    second = completed_order(buyer, shop, finance_staff, quantity=2)
    services.payout_create(actor=finance_staff, cooperative=cooperative, amount=30_000,
                           reference="BRI-1")

    response = user_client(request.getfixturevalue(who)).get(
        f"/api/v1/cooperatives/{cooperative.slug}/ledger/"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["balance"] == 19_000 + 38_000 - 30_000
    assert body["balance"] == sum(entry["amount"] for entry in body["entries"])
    assert [(e["kind"], e["amount"], e["order"]) for e in body["entries"]] == [
        ("payout", -30_000, None),
        ("sale", 38_000, second.number),
        ("sale", 19_000, first.number),
    ]
    assert all(entry["at"] for entry in body["entries"])


@pytest.mark.parametrize("who", ["staff", "officer", "buyer", "finance_staff"])
def test_others_cannot_read_the_ledger(request, user_client, cooperative, who):
    response = user_client(request.getfixturevalue(who)).get(
        f"/api/v1/cooperatives/{cooperative.slug}/ledger/"
    )

    assert response.status_code == 403
    assert "balance" not in response.json()


def test_anonymous_cannot_read_the_ledger(api, cooperative):
    response = api.get(f"/api/v1/cooperatives/{cooperative.slug}/ledger/")

    assert response.status_code in (401, 403)


def test_the_owner_of_another_cooperative_cannot_read_the_ledger(user_client, cooperative):
    other = shop_open(price=1_000)

    response = user_client(other.owner).get(f"/api/v1/cooperatives/{cooperative.slug}/ledger/")

    assert response.status_code == 403


def test_a_refund_the_cooperative_cannot_cover_is_a_conflict_in_the_service(
    buyer, finance_staff
):
    shop = shop_open(price=20_000)
    order = completed_order(buyer, shop, finance_staff)
    services.payout_create(actor=finance_staff, cooperative=shop.cooperative, amount=19_000,
                           reference="ALL")

    with pytest.raises(Conflict):
        lifecycle.order_refund(order_pk=order.pk, amount=20_000, reason="Retur",
                               actor=shop.owner)

    assert balance_of(shop.cooperative) == 0
