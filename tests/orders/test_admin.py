"""The admin's order pages load for a platform admin: list, filters, search, change page."""

import pytest

from orders.models import CartItem, Order
from tests.factories import (
    CooperativeFactory,
    ShippingOptionFactory,
    UserFactory,
    VariantFactory,
    order_placed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():
    cooperative = CooperativeFactory(name="Koperasi Lada Seluas")
    variant = VariantFactory(product__cooperative=cooperative, stock=50)
    ShippingOptionFactory(cooperative=cooperative)
    buyer = UserFactory(email="pembeli@example.com")
    CartItem.objects.create(user=buyer, variant=variant, quantity=1)
    return [order_placed(buyer=buyer, variant=variant, status=status)
            for status in (Order.Status.PENDING_PAYMENT, Order.Status.SHIPPED,
                           Order.Status.CANCELLED)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "shipped"},
        {"payment_method__exact": "cod"},
        {"created_at__gte": "2020-01-01 00:00:00+07:00"},
        {"q": "Seluas"},
        {"q": "pembeli@example.com"},
        {"q": "JNE-0001"},
    ],
)
def test_the_order_list_filters_and_searches(admin_client, orders, params):
    response = admin_client.get("/admin/orders/order/", params)

    assert response.status_code == 200


def test_the_order_list_finds_an_order_by_number(admin_client, orders):
    response = admin_client.get("/admin/orders/order/", {"q": orders[1].number})

    assert response.status_code == 200
    assert orders[1].number in response.text
    assert orders[0].number not in response.text


def test_the_order_list_filters_by_cooperative_region_and_date(admin_client, orders):
    order = orders[0]
    by_region = admin_client.get("/admin/orders/order/",
                                 {"cooperative__region__id__exact": order.cooperative.region_id})
    by_date = admin_client.get("/admin/orders/order/",
                               {"created_at__year": order.created_at.year})

    assert (by_region.status_code, by_date.status_code) == (200, 200)
    assert order.number in by_region.text


def test_the_order_change_page_shows_lines_and_events(admin_client, orders):
    order = orders[1]

    response = admin_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    line = order.lines.get()
    assert line.sku in response.text
    assert "JNE-0001" in response.text


@pytest.mark.parametrize(
    "url",
    ["/admin/orders/checkout/", "/admin/orders/shippingoption/", "/admin/orders/cartitem/"],
)
def test_the_other_order_admin_lists_load(admin_client, orders, url):
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "pembeli"}).status_code == 200


def test_the_checkout_and_shipping_option_change_pages_load(admin_client, orders):
    checkout = orders[0].checkout
    option = orders[0].cooperative.shipping_options.get()

    assert admin_client.get(f"/admin/orders/checkout/{checkout.pk}/change/").status_code == 200
    assert admin_client.get(
        f"/admin/orders/shippingoption/{option.pk}/change/").status_code == 200


def test_orders_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get("/admin/orders/order/add/").status_code == 403
