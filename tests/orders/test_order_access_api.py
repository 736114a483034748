"""Who sees which orders: buyers their own, staff their cooperative's, dinas their regions'."""

import datetime

import pytest
import time_machine

from orders.models import Order
from tests.factories import (
    SHIPPING_ADDRESS,
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


# ---------------------------------------------------------------- the buyer's contact details

WITHHELD_KEYS = {"buyer", "tracking_number"}  # the contract's keys stay, as null


@pytest.fixture
def shipped(cooperative, buyer):
    """A shipped order: the buyer's details are everywhere an order can carry them."""
    buyer.phone = "0856-4321-0987"
    buyer.save(update_fields=["phone"])
    variant = VariantFactory(product__cooperative=cooperative)
    return order_placed(buyer=buyer, variant=variant, status=Status.SHIPPED)


def buyer_traces(order: Order) -> list[str]:
    """What would identify or reach the order's buyer."""
    buyer = order.buyer
    address = SHIPPING_ADDRESS
    return [buyer.name, buyer.email, buyer.phone, address["name"], address["phone"],
            address["line1"], address["postal_code"], order.tracking_number]


def assert_without_contact(response, order: Order) -> dict:
    assert response.status_code == 200, response.json()
    body = response.json()
    record = body["results"][0] if "results" in body else body
    assert "shipping_address" not in record
    assert {key: record[key] for key in WITHHELD_KEYS} == dict.fromkeys(WITHHELD_KEYS), record
    assert all(trace and trace not in response.content.decode() for trace in buyer_traces(order))
    return record


def test_a_dinas_officer_reads_an_order_without_its_buyers_contact(user_client, officer, shipped):
    record = assert_without_contact(user_client(officer).get(detail(shipped)), shipped)

    assert (record["number"], record["status"], record["total"]) == (
        shipped.number, "shipped", shipped.total)
    assert record["shipping_city"] == "Bengkayang"
    assert record["carrier"] == "JNE"
    assert [line["quantity"] for line in record["lines"]] == [1]
    assert [(event["status"], event["actor"]) for event in record["events"]] == [
        ("pending_payment", "buyer"), ("paid", None), ("accepted", "cooperative"),
        ("shipped", "cooperative")]


def test_a_dinas_officer_lists_orders_without_their_buyers_contact(
    user_client, officer, shipped
):
    client = user_client(officer)

    response = client.get("/api/v1/orders/", {"cooperative": shipped.cooperative.slug})

    assert_without_contact(response, shipped)
    assert numbers(response) == [shipped.number]


def test_a_cancelled_orders_reason_is_not_shown_to_a_dinas_officer(user_client, officer, order):
    user_client(order.buyer).post(f"{detail(order)}cancel/", {"reason": "Hubungi 0811-000"},
                                  format="json")

    body = user_client(officer).get(detail(order)).content.decode()

    assert "cancelled" in body
    assert "0811-000" not in body


@pytest.mark.parametrize("who", ["buyer", "staff", "platform_admin"])
def test_the_buyer_staff_and_admin_see_the_buyers_contact(
    request, user_client, shipped, who
):
    client = user_client(request.getfixturevalue(who))

    body = client.get(detail(shipped)).json()

    assert body["buyer"] == shipped.buyer.name
    assert body["shipping_address"] == SHIPPING_ADDRESS
    assert body["tracking_number"] == shipped.tracking_number


def test_an_officer_who_is_also_the_cooperatives_staff_sees_the_contact(
    user_client, officer, cooperative, shipped
):
    MembershipFactory(user=officer, cooperative=cooperative)

    body = user_client(officer).get(detail(shipped)).json()

    assert body["shipping_address"] == SHIPPING_ADDRESS


def test_an_officer_sees_their_own_purchase_in_full_and_others_without_contact(
    user_client, officer, cooperative, shipped
):
    own = order_placed(buyer=officer, variant=VariantFactory(product__cooperative=cooperative))

    response = user_client(officer).get("/api/v1/orders/", {"cooperative": cooperative.slug})

    by_number = {record["number"]: record for record in response.json()["results"]}
    assert by_number[own.number]["buyer"] == officer.name
    assert "shipping_address" not in by_number[shipped.number]
    assert by_number[shipped.number]["buyer"] is None
    assert shipped.buyer.name not in response.content.decode()


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
