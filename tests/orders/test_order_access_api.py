"""Who sees which orders: buyers their own, staff their cooperative's, dinas their regions'."""

import datetime

import pytest
import time_machine

from orders.models import Order
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    UserFactory,
    VariantFactory,
    district,
    order_placed,
)

pytestmark = pytest.mark.django_db

Status = Order.Status
ACTIONS = {
    "accept": {},
    "ship": {"carrier": "JNE", "tracking_number": "JNE-1"},
    "deliver": {},
    "cancel": {"reason": "Bukan punya saya"},
    "refund": {"amount": 1_000, "reason": "Coba-coba"},
}


def detail(order: Order) -> str:
    return f"/api/v1/orders/{order.number}/"


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [order["number"] for order in response.json()["results"]]


@pytest.fixture
def order(cooperative, buyer):
    """A paid order of the cooperative, so that every action would be possible for someone."""
    variant = VariantFactory(product__cooperative=cooperative)
    return order_placed(buyer=buyer, variant=variant, status=Status.PAID)


def unchanged(order: Order) -> tuple:
    order.refresh_from_db()
    return order.status, order.events.count(), order.refunds.count()


def test_the_buyer_reads_their_order(user_client, buyer, order):
    response = user_client(buyer).get(detail(order))

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"], body["cooperative"], body["buyer"]) == (
        order.number, "paid", order.cooperative.slug, buyer.name)
    assert (body["subtotal"], body["shipping_fee"], body["total"]) == (
        order.subtotal, order.shipping_fee, order.total)
    assert body["payment_status"] == "succeeded"
    assert [line["quantity"] for line in body["lines"]] == [1]
    assert [event["status"] for event in body["events"]] == ["pending_payment", "paid"]


@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
def test_the_cooperatives_members_read_its_order(user_client, cooperative, order, role):
    member = MembershipFactory(cooperative=cooperative, role=role).user

    assert user_client(member).get(detail(order)).status_code == 200


def test_another_buyer_can_neither_read_nor_act_on_an_order(user_client, order):
    client = user_client(UserFactory())
    before = unchanged(order)

    assert client.get(detail(order)).status_code == 404
    for action, body in ACTIONS.items():
        response = client.post(f"{detail(order)}{action}/", body, format="json")
        assert response.status_code == 404, action
    assert unchanged(order) == before


def test_staff_of_another_cooperative_can_neither_see_nor_change_the_order(user_client, order):
    other_owner = MembershipFactory(cooperative=CooperativeFactory(), role="owner").user
    client = user_client(other_owner)
    before = unchanged(order)

    assert client.get(detail(order)).status_code == 404
    for action, body in ACTIONS.items():
        response = client.post(f"{detail(order)}{action}/", body, format="json")
        assert response.status_code == 404, action
    assert unchanged(order) == before
    assert numbers(client.get("/api/v1/orders/", {"cooperative": order.cooperative.slug})) == []


def test_a_dinas_officer_in_scope_reads_but_cannot_act(user_client, officer, order):
    client = user_client(officer)
    before = unchanged(order)

    assert client.get(detail(order)).status_code == 200
    for action, body in ACTIONS.items():
        response = client.post(f"{detail(order)}{action}/", body, format="json")
        assert response.status_code == 403, action
    assert unchanged(order) == before


def test_a_dinas_officer_elsewhere_does_not_see_the_order(user_client, order):
    elsewhere = DinasOfficerFactory(regions=[district("61.07.06")]).user
    client = user_client(elsewhere)
    before = unchanged(order)

    assert client.get(detail(order)).status_code == 404
    for action, body in ACTIONS.items():
        assert client.post(f"{detail(order)}{action}/", body, format="json").status_code == 404
    assert unchanged(order) == before


def test_a_platform_admin_reads_any_order(user_client, platform_admin, order):
    assert user_client(platform_admin).get(detail(order)).status_code == 200


def test_an_unknown_order_number_is_a_404(user_client, buyer):
    assert user_client(buyer).get("/api/v1/orders/BKY-2611-999999/").status_code == 404


def test_orders_need_a_login(api, order):
    assert api.get("/api/v1/orders/").status_code == 401
    assert api.get(detail(order)).status_code == 401


# ---------------------------------------------------------------- lists


def test_a_buyer_lists_their_own_orders_newest_first(user_client, buyer):
    with time_machine.travel(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)) as traveller:
        older = order_placed(buyer=buyer)
        traveller.shift(datetime.timedelta(days=1))
        newer = order_placed(buyer=buyer)
        order_placed(buyer=UserFactory())

    response = user_client(buyer).get("/api/v1/orders/")

    assert numbers(response) == [newer.number, older.number]
    assert response.json()["count"] == 2


def test_staff_list_their_cooperatives_orders_by_naming_it(user_client, cooperative, staff):
    variant = VariantFactory(product__cooperative=cooperative)
    ours = [order_placed(variant=variant) for _ in range(2)]
    order_placed()  # another cooperative's
    client = user_client(staff)

    listed = numbers(client.get("/api/v1/orders/", {"cooperative": cooperative.slug}))

    assert sorted(listed) == sorted(order.number for order in ours)
    assert numbers(client.get("/api/v1/orders/")) == []  # their own purchases: none


def test_a_dinas_officer_lists_a_cooperative_in_scope(user_client, officer, order):
    client = user_client(officer)

    assert numbers(client.get("/api/v1/orders/", {"cooperative": order.cooperative.slug})) == [
        order.number]


def test_the_list_filters_by_status(user_client, buyer, cooperative, staff):
    variant = VariantFactory(product__cooperative=cooperative, stock=50)
    pending = order_placed(buyer=buyer, variant=variant)
    paid = order_placed(buyer=buyer, variant=variant, status=Status.PAID)
    shipped = order_placed(buyer=buyer, variant=variant, status=Status.SHIPPED)
    client = user_client(buyer)

    assert numbers(client.get("/api/v1/orders/", {"status": "paid"})) == [paid.number]
    assert numbers(client.get("/api/v1/orders/", {"status": "pending_payment"})) == [
        pending.number]
    assert numbers(user_client(staff).get(
        "/api/v1/orders/", {"cooperative": cooperative.slug, "status": "shipped"}
    )) == [shipped.number]


def test_an_unknown_status_filter_is_a_400(user_client, buyer):
    response = user_client(buyer).get("/api/v1/orders/", {"status": "lost"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_list_is_paginated(user_client, buyer):
    variant = VariantFactory(stock=20)
    for _ in range(3):
        order_placed(buyer=buyer, variant=variant)

    body = user_client(buyer).get("/api/v1/orders/", {"page_size": 2}).json()

    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert body["next"] is not None
