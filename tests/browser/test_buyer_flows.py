"""A buyer's whole way through the market in Chromium, in Bahasa Indonesia (the default).

The other sides play their part from the test through the same services their pages
and the API call: finance confirms the transfer, the cooperative accepts and ships.
Every page visited is checked with axe and photographed (artifacts/screenshots/).
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from catalog.models import Variant
from orders.models import Order
from orders.services import lifecycle
from payments.models import Payment
from payments.services import payment_confirm_transfer
from tests.browser.checks import axe_check, screenshot
from tests.browser.flows import (
    add_to_cart,
    cart_count,
    fill_checkout_address,
    finance_staff,
    log_in_through_pages,
    market_of_two_cooperatives,
    place_order,
    proof_png,
    register_through_pages,
    search_from_header,
    verify_email_through_mail,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Anyaman-Jagoi-2026"


def checked(page, name: str) -> None:
    """The page open now has no serious accessibility violation; a screenshot of it."""
    axe_check(page)
    screenshot(page, name)


def header_link(page, name: str):
    return page.get_by_role("banner").get_by_role("link", name=name, exact=True)


def test_a_new_buyer_pays_two_cooperatives_by_transfer_and_reviews_what_arrived(page, tmp_path):
    market = market_of_two_cooperatives()
    page.goto("/")
    expect(page.get_by_text("Anyaman Rotan Tas Jinjing")).to_be_visible()
    checked(page, "buyer-01-home")

    # Signing up, and the e-mail verified through the mailed link.
    header_link(page, "Daftar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buat akun")
    checked(page, "buyer-02-register")
    register_through_pages(page, name="Maria Goreti", email="maria@example.com",
                           password=PASSWORD)
    verify_email_through_mail(page, "maria@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun Anda")
    expect(page.get_by_text("terverifikasi", exact=True)).to_be_visible()
    checked(page, "buyer-03-account")

    # A search that needs the stemmer: "menganyam" (to weave) finds "Anyaman" (woven work).
    search_from_header(page, "menganyam")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Anyaman Rotan Tas Jinjing")).to_be_visible()
    expect(results.get_by_text("Kopi Bubuk Robusta Ledo")).to_have_count(0)
    checked(page, "buyer-04-search")
    results.get_by_role("link", name="Anyaman Rotan Tas Jinjing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anyaman Rotan Tas Jinjing")
    checked(page, "buyer-05-product")
    expect(cart_count(page)).to_have_text("")
    add_to_cart(page)

    # A typo ("kopii") still finds the coffee, of the second cooperative.
    search_from_header(page, "kopii")
    expect(results.get_by_text("Lada Putih Seluas")).to_have_count(0)
    results.get_by_role("link", name="Kopi Bubuk Robusta Ledo").click()
    add_to_cart(page, quantity=2)

    # The cart: one group per cooperative, each with its shipping.
    page.locator("#cart-link").click()
    crafts = page.get_by_role("region", name="Koperasi Pengrajin Jagoi Babang")
    coffee = page.get_by_role("region", name="Koperasi Kopi Sanggau Ledo")
    expect(crafts.get_by_label("Ambil di koperasi")).to_be_checked()
    expect(crafts.get_by_text("Total Rp150.000")).to_be_visible()
    expect(coffee.get_by_text("Total Rp88.000")).to_be_visible()  # 2 × 35.000 + JNE 18.000
    expect(page.locator("#cart-total")).to_have_text("Total tagihan: Rp238.000")
    crafts.get_by_label("Kurir Jagoi").check()  # htmx sends the choice on change
    expect(crafts.get_by_text("Total Rp160.000")).to_be_visible()
    expect(page.locator("#cart-total")).to_have_text("Total tagihan: Rp248.000")
    checked(page, "buyer-06-cart")

    # The checkout: the address, two orders, paid by bank transfer.
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_label("Nama penerima")).to_have_value("Maria Goreti")
    fill_checkout_address(page)
    expect(page.get_by_text("2 pesanan, satu untuk tiap koperasi.")).to_be_visible()
    expect(page.get_by_role("region", name="Koperasi Pengrajin Jagoi Babang")).to_contain_text(
        "Kurir Jagoi · Rp10.000"
    )
    expect(page.locator("#checkout-total")).to_have_text("Total tagihan: Rp248.000")
    checked(page, "buyer-07-checkout")
    place_order(page, method="Transfer bank")

    # Where to pay, and the proof of the transfer.
    payment = Payment.objects.get(checkout__buyer__email="maria@example.com")
    assert payment.amount == 248_000
    transfer = page.get_by_role("region", name="Bayar dengan transfer bank")
    expect(transfer).to_contain_text(settings.BANK_TRANSFER_BANK)
    expect(page.locator("#transfer-account")).to_have_text(settings.BANK_TRANSFER_ACCOUNT_NUMBER)
    expect(transfer).to_contain_text(settings.BANK_TRANSFER_ACCOUNT_NAME)
    expect(page.locator("#transfer-amount")).to_have_text("Rp248.000")
    expect(page.locator("#transfer-reference")).to_have_text(re.compile(r"^PK\d{6}$"))
    expect(page.locator("#transfer-reference")).to_have_text(payment.transfer_reference)
    checked(page, "buyer-08-payment")
    page.get_by_label("Foto atau PDF bukti transfer").set_input_files(proof_png(tmp_path))
    page.get_by_role("button", name="Kirim bukti").click()
    expect(page.locator(".messages")).to_have_text(
        "Bukti sudah diterima, kami akan mengonfirmasinya."
    )
    payment.refresh_from_db()
    assert payment.proof

    # Finance sees the money arrive; the orders page, reloaded, shows both orders paid.
    header_link(page, "Pesanan").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Menunggu pembayaran")).to_have_count(2)
    payment_confirm_transfer(actor=finance_staff(), payment=payment)
    page.reload()
    expect(rows.filter(has_text="Dibayar")).to_have_count(2)
    checked(page, "buyer-09-orders")

    # The craft cooperative accepts and ships; the buyer follows the order and confirms receipt.
    order = Order.objects.get(cooperative=market.rattan.cooperative)
    lifecycle.order_accept(order_pk=order.pk, actor=market.craft_staff)
    lifecycle.order_ship(order_pk=order.pk, actor=market.craft_staff, carrier="Kurir Jagoi",
                         tracking_number="JGB-240117")
    page.get_by_role("link", name=order.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pesanan {order.number}")
    expect(page.get_by_text("JGB-240117")).to_be_visible()
    timeline = page.locator(".timeline > li strong")
    expect(timeline).to_have_text(
        ["Pesanan dibuat", "Pesanan dibayar", "Pesanan diterima", "Pesanan dikirim"]
    )
    checked(page, "buyer-10-order-shipped")
    page.get_by_role("button", name="Pesanan diterima", exact=True).click()
    expect(page.locator(".messages")).to_have_text("Terima kasih: pesanan ditandai sudah diterima.")
    expect(timeline.last).to_have_text("Pesanan sampai")
    expect(page.get_by_role("button", name="Pesanan diterima", exact=True)).to_have_count(0)

    # A review of the line, which the product page then shows with its rating.
    review = page.get_by_role("group", name="Rating Anda untuk Anyaman Rotan Tas Jinjing")
    review.get_by_label("5 bintang").check()
    page.get_by_label("Ulasan Anda").fill("Anyamannya rapi dan kuat, sesuai foto.")
    page.get_by_role("button", name="Kirim ulasan").click()
    expect(page.locator(".messages")).to_have_text("Terima kasih atas ulasan Anda.")
    checked(page, "buyer-11-order-reviewed")
    page.goto(f"/products/{market.rattan.pk}/")
    reviews = page.get_by_role("region", name="Ulasan")
    expect(reviews.get_by_text("Anyamannya rapi dan kuat, sesuai foto.")).to_be_visible()
    expect(reviews.get_by_text("Maria", exact=True)).to_be_visible()  # first name only
    expect(reviews.get_by_text("5 dari 5 bintang")).to_be_attached()
    rating = page.get_by_role("link", name=re.compile(r"Rating 5,0 dari 5 \(1 ulasan\)"))
    expect(rating).to_be_visible()  # at the top, linking to the reviews
    checked(page, "buyer-12-product-reviewed")


def test_a_buyer_who_logs_in_orders_cash_on_delivery_then_cancels_and_the_stock_returns(page):
    market = market_of_two_cooperatives()
    UserFactory(email="yohana@example.com", name="Yohana Ria", password=PASSWORD)
    variant = Variant.objects.get(product=market.coffee)
    page.goto(f"/products/{market.coffee.pk}/")

    header_link(page, "Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    checked(page, "cod-01-login")
    log_in_through_pages(page, email="yohana@example.com", password=PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kopi Bubuk Robusta Ledo")
    add_to_cart(page, quantity=3)

    page.locator("#cart-link").click()
    # 3 × 35.000 + JNE 18.000
    expect(page.locator("#cart-total")).to_have_text("Total tagihan: Rp123.000")
    page.get_by_role("link", name="Checkout").click()
    fill_checkout_address(page)
    place_order(page, method="COD (bayar di tempat)")
    assert Variant.objects.get(pk=variant.pk).stock == 17

    # Nothing to transfer: the courier is paid at the door.
    expect(page.get_by_text("Bayar Rp123.000 ke kurir saat pesanan sampai.")).to_be_visible()
    expect(page.get_by_role("region", name="Bayar dengan transfer bank")).to_have_count(0)
    checked(page, "cod-02-payment")
    order = Order.objects.get(buyer__email="yohana@example.com")
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("main .pill").first).to_have_text("Menunggu pembayaran")
    expect(page.get_by_text("COD (bayar di tempat) · Menunggu")).to_be_visible()
    expect(page.get_by_role("link", name="Bayar sekarang")).to_have_count(0)
    checked(page, "cod-03-order")

    page.get_by_label("Mengapa Anda membatalkan?").fill("Salah pilih jumlah, nanti pesan lagi.")
    page.get_by_role("button", name="Batalkan pesanan").click()
    expect(page.locator(".messages")).to_have_text("Pesanan dibatalkan.")
    expect(page.locator("main .pill").first).to_have_text("Dibatalkan")
    expect(page.locator(".timeline > li").last).to_contain_text("Salah pilih jumlah")
    expect(page.get_by_role("button", name="Batalkan pesanan")).to_have_count(0)
    checked(page, "cod-04-order-cancelled")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == "Salah pilih jumlah, nanti pesan lagi."
    assert Variant.objects.get(pk=variant.pk).stock == 20
