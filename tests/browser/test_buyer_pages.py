"""The buyer's pages in Chromium: without JavaScript, on a phone, in English; and the
README's screenshots (SCREENSHOTS_FOR_README=1).

Pages opened without JavaScript are checked with axe in a second, JavaScript-enabled
page of the same user (axe cannot run without it).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from market.models import User
from market.templatetags.money import rupiah
from orders.models import Order
from orders.services.cart import cart_item_add
from payments.models import Payment
from tests.browser.checks import (
    assert_nothing_overflows,
    axe_check,
    save_small_png,
    screenshot,
)
from tests.browser.flows import (
    add_to_cart_without_javascript,
    cooperative_with_shipping,
    fill_checkout_address,
    log_in_through_pages,
    place_order,
    product_on_sale,
    register_through_pages,
    search_from_header,
    woven_market,
)
from tests.factories import ReviewFactory, UserFactory
from tests.payments.test_proof_files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tikar-Pandan-2026"
FRENCH = "fr-FR,fr;q=0.9"


def checked_with_javascript(checker, page) -> None:
    """axe on the page `page` shows, opened in `checker` (the same user, JavaScript on)."""
    checker.goto(page.url)
    axe_check(checker)


def cart_row(page, product: Product):
    return page.get_by_role("row").filter(has_text=product.name)


def header_link(page, name: str):
    """A link of the header by the start of its name (the cart's carries its count)."""
    return page.get_by_role("banner").get_by_role("link", name=re.compile(rf"^{name}\b"))


def images_loaded(page) -> None:
    """Every photo in the viewport has arrived (lazy ones below it need not)."""
    page.wait_for_function("""() => [...document.images]
        .filter(image => image.getBoundingClientRect().top < innerHeight)
        .every(image => image.complete && image.naturalWidth > 0)""")


def choose_language_in_footer(page, language: str) -> None:
    footer = page.get_by_role("contentinfo")
    footer.get_by_label(re.compile(r"^(Bahasa|Language)$")).select_option(label=language)
    footer.get_by_role("button").click()


# ---------------------------------------------------------------- without JavaScript


def test_without_javascript_a_new_buyer_fills_the_cart_from_two_cooperatives_and_sends_a_proof(
    open_page, log_in
):
    market = woven_market()
    page = open_page(javascript=False)
    checker = open_page()
    page.goto("/")
    checked_with_javascript(checker, page)

    header_link(page, "Daftar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buat akun")
    checked_with_javascript(checker, page)
    register_through_pages(page, name="Yohana Ria", email="yohana@example.com", password=PASSWORD)
    buyer = User.objects.get(email="yohana@example.com")
    log_in(checker, buyer)

    # "menganyam" (to weave) finds "anyaman" (woven) through the Indonesian stemmer.
    search_from_header(page, "menganyam")
    results = page.get_by_role("main")
    for product in (market.bag, market.mat, market.basket):
        expect(results.get_by_role("link", name=product.name)).to_be_visible()
    expect(results.get_by_text(market.coffee.name)).to_have_count(0)
    search_results = page.url
    checked_with_javascript(checker, page)

    results.get_by_role("link", name=market.bag.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(market.bag.name)
    checked_with_javascript(checker, page)
    add_to_cart_without_javascript(page, variant="Besar")
    for product, quantity in ((market.mat, 1), (market.basket, 2)):
        page.goto(search_results)
        page.get_by_role("main").get_by_role("link", name=product.name).click()
        add_to_cart_without_javascript(page, variant=product.variants.get().name,
                                       quantity=quantity)

    header_link(page, "Keranjang").click()
    for cooperative in ("Koperasi Pengrajin Rotan Jagoi Babang", "Koperasi Wanita Anyaman Seluas"):
        expect(page.get_by_role("heading", name=cooperative)).to_be_visible()
    page.get_by_label(f"Jumlah {market.mat.name}").fill("2")
    cart_row(page, market.mat).get_by_role("button", name="Perbarui").click()
    expect(cart_row(page, market.mat)).to_contain_text(rupiah(520_000))
    cart_row(page, market.bag).get_by_role("button", name="Hapus").click()
    expect(cart_row(page, market.bag)).to_have_count(0)
    page.get_by_label("Ambil di koperasi").check()
    page.get_by_role("button", name="Pakai pengiriman ini").click()
    expect(page.get_by_label("Ambil di koperasi")).to_be_checked()
    # Jagoi Babang: 2 x Rp260.000, picked up; Seluas: 2 x Rp45.000 and Rp18.000 by JNE.
    expect(page.locator("#cart-total")).to_have_text(f"Total tagihan: {rupiah(628_000)}")
    checked_with_javascript(checker, page)

    page.get_by_role("main").get_by_role("link", name="Checkout").click()
    expect(page.get_by_label("Nama penerima")).to_have_value("Yohana Ria")
    expect(page.locator("#checkout-total")).to_have_text(f"Total tagihan: {rupiah(628_000)}")
    checked_with_javascript(checker, page)
    fill_checkout_address(page)
    place_order(page, method="Transfer bank")

    payment = Payment.objects.get(checkout__buyer=buyer)
    transfer = page.get_by_role("region", name="Bayar dengan transfer bank")
    expect(transfer.locator("#transfer-amount")).to_have_text(rupiah(628_000))
    expect(transfer.locator("#transfer-reference")).to_have_text(payment.transfer_reference)
    for cooperative, total in (("Jagoi Babang", 520_000), ("Seluas", 108_000)):
        order = page.get_by_role("listitem").filter(has_text=cooperative)
        expect(order).to_contain_text(rupiah(total))
    checked_with_javascript(checker, page)

    page.get_by_label("Foto atau PDF bukti transfer").set_input_files(files=[{
        "name": "bukti-transfer.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(),
    }])
    page.get_by_role("button", name="Kirim bukti").click()

    received = "Bukti sudah diterima, kami akan mengonfirmasinya."
    expect(page.get_by_role("status").filter(has_text=received)).to_have_count(2)
    expect(page.get_by_label("Kirim foto atau PDF bukti transfer yang lain")).to_be_attached()
    checked_with_javascript(checker, page)
    payment.refresh_from_db()
    assert payment.proof.name.endswith(".pdf")
    assert payment.status == Payment.Status.PENDING  # until finance confirms the transfer
    assert sorted(Order.objects.filter(buyer=buyer).values_list("total", flat=True)) == [
        108_000, 520_000
    ]
    assert not buyer.cart_items.exists()


# ---------------------------------------------------------------- on a phone


def test_on_a_phone_the_market_product_cart_and_checkout_fit_the_screen(open_page, log_in):
    market = woven_market()
    ReviewFactory(product=market.bag, rating=5, text="Rapi dan kuat, dipakai ke ladang tiap hari.")
    buyer = UserFactory(name="Yohana Ria")
    for product, quantity in ((market.bag, 1), (market.mat, 2), (market.basket, 3)):
        cart_item_add(user=buyer, variant_pk=product.variants.first().pk, quantity=quantity)
    page = open_page(phone=True)
    log_in(page, buyer)
    pages = [
        ("/", market.mat.name, ""),
        ("/search/?q=anyaman", market.basket.name, ""),
        (f"/products/{market.bag.pk}/", "Tambah ke keranjang", "phone-product"),
        ("/cart/", "Koperasi Wanita Anyaman Seluas", "phone-cart"),
        ("/checkout/", "Koperasi Wanita Anyaman Seluas", "phone-checkout"),
    ]

    for path, shown, name in pages:
        page.goto(path)
        expect(page.get_by_text(shown).first).to_be_visible()
        images_loaded(page)
        assert_nothing_overflows(page)
        axe_check(page)
        if name:
            screenshot(page, name)


# ---------------------------------------------------------------- languages


def test_a_new_visitor_reads_the_market_in_indonesian(page):
    product = product_on_sale(
        cooperative_with_shipping(name="Koperasi Kopi Ledo", district_code="61.07.03",
                                  shipping=[("Kurir Ledo", 10_000)]),
        name="Kopi Robusta Ledo", category="kopi-teh", variants=[("250 g", 35_000)],
    )
    # A browser asking for neither language the market speaks: the default answers.
    page.route("**/*", lambda route: route.continue_(
        headers={**route.request.headers, "accept-language": FRENCH}
    ))

    response = page.goto("/")
    assert response.request.all_headers()["accept-language"] == FRENCH
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(header_link(page, "Keranjang")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Cari")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=product.name).click()
    expect(page.get_by_role("button", name="Tambah ke keranjang")).to_be_visible()
    axe_check(page)


def test_english_chosen_in_the_footer_stays_on_the_next_pages(page):
    product = product_on_sale(
        cooperative_with_shipping(name="Koperasi Kopi Ledo", district_code="61.07.03",
                                  shipping=[("Kurir Ledo", 10_000)]),
        name="Kopi Robusta Ledo", category="kopi-teh", variants=[("250 g", 35_000)],
    )
    page.goto("/")

    choose_language_in_footer(page, "English")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Products of the cooperatives")
    expect(header_link(page, "Cart")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Search")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=product.name).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    axe_check(page)


def test_a_buyer_who_chose_english_has_it_again_after_logging_out_and_in(page, open_page):
    market = woven_market()
    buyer = UserFactory(email="yohana@example.com", password=PASSWORD)
    cart_item_add(user=buyer, variant_pk=market.basket.variants.get().pk, quantity=1)
    page.goto("/cart/")
    axe_check(page)
    log_in_through_pages(page, email=buyer.email, password=PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Keranjang Anda")

    choose_language_in_footer(page, "English")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=market.basket.name).click()
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    header_link(page, "Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the cookie, logged out

    # Another browser: nothing of this one's cookies, Indonesian until the buyer logs in.
    elsewhere = open_page()
    elsewhere.goto("/cart/")
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Masuk")
    axe_check(elsewhere)
    elsewhere.get_by_label("E-mail").fill(buyer.email)
    elsewhere.get_by_label("Kata sandi").fill(PASSWORD)
    elsewhere.get_by_role("button", name="Masuk").click()

    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    expect(header_link(elsewhere, "Cart")).to_be_visible()
    axe_check(elsewhere)
    buyer.refresh_from_db()
    assert buyer.language == "en"


# ---------------------------------------------------------------- the README's screenshots


def readme_market() -> Product:
    """Three cooperatives and eight products with photos; returns the honey, reviewed."""
    ledo = cooperative_with_shipping(name="Koperasi Produsen Kopi Ledo", district_code="61.07.03",
                                     shipping=[("Kurir Ledo", 10_000)])
    jagoi = cooperative_with_shipping(name="Koperasi Pengrajin Jagoi Babang",
                                      district_code="61.07.07",
                                      shipping=[("Kurir Jagoi", 12_000), ("Ambil sendiri", 0)])
    seluas = cooperative_with_shipping(name="Koperasi Tani Makmur Seluas",
                                       district_code="61.07.05",
                                       shipping=[("JNE Reguler", 18_000)])
    offers = [  # the home page shows the newest first
        (seluas, "Beras Merah Organik Seluas", "beras", [("1 kg", 22_000), ("5 kg", 105_000)],
         "rice"),
        (jagoi, "Kain Tenun Ikat Dayak Bakati", "tenun-kain",
         [("Selendang", 250_000), ("Kain 2 m", 450_000)], "cloth"),
        (ledo, "Cokelat Batang Bengkayang 70%", "kakao", [("50 g", 18_000)], "chocolate"),
        (jagoi, "Tikar Anyaman Pandan", "anyaman", [("1 x 2 m", 120_000)], "mat"),
        (seluas, "Lada Putih Seluas", "lada", [("250 g", 45_000), ("1 kg", 165_000)], "pepper"),
        (jagoi, "Tas Anyaman Rotan Dayak", "anyaman", [("Sedang", 175_000)], "rattan"),
        (ledo, "Kopi Robusta Ledo", "kopi-teh", [("250 g", 35_000), ("1 kg", 120_000)], "coffee"),
    ]
    for cooperative, name, category, variants, photo in offers:
        product_on_sale(cooperative, name=name, category=category, variants=variants,
                        photo=photo)
    honey = product_on_sale(
        ledo, name="Madu Kelulut Hutan Bengkayang", category="gula-aren-madu",
        variants=[("250 ml", 95_000), ("500 ml", 180_000)], photo="honey",
        description="Madu lebah kelulut dari hutan Bengkayang, rasa manis asam segar. "
                    "Dipanen lestari oleh anggota koperasi.",
    )
    ReviewFactory(product=honey, rating=5, buyer=UserFactory(name="Maria Lestari"),
                  text="Madunya asli, asamnya segar. Dikirim rapi dalam dua hari.")
    return honey


def test_the_readme_screenshots_show_the_market_and_a_product_on_a_phone(page, open_page):
    if os.environ.get("SCREENSHOTS_FOR_README") != "1":
        pytest.skip("writes docs/screenshots/ only when SCREENSHOTS_FOR_README=1")
    honey = readme_market()

    page.goto("/")
    expect(page.get_by_role("link", name="Kopi Robusta Ledo")).to_be_visible()
    images_loaded(page)
    save_small_png(page.screenshot(), "market.png")

    phone = open_page(phone=True)
    phone.goto(f"/products/{honey.pk}/")
    expect(phone.get_by_text("Madunya asli")).to_be_attached()
    # Down to the variants: most of the photo, the rating, the cooperative and the sizes.
    phone.get_by_role("group", name="Pilih").evaluate(
        "choices => scrollBy(0, choices.getBoundingClientRect().bottom - innerHeight + 16)"
    )
    images_loaded(phone)
    save_small_png(phone.screenshot(), "product-phone.png")
