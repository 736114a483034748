"""The cooperative back office in Chromium: the staff of two cooperatives each accept and ship
their part of one checkout, the buyer confirms receipt; the pages on a phone; axe on each;
and the README's screenshot of the dashboard (SCREENSHOTS_FOR_README=1).

The users read the pages in English (language="en"), whatever the catalog holds.
"""

import datetime
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Product
from market.models import User
from market.services.cooperatives import rat_record
from orders.models import Order
from orders.services import lifecycle
from payments.services import payment_confirm_transfer
from tests.browser.checks import (
    assert_nothing_overflows,
    axe_check,
    save_small_png,
    screenshot,
)
from tests.browser.flows import (
    cooperative_with_shipping,
    finance_staff,
    market_of_two_cooperatives,
    product_on_sale,
)
from tests.factories import MembershipFactory, UserFactory, checkout_placed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def in_english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def office_nav(page):
    return page.get_by_role("navigation", name="Back office")


def accept_and_ship(page, number: str, *, tracking_number: str) -> None:
    """On the orders page: open the order, accept it, ship it with JNE and `tracking_number`."""
    page.locator("#office-orders").get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    page.get_by_role("button", name="Accept the order").click()
    expect(page.get_by_role("status").filter(has_text="The order is accepted.")).to_be_visible()
    page.get_by_label("Carrier").fill("JNE")
    page.get_by_label("Tracking number").fill(tracking_number)
    page.get_by_role("button", name="Mark as shipped").click()
    expect(page.get_by_role("status").filter(has_text="The order is shipped.")).to_be_visible()
    expect(page.locator("#tracking-number")).to_have_text(tracking_number)
    expect(page.get_by_role("button", name="Accept the order")).to_have_count(0)


def test_two_cooperatives_ship_their_parts_of_one_checkout_and_the_buyer_confirms(
    open_page, log_in
):
    market = market_of_two_cooperatives()
    buyer = in_english(UserFactory(name="Maria Goreti"))
    checkout = checkout_placed(buyer, [(market.rattan.variants.get(), 1),
                                       (market.coffee.variants.get(), 2)])
    payment_confirm_transfer(actor=finance_staff(), payment=checkout.payment)
    craft_order = checkout.orders.get(cooperative=market.rattan.cooperative)
    coffee_order = checkout.orders.get(cooperative=market.coffee.cooperative)

    parts = [(market.craft_staff, craft_order, coffee_order, "JNE-100200300"),
             (market.coffee_staff, coffee_order, craft_order, "JNE-400500600")]
    for number, (staff, own, other, tracking_number) in enumerate(parts):
        page = open_page()
        log_in(page, in_english(staff))
        page.goto("/office/")  # one cooperative: straight to its dashboard
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        to_accept = page.locator("section").filter(has=page.locator("#to-accept-title"))
        expect(to_accept.get_by_role("link", name=own.number)).to_be_visible()
        expect(page.get_by_text(other.number)).to_have_count(0)
        if number == 0:
            axe_check(page)
            screenshot(page, "office-dashboard")

        office_nav(page).get_by_role("link", name="Orders").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
        expect(page.locator("#office-orders").get_by_role("link", name=own.number)).to_be_visible()
        expect(page.get_by_text(other.number)).to_have_count(0)
        if number == 0:
            axe_check(page)
            screenshot(page, "office-orders")
        accept_and_ship(page, own.number, tracking_number=tracking_number)
        if number == 0:
            axe_check(page)
            screenshot(page, "office-order")

        # The status filter swaps the list (htmx): the order is among the shipped ones.
        page.goto(f"/office/{own.cooperative.slug}/orders/")
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.get_by_label("Status").select_option("shipped")
        expect(page).to_have_url(f"/office/{own.cooperative.slug}/orders/?status=shipped")
        expect(page.locator("#office-orders").get_by_role("link", name=own.number)).to_be_visible()
        assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"

    buyer_page = open_page()
    log_in(buyer_page, buyer)
    for order, tracking_number in [(craft_order, "JNE-100200300"),
                                   (coffee_order, "JNE-400500600")]:
        buyer_page.goto(f"/orders/{order.number}/")
        expect(buyer_page.get_by_text(tracking_number)).to_be_visible()
        buyer_page.get_by_role("button", name="Order received").click()
        expect(buyer_page.get_by_role("status").filter(
            has_text="Thank you: the order is marked as received.")).to_be_visible()
    assert set(checkout.orders.values_list("status", flat=True)) == {Order.Status.DELIVERED}


def test_the_money_page_passes_axe_for_the_owner(page, log_in):
    market = market_of_two_cooperatives()
    cooperative = market.rattan.cooperative
    owner = in_english(MembershipFactory(cooperative=cooperative, role="owner").user)
    log_in(page, owner)
    page.goto(f"/office/{cooperative.slug}/money/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Money")
    axe_check(page)
    screenshot(page, "office-money")


def test_the_back_office_fits_a_phone(open_page, log_in):
    market = market_of_two_cooperatives()
    cooperative = market.coffee.cooperative
    buyer = UserFactory(name="Fransiskus Xaverius Aloysius Gonzaga Pamungkas")
    for _ in range(3):
        checkout = checkout_placed(buyer, [(market.coffee.variants.get(), 1),
                                           (market.pepper.variants.get(), 1)])
        payment_confirm_transfer(actor=finance_staff(), payment=checkout.payment)
    order = cooperative.orders.order_by("pk").first()
    owner = in_english(MembershipFactory(cooperative=cooperative, role="owner").user)

    phone = open_page(phone=True)
    log_in(phone, owner)
    for path in ["orders/", f"orders/{order.number}/", "", "money/"]:
        phone.goto(f"/office/{cooperative.slug}/{path}")
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert_nothing_overflows(phone)
    phone.goto(f"/office/{cooperative.slug}/orders/")
    screenshot(phone, "office-orders-phone")

    # Without JavaScript the filter is a plain form, and accepting a plain post.
    plain = open_page(javascript=False)
    log_in(plain, owner)
    plain.goto(f"/office/{cooperative.slug}/orders/")
    plain.get_by_label("Status").select_option("paid")
    plain.get_by_role("button", name="Apply").click()
    expect(plain).to_have_url(f"/office/{cooperative.slug}/orders/?status=paid")
    plain.locator("#office-orders").get_by_role("link", name=order.number).click()
    plain.get_by_role("button", name="Accept the order").click()
    expect(plain.get_by_text("The order is accepted.")).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


# ---------------------------------------------------------------- the README's screenshot


def sales_of_30_days(cooperative, products: list[Product]) -> None:
    """Orders paid on each of the last 30 days (a few a day, more on market days), through
    checkout and the finance desk's confirmation, so the daily figures come from real events;
    most are shipped and delivered, a few wait for the cooperative."""
    finance = finance_staff()
    buyers = [UserFactory(name=name) for name in
              ("Maria Lestari", "Yohanes Ajong", "Theresia Dayang", "Paulus Aheng")]
    now = timezone.now()
    staff = cooperative.memberships.get(role="owner").user
    for days_ago in range(29, -1, -1):
        paid_at = now - datetime.timedelta(days=days_ago, hours=2)
        for number in range(1 + (days_ago * 7) % 4 + (2 if paid_at.weekday() == 5 else 0)):
            product = products[(days_ago + number) % len(products)]
            variant = product.variants.order_by("pk")[number % product.variants.count()]
            checkout = checkout_placed(buyers[number % len(buyers)],
                                       [(variant, 1 + (days_ago + number) % 3)])
            payment_confirm_transfer(actor=finance, payment=checkout.payment, now=paid_at)
            order = checkout.orders.get()
            if days_ago > 1:
                lifecycle.order_accept(order_pk=order.pk, actor=staff)
                lifecycle.order_ship(order_pk=order.pk, actor=staff, carrier="JNE",
                                     tracking_number=f"JNE-{order.pk:08d}")
            elif number == 0 and days_ago == 1:
                lifecycle.order_accept(order_pk=order.pk, actor=staff)


def test_the_readme_screenshot_shows_the_back_office_dashboard(page, log_in):
    if os.environ.get("SCREENSHOTS_FOR_README") != "1":
        pytest.skip("writes docs/screenshots/ only when SCREENSHOTS_FOR_README=1")
    ledo = cooperative_with_shipping(name="Koperasi Kopi Sanggau Ledo", district_code="61.07.04",
                                     shipping=[("JNE Reguler", 18_000)])
    owner = ledo.memberships.get(role="owner").user  # Bahasa Indonesia, as most staff read it
    products = [
        product_on_sale(ledo, name="Kopi Robusta Ledo", category="kopi-teh",
                        variants=[("250 g", 35_000), ("1 kg", 120_000)], stock=400),
        product_on_sale(ledo, name="Madu Kelulut Hutan Bengkayang", category="gula-aren-madu",
                        variants=[("250 ml", 95_000)], stock=300),
        product_on_sale(ledo, name="Lada Putih Seluas", category="lada",
                        variants=[("250 g", 45_000)], stock=300),
    ]
    product_on_sale(ledo, name="Cokelat Batang Bengkayang 70%", category="kakao",
                    variants=[("50 g", 18_000)], stock=3)
    sales_of_30_days(ledo, products)
    today = timezone.localdate()
    rat_record(actor=owner, cooperative=ledo, held_on=today.replace(year=today.year - 1, day=1),
               attendance=84, members_total=112)

    log_in(page, owner)
    page.goto(f"/office/{ledo.slug}/")
    expect(page.locator("svg.chart")).to_be_visible()
    # Down to the chart's foot: the orders waiting, the RAT reminder and the 30 days.
    page.locator("svg.chart").evaluate(
        "chart => scrollBy(0, chart.getBoundingClientRect().bottom - innerHeight + 16)"
    )
    screenshot(page, "office-dashboard-readme")
    save_small_png(page.screenshot(), "back-office.png")
