"""A cooperative's staff member adds fifty products at once from the XLSX template, in Chromium.

The template is downloaded from the page and filled in with openpyxl, as a spreadsheet
program would; the pages are read in English (the staff member's language).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import Product, ProductImport
from tests.browser.checks import assert_nothing_overflows, axe_check, screenshot
from tests.catalog.bulk_files import filled, product_rows
from tests.factories import CooperativeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def downloaded_template(page) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (XLSX)").click()
    return Path(download.value.path()).read_bytes()


def upload_file(page, path: Path) -> None:
    page.get_by_label("Filled-in template (XLSX)").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()


def test_a_staff_member_uploads_fifty_products_fixes_a_bad_row_and_applies_the_file(
    page, log_in, tmp_path, browser_errors
):
    browser_errors.ignore("status of 400")  # the refused file's page, shown with its errors
    cooperative = CooperativeFactory(name="Koperasi Kopi Sanggau Ledo", slug="kopi-ledo")
    log_in(page, MembershipFactory(cooperative=cooperative, user__language="en").user)

    page.goto("/office/kopi-ledo/")
    page.get_by_role("link", name="Bulk upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk upload of products")
    axe_check(page)
    template = downloaded_template(page)

    # Fifty rows, one with a negative price: refused whole, the row named.
    rows = product_rows(50)
    rows[16]["price"] = -25_000
    bad = tmp_path / "produk.xlsx"
    bad.write_bytes(filled(template, rows))
    upload_file(page, bad)

    errors = page.locator("#bulk-errors")
    expect(errors.get_by_role("heading")).to_have_text("The file has 1 error; nothing was saved")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody td").first).to_have_text("18")
    expect(errors.locator("tbody td").nth(1)).to_have_text("price")
    axe_check(page)
    screenshot(page, "office-bulk-errors")
    assert not Product.objects.filter(cooperative=cooperative).exists()
    assert not ProductImport.objects.exists()

    # The row fixed: checked, counted, then applied.
    rows[16]["price"] = 25_000
    fixed = tmp_path / "produk-benar.xlsx"
    fixed.write_bytes(filled(template, rows))
    upload_file(page, fixed)
    expect(page.get_by_role("status")).to_contain_text("50 rows make 50 products")
    axe_check(page)
    screenshot(page, "office-bulk-preview")
    page.get_by_role("button", name="Apply: add the products").click()

    expect(page.get_by_role("status")).to_contain_text("50 products were added.")
    assert Product.objects.filter(cooperative=cooperative).count() == 50
    page.get_by_role("link", name="See the products").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")
    page.locator("#products-q").fill("KOPI-0017")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#office-products")).to_contain_text("Kopi Uji 17")


def test_the_bulk_page_fits_a_phone_and_the_upload_works_without_javascript(
    open_page, log_in, tmp_path
):
    cooperative = CooperativeFactory(slug="kopi-ledo")
    page = open_page(phone=True, javascript=False)
    log_in(page, MembershipFactory(cooperative=cooperative, user__language="en").user)
    page.goto("/office/kopi-ledo/bulk/")
    assert_nothing_overflows(page)
    template = page.context.request.get("/office/kopi-ledo/bulk/template.xlsx").body()
    path = tmp_path / "produk.xlsx"
    path.write_bytes(filled(template, product_rows(3)))

    upload_file(page, path)
    page.get_by_role("button", name="Apply: add the products").click()

    expect(page.get_by_text("3 products were added.")).to_be_visible()
    assert_nothing_overflows(page)
    assert Product.objects.filter(cooperative=cooperative).count() == 3
