"""The market page (`/`) in Chromium: on a desktop, on a phone, without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import assert_nothing_overflows, axe_check, screenshot
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def products():
    ProductFactory(name="Kopi Robusta Ledo", variants=[{"price": 45000}])
    ProductFactory(name="Kopi Liberika Kayong Utara Sangrai Sedang", variants=[{"price": 62500}])
    ProductFactory(name="Lada Putih Seluas", variants=[{"price": 120000}])
    ProductFactory(name="Tikar Anyaman Pandan Motif Dayak", variants=[{"price": 175000}])


def search(page, words: str) -> None:
    """Type into the market page's own search box and submit it, as a buyer does."""
    box = page.get_by_role("main").get_by_role("searchbox")
    box.fill(words)
    box.press("Enter")


def test_the_market_page_shows_the_products_with_their_prices(page, products):
    page.goto("/")

    expect(page.get_by_text("Kopi Robusta Ledo")).to_be_visible()
    expect(page.get_by_text("Rp45.000")).to_be_visible()
    expect(page.get_by_text("Tikar Anyaman Pandan Motif Dayak")).to_be_visible()
    screenshot(page, "market-desktop")


def test_searching_kopi_from_the_box_shows_only_the_coffee(page, products):
    page.goto("/")

    search(page, "kopi")

    expect(page).to_have_url(re.compile(r"[?&]q=kopi(&|$)"))
    expect(page.get_by_text("Kopi Robusta Ledo")).to_be_visible()
    expect(page.get_by_text("Kopi Liberika Kayong Utara Sangrai Sedang")).to_be_visible()
    expect(page.get_by_text("Lada Putih Seluas")).to_have_count(0)


def test_the_market_page_has_no_serious_accessibility_violation(page, products):
    page.goto("/")

    axe_check(page)


def test_on_a_phone_nothing_on_the_market_page_overflows(open_page, products):
    page = open_page(phone=True)
    page.goto("/")

    expect(page.get_by_text("Kopi Robusta Ledo")).to_be_visible()
    assert_nothing_overflows(page)
    screenshot(page, "market-phone")


def test_without_javascript_the_search_still_works(open_page, products):
    page = open_page(javascript=False)
    page.goto("/")

    search(page, "kopi")

    expect(page).to_have_url(re.compile(r"[?&]q=kopi(&|$)"))
    expect(page.get_by_text("Kopi Robusta Ledo")).to_be_visible()
    expect(page.get_by_text("Lada Putih Seluas")).to_have_count(0)
