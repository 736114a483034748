"""A cooperative's staff member runs the catalog from the back office, in Chromium.

The pages are read in English (the staff member's language), controls found by label or id.
"""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from catalog.models import Product, Variant
from tests.browser.checks import assert_nothing_overflows, axe_check, screenshot
from tests.factories import CooperativeFactory, MembershipFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_member_of(cooperative):
    membership = MembershipFactory(cooperative=cooperative, role="staff",
                                   user__language="en")
    return membership.user


def product_png(folder):
    path = folder / "kopi.png"
    Image.new("RGB", (320, 320), (168, 116, 67)).save(path, format="PNG")
    return path


def fill_variant(page, row: int, *, sku: str, name: str, price: int, stock: int) -> None:
    page.locator(f"#id_variants-{row}-sku").fill(sku)
    page.locator(f"#id_variants-{row}-name").fill(name)
    page.locator(f"#id_variants-{row}-price").fill(str(price))
    page.locator(f"#id_variants-{row}-stock").fill(str(stock))


def test_a_staff_member_adds_a_product_with_a_photo_publishes_it_and_counts_its_stock(
    page, log_in, tmp_path
):
    cooperative = CooperativeFactory(name="Koperasi Kopi Sanggau Ledo", slug="kopi-ledo")
    log_in(page, staff_member_of(cooperative))

    page.goto("/office/kopi-ledo/products/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")
    page.get_by_role("link", name="New product").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("New product")
    page.get_by_label("Name", exact=True).fill("Kopi Bubuk Robusta Ledo")
    page.get_by_label("Description").fill("Robusta Sanggau Ledo, disangrai sedang.")
    page.get_by_label("Category").select_option("kopi-teh")
    page.get_by_label("Weight (grams)").fill("250")
    fill_variant(page, 0, sku="ROB-250", name="250 g", price=35_000, stock=20)
    fill_variant(page, 1, sku="ROB-1000", name="1 kg", price=120_000, stock=5)
    axe_check(page)
    page.get_by_role("button", name="Save product").click()

    expect(page.get_by_role("status")).to_contain_text("The product is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kopi Bubuk Robusta Ledo")
    product = Product.objects.get(name="Kopi Bubuk Robusta Ledo")
    assert (product.status, product.price, product.variants.count()) == ("draft", 35_000, 2)

    # The photo: shown as soon as it is chosen (JavaScript), then in the list of photos.
    page.get_by_label("Add a photo").set_input_files(product_png(tmp_path))
    expect(page.locator("#image-preview img")).to_be_visible()
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_role("status")).to_contain_text("The photo is uploaded.")
    expect(page.locator("#photo-list img")).to_have_count(1)
    assert product.images.count() == 1

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("The product is on sale.")
    expect(page.get_by_role("link", name="See it in the market")).to_be_visible()
    axe_check(page)
    # Last on the page: after a full-page screenshot, Chromium may drop the next click.
    screenshot(page, "office-product-form")

    # The stock counted from the list: htmx swaps the product's row, no reload.
    page.goto("/office/kopi-ledo/products/")
    row = page.locator(f"#product-{product.pk}")
    expect(row).to_contain_text("Kopi Bubuk Robusta Ledo")
    expect(row.locator("td.num").nth(1)).to_have_text("25")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    small = product.variants.get(sku="ROB-250")
    page.locator(f"#stock-{small.pk}").fill("32")
    row.get_by_role("button", name="Save 250 g").click()
    expect(row.get_by_role("status")).to_have_text("Saved.")
    expect(row.locator("td.num").nth(1)).to_have_text("37")
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    assert Variant.objects.get(pk=small.pk).stock == 32
    axe_check(page)
    screenshot(page, "office-products")

    # In the market now: its search finds it.
    page.goto("/search/?q=robusta")
    expect(page.get_by_role("link", name=re.compile("Kopi Bubuk Robusta Ledo"))).to_be_visible()


def test_without_javascript_a_stock_count_goes_back_to_the_filtered_list(open_page, log_in):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    product = ProductFactory(cooperative=cooperative, name="Lada Putih Seluas", status="draft",
                             variants=[{"sku": "LADA-100", "name": "100 g", "stock": 12}])
    page = open_page(javascript=False)
    log_in(page, staff_member_of(cooperative))
    variant = product.variants.get()

    page.goto("/office/kopi-ledo/products/?status=draft")
    page.locator(f"#stock-{variant.pk}").fill("4")
    page.get_by_role("button", name="Save 100 g").click()

    expect(page.get_by_role("status")).to_contain_text("Stock of")
    assert re.search(r"/office/kopi-ledo/products/\?status=draft$", page.url)
    expect(page.locator(f"#stock-{variant.pk}")).to_have_value("4")


def test_the_product_pages_fit_a_phone(open_page, log_in):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    product = ProductFactory(
        cooperative=cooperative,
        name="Tikar Anyaman Pandan Berduri Motif Dayak Bakati Ukuran Keluarga 2 x 3 m",
        variants=[{"name": "2 x 3 m"}, {"name": "1 x 2 m"}],
    )
    page = open_page(phone=True)
    log_in(page, staff_member_of(cooperative))

    for path in ("/office/kopi-ledo/products/", f"/office/kopi-ledo/products/{product.pk}/"):
        page.goto(path)
        assert_nothing_overflows(page)
