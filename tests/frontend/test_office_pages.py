"""The back office's dashboard, orders, one order with its actions, and money (test client)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product, Variant
from market.models import Cooperative, Membership
from market.monitoring import Figures, sales_figures_add
from market.services.cooperatives import rat_record
from orders.models import Order
from payments.models import Refund
from payments.services import payout_create
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
    order_moved_to,
    order_placed,
)
from tests.frontend.conftest import OUTSIDERS, messages_of, page
from tests.frontend.test_page_budgets import assert_within_budget
from tests.payments.conftest import finance_staff_create

pytestmark = pytest.mark.django_db

Status = Order.Status
HTMX = {"HTTP_HX_REQUEST": "true"}
PAGES = ["office-dashboard", "office-orders", "office-order", "office-money"]


def variant_of(cooperative: Cooperative, **fields) -> Variant:
    product = ProductFactory(cooperative=cooperative, variants=[])
    return VariantFactory(product=product, **{"stock": 100, **fields})


def order_of(cooperative: Cooperative, status: str = Status.PAID, **fields) -> Order:
    return order_placed(variant=variant_of(cooperative), status=status, **fields)


def url(name: str, cooperative: Cooperative, *args) -> str:
    return reverse(f"frontend:{name}", args=[cooperative.slug, *args])


def page_url(name: str, cooperative: Cooperative) -> str:
    """The page's address; the order page of one of the cooperative's orders."""
    if name == "office-order":
        return url(name, cooperative, order_of(cooperative).number)
    return url(name, cooperative)


def action_url(order: Order, action: str) -> str:
    return url("office-order-action", order.cooperative, order.number, action)


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.parametrize("name", [*PAGES, "office"])
def test_anonymous_visitors_are_sent_to_log_in(client, cooperative, name):
    address = reverse("frontend:office") if name == "office" else page_url(name, cooperative)
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_an_anonymous_action_is_sent_to_log_in_and_changes_nothing(client, cooperative):
    order = order_of(cooperative)
    response = client.post(action_url(order, "accept"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))
    order.refresh_from_db()
    assert order.status == Status.PAID


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_but_the_staff_learns_the_pages_exist(as_user, cooperative, outsider,
                                                     name, who):
    address = page_url(name, cooperative)
    assert as_user(outsider(who)).get(address).status_code == 404


@pytest.mark.parametrize("name", ["office-dashboard", "office-orders", "office-order"])
@pytest.mark.parametrize("who", ["staff", "manager", "owner", "platform_admin"])
def test_every_role_of_the_cooperative_and_the_admin_open_the_order_pages(
    request, as_user, cooperative, name, who
):
    address = page_url(name, cooperative)
    assert as_user(request.getfixturevalue(who)).get(address).status_code == 200


@pytest.mark.parametrize(("who", "expected"), [("owner", 200), ("manager", 200),
                                               ("platform_admin", 200), ("staff", 403)])
def test_the_money_page_is_the_owners_and_managers_as_the_api_ledger_is(
    request, as_user, api, cooperative, who, expected
):
    user = request.getfixturevalue(who)
    assert as_user(user).get(url("office-money", cooperative)).status_code == expected
    api.force_authenticate(user)
    assert api.get(f"/api/v1/cooperatives/{cooperative.slug}/ledger/").status_code == expected


def test_the_back_office_home_is_404_for_someone_of_no_cooperative(as_user, buyer):
    assert as_user(buyer).get(reverse("frontend:office")).status_code == 404


def test_the_back_office_home_goes_straight_to_the_only_cooperative(as_user, staff, cooperative):
    response = as_user(staff).get(reverse("frontend:office"))
    assert response.status_code == 302
    assert response["Location"] == url("office-dashboard", cooperative)


def test_the_back_office_home_lets_a_member_of_two_choose(as_user, staff, cooperative):
    other = MembershipFactory(user=staff, role="owner").cooperative
    html = page(as_user(staff).get(reverse("frontend:office")))
    assert f'href="{url("office-dashboard", cooperative)}"' in html
    assert f'href="{url("office-dashboard", other)}"' in html


# ---------------------------------------------------------------- the dashboard


def section(html: str, title_id: str) -> str:
    return html.split(f'id="{title_id}"')[1].split("</section>")[0]


def test_the_dashboard_lists_what_to_accept_and_to_ship(as_user, staff, cooperative):
    paid = order_of(cooperative, Status.PAID)
    cash = order_of(cooperative, Status.PENDING_PAYMENT, payment_method="cod")
    unpaid_transfer = order_of(cooperative, Status.PENDING_PAYMENT)
    accepted = order_of(cooperative, Status.ACCEPTED)
    shipped = order_of(cooperative, Status.SHIPPED)
    elsewhere = order_of(CooperativeFactory(), Status.PAID)

    html = page(as_user(staff).get(url("office-dashboard", cooperative)))

    to_accept, to_ship = section(html, "to-accept-title"), section(html, "to-ship-title")
    assert paid.number in to_accept
    assert cash.number in to_accept
    assert unpaid_transfer.number not in html
    assert accepted.number in to_ship
    assert accepted.number not in to_accept
    assert shipped.number not in html
    assert elsewhere.number not in html


def test_the_dashboard_charts_the_last_30_jakarta_days_with_a_table(as_user, staff, cooperative):
    today = timezone.localdate()
    sales_figures_add({
        (today - datetime.timedelta(days=3), cooperative.pk, None):
            Figures(orders=2, items=3, gross=125_000, refunds=5_000),
        (today - datetime.timedelta(days=30), cooperative.pk, None):
            Figures(orders=1, items=1, gross=999_000),  # a day before the 30
        (today, CooperativeFactory().pk, None): Figures(orders=1, items=1, gross=777_000),
    })

    html = page(as_user(staff).get(url("office-dashboard", cooperative)))

    sales = section(html, "sales-title")
    assert '<svg class="chart"' in sales
    assert "Sales of the last 30 days</title>" in sales
    rows = re.findall(r"<tr><th scope=\"row\">", sales)
    assert len(rows) == 30
    assert "Rp120.000" in sales
    assert "2 orders, Rp120.000 after refunds." in sales
    assert "Rp999.000" not in html
    assert "Rp777.000" not in html


def test_a_paid_order_counts_in_the_dashboards_sales(as_user, staff, cooperative):
    order_placed(variant=variant_of(cooperative, price=40_000), quantity=2, status=Status.PAID)
    sales = section(page(as_user(staff).get(url("office-dashboard", cooperative))), "sales-title")
    assert "1 order, Rp80.000 after refunds." in sales


def test_the_dashboard_shows_variants_at_or_under_their_low_stock_level(
    as_user, staff, cooperative
):
    low = variant_of(cooperative, sku="LOW-1", stock=5, low_stock_threshold=5)
    empty = variant_of(cooperative, sku="EMPTY-1", stock=0)
    variant_of(cooperative, sku="PLENTY-1", stock=6, low_stock_threshold=5)
    archived = variant_of(cooperative, sku="ARCHIVED-1", stock=0)
    Product.objects.filter(pk=archived.product_id).update(status=Product.Status.ARCHIVED)
    variant_of(CooperativeFactory(), sku="OTHER-1", stock=0)

    low_stock = section(page(as_user(staff).get(url("office-dashboard", cooperative))),
                        "low-stock-title")

    assert "LOW-1" in low_stock
    assert "EMPTY-1" in low_stock
    assert low_stock.index("EMPTY-1") < low_stock.index("LOW-1")
    assert "Sold out" in low_stock
    assert "PLENTY-1" not in low_stock
    assert "ARCHIVED-1" not in low_stock
    assert "OTHER-1" not in low_stock
    assert f'href="{url("office-product", cooperative, low.product_id)}"' in low_stock
    assert empty.product.name in low_stock


def test_the_owner_sees_the_balance_and_commission_owed_on_the_dashboard(
    as_user, owner, cooperative
):
    order_moved_to(order_of(cooperative, Status.PENDING_PAYMENT, payment_method="cod"),
                   Status.COMPLETED)  # cash on delivery: 5 % of Rp25.000 + shipping owed
    money = section(page(as_user(owner).get(url("office-dashboard", cooperative))),
                    "money-title")
    assert "Balance held for you" in money
    assert "-Rp1.250" in money
    assert "Commission owed" in money
    assert "Rp1.250" in money


def test_staff_see_no_money_on_the_dashboard(as_user, staff, cooperative):
    html = page(as_user(staff).get(url("office-dashboard", cooperative)))
    assert 'id="money-title"' not in html
    assert "Commission owed" not in html


def test_the_dashboard_reminds_of_a_rat_not_held_this_year(as_user, owner, cooperative):
    today = timezone.localdate()
    rat_record(actor=owner, cooperative=cooperative, held_on=today.replace(year=today.year - 1),
               attendance=10, members_total=20)
    html = page(as_user(owner).get(url("office-dashboard", cooperative)))
    reminder = html.split('id="rat-reminder"')[1].split("</p>")[0]
    assert f"No RAT recorded for {today.year} yet" in reminder
    assert f'href="{url("office-rat", cooperative)}"' in reminder


def test_no_rat_reminder_once_this_years_is_recorded(as_user, owner, cooperative):
    rat_record(actor=owner, cooperative=cooperative, held_on=timezone.localdate(),
               attendance=10, members_total=20)
    html = page(as_user(owner).get(url("office-dashboard", cooperative)))
    assert 'id="rat-reminder"' not in html
    assert "RAT held on" in html


def test_the_dashboard_runs_the_same_queries_for_few_and_many_rows(
    as_user, owner, cooperative, django_assert_max_num_queries
):
    client = as_user(owner)
    for status in (Status.PAID, Status.ACCEPTED):
        order_of(cooperative, status)
    variant_of(cooperative, stock=1)
    with CaptureQueriesContext(connection) as few:
        client.get(url("office-dashboard", cooperative))
    for _ in range(12):
        order_of(cooperative, Status.PAID)
        order_of(cooperative, Status.ACCEPTED)
        variant_of(cooperative, stock=1)
    with django_assert_max_num_queries(len(few)) as many:
        html = page(client.get(url("office-dashboard", cooperative)))
    assert len(many) == len(few) <= 17
    assert "See them all" in html


def test_a_busy_dashboard_and_orders_page_stay_within_60_kb(as_user, owner, cooperative):
    today = timezone.localdate()
    sales_figures_add({(today - datetime.timedelta(days=n), cooperative.pk, None):
                       Figures(orders=n, items=n, gross=100_000 * n) for n in range(30)})
    for _ in range(12):
        order_of(cooperative, Status.PAID)
        order_of(cooperative, Status.ACCEPTED)
        variant_of(cooperative, stock=1)
    client = as_user(owner)
    assert_within_budget(client, url("office-dashboard", cooperative))
    assert_within_budget(client, url("office-orders", cooperative))


# ---------------------------------------------------------------- the orders page


def test_the_orders_page_lists_this_cooperatives_orders_newest_first(as_user, staff, cooperative):
    older = order_of(cooperative, Status.PAID)
    newer = order_of(cooperative, Status.ACCEPTED)
    elsewhere = order_of(CooperativeFactory())

    html = page(as_user(staff).get(url("office-orders", cooperative)))

    assert html.index(newer.number) < html.index(older.number)
    assert elsewhere.number not in html
    assert f'href="{url("office-order", cooperative, newer.number)}"' in html
    assert newer.buyer.name in html
    assert '<label for="order-status">' in html


def test_the_orders_page_filters_by_status(as_user, staff, cooperative):
    paid = order_of(cooperative, Status.PAID)
    accepted = order_of(cooperative, Status.ACCEPTED)
    html = page(as_user(staff).get(url("office-orders", cooperative), {"status": "accepted"}))
    assert accepted.number in html
    assert paid.number not in html
    assert '<option value="accepted" selected>' in html


def test_htmx_gets_the_list_alone(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PAID)
    response = as_user(staff).get(url("office-orders", cooperative), {"status": "paid"}, **HTMX)
    html = page(response)
    assert html.startswith('<div id="office-orders">')
    assert order.number in html
    assert "<html" not in html


def test_an_unknown_status_shows_an_error_and_every_order(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PAID)
    response = as_user(staff).get(url("office-orders", cooperative), {"status": "lost"})
    assert response.status_code == 400
    html = page(response)
    assert 'id="order-status-error"' in html
    assert order.number in html


def test_the_orders_page_is_paginated(as_user, staff, cooperative):
    variant = variant_of(cooperative)
    numbers = [order_placed(variant=variant).number for _ in range(22)]
    client = as_user(staff)
    first = page(client.get(url("office-orders", cooperative)))
    second = page(client.get(url("office-orders", cooperative), {"page": 2}))
    assert numbers[-1] in first
    assert numbers[0] not in first
    assert numbers[0] in second
    assert 'rel="next"' in first


def test_the_orders_page_runs_the_same_queries_for_3_and_20_orders(
    as_user, staff, cooperative, django_assert_max_num_queries
):
    client = as_user(staff)
    variant = variant_of(cooperative)
    for _ in range(3):
        order_placed(variant=variant, quantity=2)
    with CaptureQueriesContext(connection) as few:
        client.get(url("office-orders", cooperative))
    for _ in range(17):
        order_placed(variant=variant, status=Status.PAID)
    with django_assert_max_num_queries(len(few)) as many:
        html = page(client.get(url("office-orders", cooperative)))
    assert len(many) == len(few) <= 14
    assert html.count(f'href="/office/{cooperative.slug}/orders/BKY') == 20


# ---------------------------------------------------------------- one order


def test_the_order_page_shows_lines_buyer_address_payment_and_timeline(
    as_user, staff, cooperative
):
    buyer = UserFactory(name="Yohana Ria")
    variant = VariantFactory(
        product=ProductFactory(cooperative=cooperative, name="Lada Putih", variants=[]),
        name="250 g", sku="LADA-250", price=40_000,
    )
    order = order_placed(buyer=buyer, variant=variant, quantity=2, status=Status.ACCEPTED,
                         staff=staff)

    html = page(as_user(staff).get(url("office-order", cooperative, order.number)))

    assert "Lada Putih" in html
    assert "LADA-250" in html
    assert "Rp80.000" in html
    assert '<p id="buyer-name">Yohana Ria</p>' in html
    assert "Jl. Guna Baru No. 5" in html
    assert 'href="tel:081234567890"' in html
    assert "Bank transfer" in html
    assert "Succeeded" in html
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "Order placed" in timeline
    assert "Order accepted" in timeline
    assert "the buyer" in timeline
    assert staff.name in timeline


def test_another_cooperatives_order_number_is_404_under_this_cooperative(
    as_user, staff, cooperative
):
    other = MembershipFactory(user=staff).cooperative  # staff of both
    theirs = order_of(other)
    client = as_user(staff)
    assert client.get(url("office-order", cooperative, theirs.number)).status_code == 404
    assert client.post(action_url_under(cooperative, theirs, "accept")).status_code == 404
    assert client.get(url("office-order", other, theirs.number)).status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == Status.PAID


def action_url_under(cooperative: Cooperative, order: Order, action: str) -> str:
    return url("office-order-action", cooperative, order.number, action)


def test_the_order_page_offers_what_staff_may_do_in_each_status(as_user, staff, cooperative):
    client = as_user(staff)

    def buttons(order):
        html = page(client.get(url("office-order", cooperative, order.number)))
        return {name for name in ("accept", "ship", "cancel", "refund")
                if f'id="order-{name}"' in html}

    assert buttons(order_of(cooperative, Status.PAID)) == {"accept", "cancel"}
    assert buttons(order_of(cooperative, Status.PENDING_PAYMENT, payment_method="cod")) == {
        "accept", "cancel"}
    assert buttons(order_of(cooperative, Status.PENDING_PAYMENT)) == {"cancel"}
    assert buttons(order_of(cooperative, Status.ACCEPTED)) == {"ship", "cancel"}
    assert buttons(order_of(cooperative, Status.SHIPPED)) == set()


def test_the_owner_is_offered_a_refund_of_what_is_left(as_user, owner, cooperative):
    order = order_of(cooperative, Status.SHIPPED)
    html = page(as_user(owner).get(url("office-order", cooperative, order.number)))
    assert 'id="order-refund"' in html
    assert 'max="25000"' in html
    assert "at most Rp25.000" in html


def test_staff_accept_a_paid_order(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PAID)
    response = as_user(staff).post(action_url(order, "accept"))
    assert response.status_code == 302
    assert response["Location"] == url("office-order", cooperative, order.number)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert messages_of(response) == ["The order is accepted."]


def test_staff_accept_a_cash_on_delivery_order_unpaid(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PENDING_PAYMENT, payment_method="cod")
    as_user(staff).post(action_url(order, "accept"))
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED


def test_accepting_an_unpaid_transfer_is_refused_and_changes_nothing(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PENDING_PAYMENT)
    response = as_user(staff).post(action_url(order, "accept"))
    assert response.status_code == 302
    assert messages_of(response) == [
        "The order cannot move to that status from its current one."]
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_staff_ship_with_carrier_and_tracking_number(as_user, staff, cooperative):
    order = order_of(cooperative, Status.ACCEPTED)
    response = as_user(staff).post(action_url(order, "ship"),
                                   {"carrier": "JNE", "tracking_number": "JNE-7788"})
    assert messages_of(response) == ["The order is shipped."]
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        Status.SHIPPED, "JNE", "JNE-7788")


def test_shipping_without_a_tracking_number_shows_the_error_and_changes_nothing(
    as_user, staff, cooperative
):
    order = order_of(cooperative, Status.ACCEPTED)
    response = as_user(staff).post(action_url(order, "ship"), {"carrier": "JNE"})
    assert response.status_code == 400
    html = page(response)
    assert 'id="ship-tracking-number-error"' in html
    assert 'value="JNE"' in html
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (Status.ACCEPTED, "")


def test_staff_cancel_with_a_reason(as_user, staff, cooperative):
    order = order_of(cooperative, Status.ACCEPTED)
    response = as_user(staff).post(action_url(order, "cancel"), {"reason": "Stok rusak"})
    assert messages_of(response) == ["The order is cancelled."]
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Stok rusak")
    assert order.refunds.get().amount == order.total


def test_cancelling_without_a_reason_shows_the_error_and_changes_nothing(
    as_user, staff, cooperative
):
    order = order_of(cooperative, Status.PAID)
    response = as_user(staff).post(action_url(order, "cancel"), {"reason": ""})
    assert response.status_code == 400
    assert "Say why you cancel." in page(response)
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_cancelling_a_shipped_order_is_refused_and_changes_nothing(as_user, staff, cooperative):
    order = order_of(cooperative, Status.SHIPPED)
    response = as_user(staff).post(action_url(order, "cancel"), {"reason": "Terlambat"})
    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_owner_and_manager_refund_part_of_an_order(request, as_user, cooperative, who):
    order = order_of(cooperative, Status.SHIPPED)
    response = as_user(request.getfixturevalue(who)).post(
        action_url(order, "refund"), {"amount": "10000", "reason": "", "key": "k-1"}
    )
    assert messages_of(response) == ["The refund is requested."]
    refund = order.refunds.get()
    assert (refund.amount, refund.reason) == (10_000, "")


def test_the_same_refund_form_sent_twice_refunds_once(as_user, owner, cooperative):
    order = order_of(cooperative, Status.SHIPPED)
    client = as_user(owner)
    for _ in range(2):
        client.post(action_url(order, "refund"), {"amount": "5000", "key": "same"})
    assert order.refunds.count() == 1


def test_a_refund_over_what_is_left_shows_the_error_and_refunds_nothing(
    as_user, owner, cooperative
):
    order = order_of(cooperative, Status.SHIPPED)
    response = as_user(owner).post(action_url(order, "refund"), {"amount": "25001"})
    assert response.status_code == 400
    error = page(response).split('id="refund-amount-error">')[1].split("</span>")[0]
    assert "25000" in error
    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", ["", "0", "-5", "12.5", "lots"])
def test_a_refund_amount_not_whole_rupiah_is_refused(as_user, owner, cooperative, amount):
    order = order_of(cooperative, Status.SHIPPED)
    response = as_user(owner).post(action_url(order, "refund"), {"amount": amount})
    assert response.status_code == 400
    assert 'id="refund-amount-error"' in page(response)
    assert not Refund.objects.exists()


def test_staff_may_not_refund(as_user, staff, cooperative):
    order = order_of(cooperative, Status.SHIPPED)
    client = as_user(staff)
    assert 'id="order-refund"' not in page(client.get(url("office-order", cooperative,
                                                          order.number)))
    response = client.post(action_url(order, "refund"), {"amount": "1000"})
    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    assert not Refund.objects.exists()


def test_an_unknown_action_is_404_and_a_get_is_refused(as_user, staff, cooperative):
    order = order_of(cooperative, Status.PAID)
    client = as_user(staff)
    assert client.post(action_url(order, "deliver")).status_code == 404
    assert client.get(action_url(order, "accept")).status_code == 405
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_the_order_page_runs_a_fixed_number_of_queries(
    as_user, owner, cooperative, django_assert_max_num_queries
):
    client = as_user(owner)
    order = order_of(cooperative, Status.SHIPPED)
    with django_assert_max_num_queries(17):
        assert client.get(url("office-order", cooperative, order.number)).status_code == 200


# ---------------------------------------------------------------- money


def completed_sales_and_a_payout(cooperative: Cooperative, count: int) -> None:
    for _ in range(count):
        order_moved_to(order_of(cooperative, Status.PAID), Status.COMPLETED)
    payout_create(actor=finance_staff_create(), cooperative=cooperative, amount=10_000,
                  reference=f"BRI-{count:04d}")


def test_the_money_page_shows_balance_commission_ledger_and_payouts(as_user, owner, cooperative):
    completed_sales_and_a_payout(cooperative, 2)  # 2 x Rp25.000 less 5 %, less Rp10.000

    html = page(as_user(owner).get(url("office-money", cooperative)))

    assert '<dd class="price" id="ledger-balance">Rp37.500</dd>' in html
    assert '<dd id="commission-owed">Rp0</dd>' in html
    payouts = section(html, "payouts-title")
    assert "BRI-0002" in payouts
    assert "-Rp10.000" in payouts
    ledger = section(html, "ledger-title")
    assert ledger.count("Sale (net of commission)") == 2
    assert "Rp23.750" in ledger
    assert "Rp1.250" in ledger


def test_the_money_page_is_paginated_with_a_fixed_number_of_queries(
    as_user, owner, cooperative, django_assert_max_num_queries
):
    client = as_user(owner)
    completed_sales_and_a_payout(cooperative, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(url("office-money", cooperative))
    completed_sales_and_a_payout(cooperative, 20)
    with django_assert_max_num_queries(len(few)) as many:
        html = page(client.get(url("office-money", cooperative)))
    assert len(many) == len(few) <= 13
    assert 'rel="next"' in html


def test_an_admin_member_of_nothing_still_opens_any_back_office(
    as_user, platform_admin, cooperative
):
    assert not Membership.objects.filter(user=platform_admin).exists()
    assert as_user(platform_admin).get(url("office-money", cooperative)).status_code == 200


@pytest.mark.parametrize(("role", "shown"), [("staff", False), ("manager", True), ("owner", True)])
def test_the_menu_offers_the_money_only_to_those_who_may_open_it(as_user, cooperative, role, shown):
    member = MembershipFactory(cooperative=cooperative, role=role).user
    html = page(as_user(member).get(url("office-dashboard", cooperative)))
    assert (url("office-money", cooperative) in html) is shown
