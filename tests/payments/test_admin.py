"""Payments in the Django admin: read-only money records, and the bank-transfer action."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from payments import services
from payments.models import LedgerEntry
from tests.factories import UserFactory
from tests.payments.conftest import (
    finance_staff_create,
    order_fulfil_and_complete,
    orders_of,
    payment_of,
)

pytestmark = pytest.mark.django_db


def confirm_action(client, payment):
    return client.post("/admin/payments/payment/", {
        "action": "confirm_bank_transfers", "_selected_action": [payment.pk],
    }, follow=True)


@pytest.mark.parametrize(
    "path",
    ["payment", "refund", "stripeevent", "ledgerentry", "payout"],
)
def test_admin_lists_the_money_records(admin_client, bank_checkout, path):
    assert admin_client.get(f"/admin/payments/{path}/").status_code == 200
    assert admin_client.get(f"/admin/payments/{path}/", {"q": "x"}).status_code == 200


def test_finance_staff_confirm_transfers_in_the_admin(bank_checkout):
    finance = finance_staff_create(is_staff=True, language="en")  # messages in their msgids
    finance.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client = Client()
    client.force_login(finance)
    payment = payment_of(bank_checkout)

    response = confirm_action(client, payment)

    assert response.status_code == 200
    assert "1 transfers confirmed" in response.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.confirmed_by) == ("succeeded", finance)
    assert {order.status for order in orders_of(bank_checkout)} == {"paid"}


def test_admin_staff_without_the_finance_permission_confirm_nothing(bank_checkout):
    clerk = UserFactory(is_staff=True, language="en")  # messages in their msgids
    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client = Client()
    client.force_login(clerk)
    payment = payment_of(bank_checkout)

    response = confirm_action(client, payment)

    assert "0 transfers confirmed" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert {order.status for order in orders_of(bank_checkout)} == {"pending_payment"}


def test_ledger_entries_cannot_be_edited_or_deleted_in_the_admin(
    admin_client, finance_staff, owner, bank_checkout
):
    services.payment_confirm_transfer(actor=finance_staff, payment=payment_of(bank_checkout))
    coffee, _ = orders_of(bank_checkout)
    order_fulfil_and_complete(coffee, staff=owner)
    entry = LedgerEntry.objects.get()

    change = admin_client.post(f"/admin/payments/ledgerentry/{entry.pk}/change/",
                               {"amount": 1, "kind": "sale"})
    delete = admin_client.post(f"/admin/payments/ledgerentry/{entry.pk}/delete/", {"post": "yes"})

    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.amount == 57_000
    assert admin_client.get("/admin/payments/ledgerentry/add/").status_code == 403
