"""The finance desk: transfers to confirm (with their proofs), payouts due, failed refunds."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from market.models import User
from orders.models import Order
from orders.services import lifecycle
from payments import selectors, services, settlement
from payments.models import Payment, Payout, Refund
from tests.catalog.uploads import image_upload
from tests.factories import (
    MembershipFactory,
    UserFactory,
    VariantFactory,
    order_placed,
)
from tests.frontend.conftest import messages_of, page
from tests.payments.test_proof_files import pdf_upload

pytestmark = pytest.mark.django_db

Status = Order.Status
PAGES = ["/finance/", "/finance/transfers/{pk}/", "/finance/transfers/{pk}/proof/",
         "/finance/payouts/", "/finance/refunds/"]


def english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return User.objects.get(pk=user.pk)  # fresh: no stale permission cache


def finance_staff_create(**fields) -> User:
    user = UserFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    return english(user)


@pytest.fixture
def finance(client):
    """Platform finance staff, logged in, reading English."""
    client.force_login(finance_staff_create(email="keuangan@pasar.example"))
    return client


def transfer(*, buyer: User | None = None, price: int = 25_000, proof=None,
             status: str = Status.PENDING_PAYMENT) -> Payment:
    """A bank-transfer checkout of one order; `proof` is uploaded by its buyer."""
    order = order_placed(buyer=buyer, variant=VariantFactory(price=price, stock=100),
                         status=status)
    payment = order.checkout.payment
    if proof is not None:
        services.payment_proof_upload(actor=order.buyer, payment=payment, upload=proof)
    payment.refresh_from_db()
    return payment


def png():
    return image_upload("PNG", (300, 400))


def state(payment: Payment) -> tuple:
    payment.refresh_from_db()
    return (payment.status, payment.confirmed_by_id,
            list(payment.checkout.orders.values_list("status", flat=True)),
            Event.objects.filter(payment=payment).count())


# ---------------------------------------------------------------- who may see the desk


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    payment = transfer(proof=png())

    response = client.get(path.format(pk=payment.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


@pytest.mark.parametrize("who", ["buyer", "owner", "staff", "officer", "another_buyer"])
@pytest.mark.parametrize("path", PAGES)
def test_everyone_but_finance_gets_404_even_the_buyer_for_their_own_transfer(
    request, client, buyer, cooperative, who, path
):
    variant = VariantFactory(product__cooperative=cooperative, stock=10)
    payment = order_placed(buyer=buyer, variant=variant).checkout.payment
    services.payment_proof_upload(actor=buyer, payment=payment, upload=png())
    user = UserFactory() if who == "another_buyer" else request.getfixturevalue(who)
    client.force_login(user)

    assert client.get(path.format(pk=payment.pk)).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_finance_staff_and_the_platform_admin_open_every_page(
    client, platform_admin, path
):
    payment = transfer(proof=png())
    for user in (finance_staff_create(), english(platform_admin)):
        client.force_login(user)
        assert client.get(path.format(pk=payment.pk)).status_code == 200


@pytest.mark.parametrize("who", ["buyer", "owner", "officer"])
def test_nobody_else_confirms_a_transfer_or_records_a_payout(
    request, client, buyer, cooperative, who
):
    variant = VariantFactory(product__cooperative=cooperative, stock=10, price=40_000)
    paid = order_placed(buyer=buyer, variant=variant, status=Status.COMPLETED)
    payment = order_placed(buyer=buyer, variant=variant).checkout.payment
    before = state(payment)
    client.force_login(request.getfixturevalue(who))

    confirm = client.post(f"/finance/transfers/{payment.pk}/")
    payout = client.post("/finance/payouts/", {"cooperative": paid.cooperative.slug,
                                               "amount": 1_000, "reference": "TRF-1"})

    assert (confirm.status_code, payout.status_code) == (404, 404)
    assert state(payment) == before
    assert not Payout.objects.exists()


# ---------------------------------------------------------------- the transfers waiting


def test_the_transfers_waiting_show_those_with_a_proof_first_then_newest_first(finance):
    buyer = UserFactory(name="Yohana Sekar")
    old_with_proof = transfer(buyer=buyer, price=31_000, proof=png())
    old_without = transfer(price=32_000)
    new_without = transfer(price=33_000)
    new_with_proof = transfer(price=34_000, proof=png())
    confirmed = transfer(status=Status.PAID)
    by_card = order_placed(payment_method="cod").checkout.payment

    html = page(finance.get("/finance/"))

    order = [p.transfer_reference for p in (new_with_proof, old_with_proof, new_without,
                                            old_without)]
    assert [html.index(reference) for reference in order] == sorted(
        html.index(reference) for reference in order
    )
    assert confirmed.transfer_reference not in html
    assert by_card.transfer_reference not in html
    row = html[html.index(old_with_proof.transfer_reference):]
    row = row[:row.index("</tr>")]
    assert "Yohana Sekar" in row
    assert "Rp31.000" in row
    assert old_with_proof.checkout.orders.get().number in row
    assert "Uploaded" in row
    assert f'href="/finance/transfers/{old_with_proof.pk}/"' in html
    assert "None yet" in html


def test_a_transfer_is_found_by_the_reference_in_a_pasted_bank_note(finance):
    wanted, other = transfer(), transfer()
    note = f"TRF DARI BUDI SANTOSO {wanted.transfer_reference.lower()[:2]}-{wanted.pk:06d} OK"

    html = page(finance.get("/finance/", {"q": note}))

    assert wanted.transfer_reference in html
    assert other.transfer_reference not in html


def test_a_search_finds_a_transfer_confirmed_already_with_its_status(finance):
    confirmed = transfer(status=Status.PAID)

    html = page(finance.get("/finance/", {"q": confirmed.transfer_reference}))

    assert confirmed.transfer_reference in html
    assert '<span class="pill">succeeded</span>' in html


def test_a_search_without_a_reference_says_so_and_lists_nothing(finance):
    waiting = transfer()

    response = finance.get("/finance/", {"q": "Budi Santoso 25000"})

    assert response.status_code == 400
    html = page(response)
    assert 'id="reference-search-error"' in html
    assert "No transfer reference like PK000123" in html
    assert waiting.transfer_reference not in html


def test_a_search_for_an_unknown_reference_finds_nothing(finance):
    transfer()
    html = page(finance.get("/finance/", {"q": "PK999999"}))
    assert "No bank transfer has that reference." in html


def test_nothing_waiting_is_said(finance):
    assert "No bank transfer is waiting to be confirmed." in page(finance.get("/finance/"))


def test_the_transfers_waiting_are_paginated(finance):
    variant = VariantFactory(stock=100)
    payments = [order_placed(variant=variant).checkout.payment for _ in range(27)]

    first, second = page(finance.get("/finance/")), page(finance.get("/finance/?page=2"))

    assert payments[-1].transfer_reference in first
    assert payments[0].transfer_reference not in first
    assert payments[0].transfer_reference in second
    assert 'rel="next"' in first


def test_the_transfers_waiting_run_the_same_queries_for_3_and_25_transfers(
    finance, django_assert_max_num_queries
):
    variant = VariantFactory(stock=100)
    buyer = UserFactory()
    for _ in range(3):
        order_placed(buyer=buyer, variant=variant)
    with CaptureQueriesContext(connection) as few:
        assert finance.get("/finance/").status_code == 200
    for number in range(22):
        payment = order_placed(variant=variant).checkout.payment
        if number % 2:
            services.payment_proof_upload(actor=payment.buyer, payment=payment, upload=png())
    with django_assert_max_num_queries(len(few)) as many:
        response = finance.get("/finance/")
    assert len(many) == len(few) <= 10
    assert page(response).count('href="/finance/transfers/') == 25


# ---------------------------------------------------------------- one transfer


def test_a_transfer_shows_its_image_proof_what_was_due_and_its_orders(finance):
    payment = transfer(price=45_000, proof=png())
    order = payment.checkout.orders.get()

    html = page(finance.get(f"/finance/transfers/{payment.pk}/"))

    assert re.search(rf'<img class="proof" id="proof" src="/finance/transfers/{payment.pk}/proof/"'
                     r' alt="[^"]+"', html)
    assert f'href="/api/v1/payments/{payment.pk}/proof/"' in html  # the download
    assert f'id="transfer-reference"><strong>{payment.transfer_reference}</strong>' in html
    assert f"Rp{payment.amount:,}".replace(",", ".") in html
    assert order.number in html
    assert order.cooperative.name in html
    assert 'id="confirm-transfer"' in html


def test_a_pdf_proof_is_shown_in_a_frame_with_a_link(finance):
    payment = transfer(proof=pdf_upload())

    html = page(finance.get(f"/finance/transfers/{payment.pk}/"))

    assert re.search(rf'<iframe class="proof" id="proof" src="/finance/transfers/{payment.pk}'
                     r'/proof/" title="[^"]+"', html)
    assert "<img class=\"proof\"" not in html


def test_a_transfer_without_proof_says_so_and_may_still_be_confirmed(finance):
    payment = transfer()

    html = page(finance.get(f"/finance/transfers/{payment.pk}/"))

    assert "has not uploaded a proof yet" in html
    assert 'id="proof"' not in html
    assert 'id="confirm-transfer"' in html


def test_a_confirmed_transfer_has_no_confirm_button_and_says_who_confirmed(finance):
    payment = transfer()
    confirmer = finance_staff_create(name="Rina Keuangan")
    services.payment_confirm_transfer(actor=confirmer, payment=payment)

    html = page(finance.get(f"/finance/transfers/{payment.pk}/"))

    assert 'id="confirm-transfer"' not in html
    assert "Confirmed by Rina Keuangan." in html


def test_a_payment_by_another_method_is_no_transfer(finance):
    payment = order_placed(payment_method="cod").checkout.payment
    assert finance.get(f"/finance/transfers/{payment.pk}/").status_code == 404
    assert finance.get("/finance/transfers/999999/").status_code == 404


def test_confirming_a_transfer_pays_its_orders_and_goes_back_to_the_list(finance):
    payment = transfer(proof=png())

    response = finance.post(f"/finance/transfers/{payment.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/finance/"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.confirmed_by.email == "keuangan@pasar.example"
    assert payment.checkout.orders.get().status == Status.PAID
    assert messages_of(response) == [
        f"Transfer {payment.transfer_reference} confirmed: its orders are paid."
    ]


def test_the_buyer_then_sees_the_order_paid(finance, client):
    payment = transfer(proof=png())
    order = payment.checkout.orders.get()
    finance.post(f"/finance/transfers/{payment.pk}/")

    client.force_login(english(order.buyer))
    html = page(client.get(f"/orders/{order.number}/"))

    assert "Paid" in html


def test_confirming_twice_is_refused_and_changes_nothing(finance):
    payment = transfer()
    finance.post(f"/finance/transfers/{payment.pk}/")
    before = state(payment)

    response = finance.post(f"/finance/transfers/{payment.pk}/", follow=True)

    assert response.redirect_chain == [(f"/finance/transfers/{payment.pk}/", 302)]
    assert "This payment is succeeded." in page(response)
    assert state(payment) == before


def test_the_transfer_page_takes_no_other_method(finance):
    payment = transfer()
    assert finance.put(f"/finance/transfers/{payment.pk}/").status_code == 405


# ---------------------------------------------------------------- the proof file


def stored_bytes(payment: Payment) -> bytes:
    with payment.proof.open("rb") as stored:
        return stored.read()


def test_the_proof_is_answered_inline_and_may_be_framed_by_this_site_only(finance):
    payment = transfer(proof=png())

    response = finance.get(f"/finance/transfers/{payment.pk}/proof/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="proof-{payment.pk}.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == stored_bytes(payment)


def test_a_pdf_proof_is_answered_as_a_pdf(finance):
    payment = transfer(proof=pdf_upload())

    response = finance.get(f"/finance/transfers/{payment.pk}/proof/")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="proof-{payment.pk}.pdf"'


def test_behind_nginx_the_proof_is_an_internal_redirect_shown_inline(finance, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected/"
    payment = transfer(proof=png())

    response = finance.get(f"/finance/transfers/{payment.pk}/proof/")

    assert response["X-Accel-Redirect"] == f"/protected/{payment.proof.name}"
    assert response["Content-Disposition"] == f'inline; filename="proof-{payment.pk}.png"'


def test_the_other_finance_pages_may_not_be_framed(finance):
    payment = transfer(proof=png())

    response = finance.get(f"/finance/transfers/{payment.pk}/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "frame-src 'self'" in response["Content-Security-Policy"]


def test_a_transfer_without_proof_has_no_proof_file(finance):
    payment = transfer()
    assert finance.get(f"/finance/transfers/{payment.pk}/proof/").status_code == 404


# ---------------------------------------------------------------- payouts


def cooperative_with_balance(price: int, *, name: str = ""):
    """A cooperative with one completed bank-transfer sale: the platform holds its net."""
    variant = VariantFactory(price=price, stock=100, **(
        {"product__cooperative__name": name} if name else {}))
    order_placed(variant=variant, status=Status.COMPLETED)
    return variant.cooperative


def test_the_payouts_due_are_the_positive_balances_largest_first(finance):
    small = cooperative_with_balance(20_000, name="Koperasi Kecil")
    large = cooperative_with_balance(90_000, name="Koperasi Besar")
    nothing_sold = VariantFactory().cooperative
    cash_only = VariantFactory(stock=10)
    order_placed(variant=cash_only, payment_method="cod", status=Status.COMPLETED)
    assert selectors.ledger_balance(cash_only.cooperative) < 0

    html = page(finance.get("/finance/payouts/"))

    assert html.index("Koperasi Besar") < html.index("Koperasi Kecil")
    balance = selectors.ledger_balance(large)
    assert f'id="payout-{large.slug}-balance">Rp{balance:,}'.replace(",", ".") in html
    assert f'value="{small.slug}"' in html
    assert nothing_sold.name not in html
    assert cash_only.cooperative.name not in html


def test_no_payout_due_is_said(finance):
    assert "No cooperative has money waiting" in page(finance.get("/finance/payouts/"))


def payout_form(html: str, slug: str) -> dict:
    section = html[html.index(f'id="payout-{slug}"'):]
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', section).group(1)
    return {"cooperative": slug, "idempotency_key": key}


def test_a_payout_is_recorded_and_the_balance_shrinks(finance):
    cooperative = cooperative_with_balance(50_000)
    balance = selectors.ledger_balance(cooperative)
    form = payout_form(page(finance.get("/finance/payouts/")), cooperative.slug)

    response = finance.post("/finance/payouts/", {**form, "amount": 10_000,
                                                  "reference": "BRI-20260301-01"})

    assert response.status_code == 302
    assert response["Location"] == "/finance/payouts/"
    payout = Payout.objects.get()
    assert (payout.cooperative, payout.amount, payout.reference, payout.idempotency_key) == (
        cooperative, 10_000, "BRI-20260301-01", form["idempotency_key"]
    )
    assert selectors.ledger_balance(cooperative) == balance - 10_000
    assert messages_of(response) == [f"Payout BRI-20260301-01 to {cooperative.name} recorded."]


def test_the_same_payout_form_sent_twice_makes_one_payout(finance):
    cooperative = cooperative_with_balance(50_000)
    form = payout_form(page(finance.get("/finance/payouts/")), cooperative.slug)
    sent = {**form, "amount": 10_000, "reference": "BRI-1"}

    finance.post("/finance/payouts/", sent)
    finance.post("/finance/payouts/", sent)

    assert Payout.objects.count() == 1


def test_each_payout_form_has_its_own_key(finance):
    cooperative_with_balance(50_000)
    cooperative_with_balance(60_000)
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f]+)"',
                      page(finance.get("/finance/payouts/")))
    assert len(keys) == len(set(keys)) == 2


def test_a_payout_above_the_balance_is_refused_beside_the_amount_and_changes_nothing(finance):
    cooperative = cooperative_with_balance(50_000)
    balance = selectors.ledger_balance(cooperative)
    form = payout_form(page(finance.get("/finance/payouts/")), cooperative.slug)

    response = finance.post("/finance/payouts/", {**form, "amount": balance + 1,
                                                  "reference": "BRI-2"})

    assert response.status_code == 400
    html = page(response)
    assert f'id="payout-{cooperative.slug}-amount-error"' in html
    assert f"Must be from 1 to the balance, {balance} rupiah." in html
    assert 'value="BRI-2"' in html  # what was typed stays
    assert f'value="{form["idempotency_key"]}"' in html
    assert not Payout.objects.exists()
    assert selectors.ledger_balance(cooperative) == balance


@pytest.mark.parametrize(("amount", "reference", "field"), [
    ("", "BRI-3", "amount"), ("0", "BRI-3", "amount"), ("sepuluh", "BRI-3", "amount"),
    ("1000", "", "reference"), ("1000", "x" * 101, "reference"),
])
def test_a_payout_form_badly_filled_is_shown_again_and_changes_nothing(
    finance, amount, reference, field
):
    cooperative = cooperative_with_balance(50_000)
    form = payout_form(page(finance.get("/finance/payouts/")), cooperative.slug)

    response = finance.post("/finance/payouts/", {**form, "amount": amount,
                                                  "reference": reference})

    assert response.status_code == 400
    assert f'id="payout-{cooperative.slug}-{field}-error"' in page(response)
    assert not Payout.objects.exists()


def test_a_reused_key_with_another_amount_is_refused_at_the_top_of_the_form(finance):
    cooperative = cooperative_with_balance(50_000)
    form = payout_form(page(finance.get("/finance/payouts/")), cooperative.slug)
    finance.post("/finance/payouts/", {**form, "amount": 1_000, "reference": "BRI-4"})

    response = finance.post("/finance/payouts/", {**form, "amount": 2_000, "reference": "BRI-4"})

    assert response.status_code == 400
    assert 'role="alert"' in page(response)
    assert list(Payout.objects.values_list("amount", flat=True)) == [1_000]


def test_a_payout_to_an_unknown_cooperative_is_404(finance):
    response = finance.post("/finance/payouts/", {"cooperative": "tidak-ada", "amount": 1_000,
                                                  "reference": "BRI-5"})
    assert response.status_code == 404
    assert not Payout.objects.exists()


def test_the_payouts_due_run_the_same_queries_for_3_and_30_cooperatives(
    finance, django_assert_max_num_queries
):
    for _ in range(3):
        cooperative_with_balance(20_000)
    with CaptureQueriesContext(connection) as few:
        assert finance.get("/finance/payouts/").status_code == 200
    for number in range(27):
        cooperative = cooperative_with_balance(20_000)
        if number % 3 == 0:
            services.payout_create(actor=finance_staff_create(), cooperative=cooperative,
                                   amount=1_000, reference=f"BRI-{number}")
    with django_assert_max_num_queries(len(few)) as many:
        response = finance.get("/finance/payouts/")
    assert len(many) == len(few) <= 10
    assert page(response).count('name="idempotency_key"') == 25  # one page


# ---------------------------------------------------------------- failed refunds


def refund_failed(reason: str = "Kartu ditolak", price: int = 30_000) -> Refund:
    """A paid order refunded in full by its owner, then refused by the provider."""
    order = order_placed(variant=VariantFactory(price=price, stock=10), status=Status.PAID)
    owner = MembershipFactory(cooperative=order.cooperative, role="owner").user
    lifecycle.order_refund(order_pk=order.pk, actor=owner, amount=price, reason="Stok habis")
    refund = Refund.objects.get(order=order)
    return settlement.refund_failed(refund_pk=refund.pk, reason=reason)


def test_the_failed_refunds_show_order_amount_error_and_when(finance):
    older = refund_failed("Rekening ditutup", price=21_000)
    newer = refund_failed("Kartu ditolak", price=22_000)
    still_pending = order_placed(variant=VariantFactory(price=23_000), status=Status.PAID)
    lifecycle.order_refund(
        order_pk=still_pending.pk, amount=23_000, reason="Salah kirim",
        actor=MembershipFactory(cooperative=still_pending.cooperative, role="owner").user,
    )

    html = page(finance.get("/finance/refunds/"))

    assert html.index(newer.order.number) < html.index(older.order.number)
    assert "Rekening ditutup" in html
    assert "Kartu ditolak" in html
    assert "Rp21.000" in html
    assert "Rp22.000" in html
    assert older.order.cooperative.name in html
    assert still_pending.number not in html
    failed_at = Event.objects.get(refund=older, kind="refund_failed").at
    assert str(failed_at.year) in html


def test_the_platform_admin_gets_a_link_to_the_admins_refund_page(client, platform_admin):
    refund = refund_failed()
    client.force_login(english(platform_admin))

    html = page(client.get("/finance/refunds/"))

    assert f'href="/admin/payments/refund/{refund.pk}/change/"' in html


def test_finance_staff_outside_the_admin_get_no_link_to_it(finance):
    refund = refund_failed()
    html = page(finance.get("/finance/refunds/"))
    assert refund.order.number in html
    assert "/admin/" not in html


def test_no_failed_refund_is_said(finance):
    assert "No refund has failed." in page(finance.get("/finance/refunds/"))


def test_the_failed_refunds_run_the_same_queries_for_3_and_26_refunds(
    finance, django_assert_max_num_queries
):
    for _ in range(3):
        refund_failed()
    with CaptureQueriesContext(connection) as few:
        assert finance.get("/finance/refunds/").status_code == 200
    for _ in range(23):
        refund_failed()
    with django_assert_max_num_queries(len(few)) as many:
        response = finance.get("/finance/refunds/")
    assert len(many) == len(few) <= 8
    assert page(response).count("Kartu ditolak") == 25
