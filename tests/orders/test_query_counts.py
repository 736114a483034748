"""Order list and detail run the same number of queries whatever the number of orders and lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    VariantFactory,
    checkout_placed,
    order_moved_to,
)

pytestmark = pytest.mark.django_db


def place(buyer, cooperative, lines: int, status=Order.Status.PAID) -> list[Order]:
    """One checkout with `lines` variants of the cooperative, moved to `status`."""
    variants = [VariantFactory(product__cooperative=cooperative) for _ in range(lines)]
    checkout = checkout_placed(buyer, [(variant, 1) for variant in variants])
    return [order_moved_to(order, status) for order in checkout.orders.all()]


def queries_of(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return len(captured)


def test_the_buyers_order_list_runs_a_fixed_number_of_queries(
    user_client, buyer, django_assert_num_queries
):
    client = user_client(buyer)
    place(buyer, CooperativeFactory(), lines=1)
    client.get("/api/v1/orders/")  # warm any per-process caches
    small = queries_of(client, "/api/v1/orders/")

    for _ in range(6):
        place(buyer, CooperativeFactory(), lines=4, status=Order.Status.SHIPPED)

    with django_assert_num_queries(small):
        response = client.get("/api/v1/orders/")
    assert response.json()["count"] == 7


def test_the_cooperative_order_list_runs_a_fixed_number_of_queries(
    user_client, cooperative, staff, django_assert_num_queries
):
    client = user_client(staff)
    params = {"cooperative": cooperative.slug}
    place(MembershipFactory().user, cooperative, lines=1)
    client.get("/api/v1/orders/", params)
    small = queries_of(client, "/api/v1/orders/", params)

    for _ in range(6):
        place(MembershipFactory().user, cooperative, lines=5, status=Order.Status.DELIVERED)

    with django_assert_num_queries(small):
        response = client.get("/api/v1/orders/", params)
    assert response.json()["count"] == 7


def test_the_order_detail_runs_a_fixed_number_of_queries(
    user_client, buyer, cooperative, django_assert_num_queries
):
    client = user_client(buyer)
    [few] = place(buyer, cooperative, lines=1)
    client.get(f"/api/v1/orders/{few.number}/")
    small = queries_of(client, f"/api/v1/orders/{few.number}/")

    [many] = place(buyer, cooperative, lines=15, status=Order.Status.COMPLETED)

    with django_assert_num_queries(small):
        response = client.get(f"/api/v1/orders/{many.number}/")
    assert len(response.json()["lines"]) == 15
    assert len(response.json()["events"]) == 6


def test_the_order_detail_for_a_dinas_officer_runs_a_fixed_number_of_queries(
    user_client, officer, cooperative, buyer, django_assert_num_queries
):
    client = user_client(officer)
    [few] = place(buyer, cooperative, lines=1)
    client.get(f"/api/v1/orders/{few.number}/")
    small = queries_of(client, f"/api/v1/orders/{few.number}/")

    [many] = place(buyer, cooperative, lines=12, status=Order.Status.DELIVERED)

    with django_assert_num_queries(small):
        client.get(f"/api/v1/orders/{many.number}/")
