"""Platform finance at the desk in Chromium (in English): a transfer confirmed from its proof.

The buyer and the cooperatives play their part from the test through the same services
their pages call. Every finance page is checked with axe; the main ones are photographed.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from market.models import User
from orders.models import Order
from orders.services import lifecycle
from payments import selectors, services, settlement
from payments.models import Payment, Payout, Refund
from tests.browser.checks import assert_nothing_overflows, axe_check, screenshot
from tests.browser.flows import finance_staff, proof_png
from tests.factories import MembershipFactory, UserFactory, VariantFactory, order_placed
from tests.payments.test_proof_files import pdf_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def bank_transfer(*, buyer: User, price: int, cooperative_name: str) -> Payment:
    variant = VariantFactory(price=price, stock=20, product__cooperative__name=cooperative_name)
    return order_placed(buyer=buyer, variant=variant).checkout.payment


def proof_uploaded(payment: Payment, upload) -> None:
    services.payment_proof_upload(actor=payment.buyer, payment=payment, upload=upload)


def png_upload(tmp_path) -> SimpleUploadedFile:
    path = proof_png(tmp_path)
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/png")


def checked(page, name: str = "") -> None:
    """No serious accessibility violation on the page open now; a screenshot if named."""
    axe_check(page)
    if name:
        screenshot(page, name)


def test_finance_confirm_a_transfer_from_its_proof_and_the_buyer_sees_the_order_paid(
    page, open_page, log_in, tmp_path
):
    buyer = english(UserFactory(name="Maria Goreti", email="maria@example.com"))
    payment = bank_transfer(buyer=buyer, price=150_000,
                            cooperative_name="Koperasi Pengrajin Jagoi Babang")
    proof_uploaded(payment, png_upload(tmp_path))
    without_proof = bank_transfer(buyer=UserFactory(name="Yohana Ria"), price=35_000,
                                  cooperative_name="Koperasi Kopi Sanggau Ledo")
    order = payment.checkout.orders.get()
    log_in(page, english(finance_staff()))

    # The transfers waiting: the one with a proof first.
    page.goto("/finance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank transfers waiting")
    rows = page.locator("#transfers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(payment.transfer_reference)
    expect(rows.first).to_contain_text("Maria Goreti")
    expect(rows.first).to_contain_text("Uploaded")
    expect(rows.last).to_contain_text(without_proof.transfer_reference)
    checked(page, "finance-transfers")

    # Found again by pasting the bank's note.
    page.get_by_label("Find a transfer").fill(f"TRF MARIA G {payment.transfer_reference} 150RB")
    page.get_by_role("button", name="Find").click()
    expect(rows).to_have_count(1)

    # The transfer: the proof image shown (and loaded), what was due, its order.
    rows.first.get_by_role("link", name=payment.transfer_reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Transfer {payment.transfer_reference}"
    )
    proof = page.get_by_role("img", name=re.compile("proof of transfer"))
    expect(proof).to_be_visible()
    assert proof.evaluate("img => img.complete && img.naturalWidth") == 120
    expect(page.locator("#transfer-reference")).to_have_text(payment.transfer_reference)
    expect(page.locator("#transfer-amount")).to_have_text("Rp150.000")
    expect(page.locator("#transfer-orders")).to_contain_text(order.number)
    checked(page, "finance-transfer")

    page.get_by_role("button", name="Confirm the transfer received").click()
    expect(page.locator(".messages")).to_have_text(
        f"Transfer {payment.transfer_reference} confirmed: its orders are paid."
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(without_proof.transfer_reference)

    # The buyer's order page now says it is paid.
    buyer_page = open_page()
    log_in(buyer_page, buyer)
    buyer_page.goto(f"/orders/{order.number}/")
    expect(buyer_page.locator("main")).to_contain_text("Paid")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_pdf_proof_is_shown_in_a_frame_on_a_phone(page, open_page, log_in):
    payment = bank_transfer(buyer=UserFactory(), price=45_000,
                            cooperative_name="Koperasi Wanita Anyaman Seluas")
    proof_uploaded(payment, pdf_upload())
    phone = open_page(phone=True)
    log_in(phone, english(finance_staff()))

    phone.goto(f"/finance/transfers/{payment.pk}/")

    frame = phone.locator("iframe#proof")
    expect(frame).to_be_visible()
    expect(phone.get_by_role("link", name="Open the PDF on its own")).to_be_visible()
    assert_nothing_overflows(phone)
    checked(phone)


def test_finance_record_a_payout_and_read_the_failed_refunds(page, log_in, browser_errors):
    browser_errors.ignore("status of 400")  # the refused payout's page, shown again
    variant = VariantFactory(price=200_000, stock=20,
                             product__cooperative__name="Koperasi Kopi Sanggau Ledo")
    order_placed(variant=variant, status=Order.Status.COMPLETED)
    cooperative = variant.cooperative
    balance = selectors.ledger_balance(cooperative)
    refunded = order_placed(variant=VariantFactory(price=30_000), status=Order.Status.PAID)
    owner = MembershipFactory(cooperative=refunded.cooperative, role="owner").user
    with transaction.atomic():  # refused before the refund task runs (after the commit)
        lifecycle.order_refund(order_pk=refunded.pk, actor=owner, amount=30_000, reason="Habis")
        refund = Refund.objects.get(order=refunded)
        settlement.refund_failed(refund_pk=refund.pk, reason="Card declined")
    log_in(page, english(finance_staff()))

    page.goto("/finance/payouts/")
    due = page.get_by_role("region", name="Koperasi Kopi Sanggau Ledo")
    expect(due).to_contain_text(f"Rp{balance:,}".replace(",", "."))
    checked(page, "finance-payouts")
    due.get_by_label("Amount paid out (rupiah)").fill(str(balance + 1))
    due.get_by_label("Bank reference of the transfer").fill("BRI-0301-17")
    due.get_by_role("button", name=re.compile("Record the payout")).evaluate(
        "button => button.form.noValidate = true"  # past the browser's own max check
    )
    due.get_by_role("button", name=re.compile("Record the payout")).click()
    due = page.get_by_role("region", name="Koperasi Kopi Sanggau Ledo")
    expect(due.locator(".field-error")).to_contain_text("Must be from 1 to the balance")
    assert not Payout.objects.exists()
    checked(page)
    due.get_by_label("Amount paid out (rupiah)").fill(str(balance))
    due.get_by_role("button", name=re.compile("Record the payout")).click()
    expect(page.locator(".messages")).to_have_text(
        f"Payout BRI-0301-17 to {cooperative.name} recorded."
    )
    expect(page.get_by_text("No cooperative has money waiting to be paid out.")).to_be_visible()
    assert selectors.ledger_balance(cooperative) == 0

    page.get_by_role("link", name="Failed refunds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed refunds")
    row = page.locator("#failed-refunds tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(refunded.number)
    expect(row).to_contain_text("Card declined")
    expect(row).to_contain_text("Rp30.000")
    checked(page, "finance-refunds")
