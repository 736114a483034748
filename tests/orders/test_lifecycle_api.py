"""The order lifecycle through the API: each move by its actor, every other move refused."""

import datetime

import pytest
import time_machine

from catalog.models import Variant
from orders.errors import InvalidTransition
from orders.models import Order
from orders.services import lifecycle
from payments.models import Payment, Refund
from tests.factories import (
    MembershipFactory,
    VariantFactory,
    checkout_placed,
    order_moved_to,
    order_placed,
)

pytestmark = pytest.mark.django_db

Status = Order.Status
ALL_STATUSES = set(Status.values)
BODIES = {
    "accept": {},
    "ship": {"carrier": "JNE", "tracking_number": "JNE-123456"},
    "deliver": {},
    "cancel": {"reason": "Stok rusak"},
    "refund": {"amount": 5_000, "reason": "Kemasan penyok"},
}


def act(client, order: Order, action: str, body: dict | None = None):
    return client.post(f"/api/v1/orders/{order.number}/{action}/",
                       BODIES[action] if body is None else body, format="json")


@pytest.fixture
def variant(cooperative):
    return VariantFactory(product__cooperative=cooperative, price=25_000, stock=10)


@pytest.fixture
def make_order(buyer, variant, staff):
    """An order of 2 x the variant by `buyer`, moved to `status` (staff fulfil it)."""

    def make(status=Status.PENDING_PAYMENT, payment_method="bank_transfer"):
        return order_placed(buyer=buyer, variant=variant, quantity=2, status=status,
                            payment_method=payment_method, staff=staff)

    return make


def state(order: Order) -> tuple:
    """What a refused request must leave as it was."""
    order.refresh_from_db()
    payment = Payment.objects.get(checkout=order.checkout_id)
    return (order.status, order.events.count(), Variant.objects.get(pk=order.lines.get()
            .variant_id).stock, payment.status, payment.amount, payment.refunded_amount)


# ---------------------------------------------------------------- the allowed moves


@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
def test_any_member_of_the_cooperative_accepts_a_paid_order(
    user_client, cooperative, make_order, role
):
    order = make_order(Status.PAID)
    member = MembershipFactory(cooperative=cooperative, role=role).user

    response = act(user_client(member), order, "accept")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert order.accepted_at is not None
    assert order.events.order_by("pk").last().actor == member


def test_a_cash_on_delivery_order_is_accepted_unpaid(user_client, staff, make_order):
    order = make_order(payment_method="cod")

    response = act(user_client(staff), order, "accept")

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert (order.status, order.paid_at) == (Status.ACCEPTED, None)


def test_staff_ship_an_accepted_order_with_carrier_and_tracking(user_client, staff, make_order):
    order = make_order(Status.ACCEPTED)

    response = act(user_client(staff), order, "ship")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped", "JNE", "JNE-123456")
    order.refresh_from_db()
    assert order.shipped_at is not None


def test_the_buyer_confirms_delivery(user_client, buyer, make_order):
    order = make_order(Status.SHIPPED)

    response = act(user_client(buyer), order, "deliver")

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.events.order_by("pk").last().actor == buyer


def test_a_delivered_cash_on_delivery_order_is_paid(user_client, buyer, make_order):
    order = make_order(Status.SHIPPED, payment_method="cod")

    act(user_client(buyer), order, "deliver")

    order.refresh_from_db()
    assert order.paid_at is not None
    assert Payment.objects.get(checkout=order.checkout_id).status == Payment.Status.SUCCEEDED


def test_finance_confirming_a_bank_transfer_marks_the_orders_paid(
    user_client, platform_admin, buyer
):
    checkout = checkout_placed(buyer, [(VariantFactory(), 1), (VariantFactory(), 1)])

    response = user_client(platform_admin).post(
        f"/api/v1/payments/{checkout.payment.pk}/confirm/")

    assert response.status_code == 200, response.json()
    orders = checkout.orders.all()
    assert {order.status for order in orders} == {Status.PAID}
    assert all(order.paid_at is not None for order in orders)
    assert {order.events.order_by("pk").last().actor for order in orders} == {None}


def test_the_system_completes_a_delivered_order(make_order):
    order = make_order(Status.DELIVERED)

    lifecycle.order_complete(order_pk=order.pk)

    order.refresh_from_db()
    assert (order.status, order.events.order_by("pk").last().actor) == (Status.COMPLETED, None)
    assert order.completed_at is not None


@pytest.mark.parametrize(
    ("who", "status"),
    [("buyer", Status.PENDING_PAYMENT), ("buyer", Status.PAID),
     ("staff", Status.PENDING_PAYMENT), ("staff", Status.PAID), ("staff", Status.ACCEPTED)],
)
def test_cancel_returns_the_stock(request, user_client, variant, make_order, who, status):
    order = make_order(status)
    actor = request.getfixturevalue(who)
    assert Variant.objects.get(pk=variant.pk).stock == 8

    response = act(user_client(actor), order, "cancel")

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "Stok rusak")
    assert order.cancelled_at is not None
    event = order.events.get(kind="order_cancelled")
    assert (event.status, event.actor, event.note) == (Status.CANCELLED, actor, "Stok rusak")
    assert Variant.objects.get(pk=variant.pk).stock == 10
    released = order.events.get(kind="stock_released")
    assert (released.variant_id, released.quantity, released.data["stock"]) == (variant.pk, 2, 10)


def test_cancelling_a_paid_order_refunds_it_in_full(user_client, staff, make_order):
    order = make_order(Status.ACCEPTED)

    act(user_client(staff), order, "cancel")

    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.actor) == (order.total, staff)
    payment = Payment.objects.get(checkout=order.checkout_id)
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, order.total)


def test_cancelling_one_unpaid_order_of_a_checkout_lowers_the_amount_due(user_client, buyer):
    kopi, madu = VariantFactory(price=25_000), VariantFactory(price=80_000)
    checkout = checkout_placed(buyer, [(kopi, 1), (madu, 1)])
    kopi_order = checkout.orders.get(cooperative=kopi.cooperative)

    act(user_client(buyer), kopi_order, "cancel")

    payment = Payment.objects.get(checkout=checkout)
    assert (payment.status, payment.amount) == (Payment.Status.PENDING, 80_000)
    assert not Refund.objects.exists()


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owner_and_manager_refund_part_of_a_paid_order(
    user_client, cooperative, make_order, role
):
    order = make_order(Status.DELIVERED)
    member = MembershipFactory(cooperative=cooperative, role=role).user

    response = act(user_client(member), order, "refund")

    assert response.status_code == 200, response.json()
    assert list(Refund.objects.values_list("order", "amount", "actor")) == [
        (order.pk, 5_000, member.pk)]
    payment = Payment.objects.get(checkout=order.checkout_id)
    assert (payment.status, payment.refunded_amount) == (
        Payment.Status.PARTIALLY_REFUNDED, 5_000)
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_a_refund_beyond_what_is_left_is_a_400_naming_amount(user_client, owner, make_order):
    order = make_order(Status.PAID)
    client = user_client(owner)
    act(client, order, "refund", {"amount": order.total - 1_000, "reason": "Sebagian rusak"})
    before = state(order)

    response = act(client, order, "refund", {"amount": 1_001, "reason": "Lagi"})

    assert response.status_code == 400
    assert "amount" in response.json()
    assert state(order) == before


def test_an_unpaid_order_cannot_be_refunded(user_client, owner, make_order):
    order = make_order()
    before = state(order)

    response = act(user_client(owner), order, "refund")

    assert response.status_code == 409
    assert state(order) == before
    assert not Refund.objects.exists()


def test_every_move_is_an_event_with_its_actor_and_time(user_client, buyer, staff, variant):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        order = checkout_placed(buyer, [(variant, 1)]).orders.get()
        traveller.shift(datetime.timedelta(hours=1))
        order_moved_to(order, Status.PAID)
        traveller.shift(datetime.timedelta(hours=1))
        act(user_client(staff), order, "accept")
        traveller.shift(datetime.timedelta(hours=1))
        act(user_client(staff), order, "ship")
        traveller.shift(datetime.timedelta(days=2))
        act(user_client(buyer), order, "deliver")
        traveller.shift(datetime.timedelta(days=3))
        lifecycle.order_complete(order_pk=order.pk)

    events = user_client(buyer).get(f"/api/v1/orders/{order.number}/").json()["events"]

    assert [(event["status"], event["actor"], event["at"]) for event in events] == [
        ("pending_payment", buyer.name, "2026-03-02T16:00:00+07:00"),
        ("paid", None, "2026-03-02T17:00:00+07:00"),
        ("accepted", staff.name, "2026-03-02T18:00:00+07:00"),
        ("shipped", staff.name, "2026-03-02T19:00:00+07:00"),
        ("delivered", buyer.name, "2026-03-04T19:00:00+07:00"),
        ("completed", None, "2026-03-07T19:00:00+07:00"),
    ]


# ---------------------------------------------------------------- the refused moves

# (action, who acts, the statuses it is allowed from); from any other: 409.
RULES = [
    ("accept", "staff", {Status.PAID}),
    ("ship", "staff", {Status.ACCEPTED}),
    ("deliver", "buyer", {Status.SHIPPED}),
    ("cancel", "buyer", {Status.PENDING_PAYMENT, Status.PAID}),
    ("cancel", "staff", {Status.PENDING_PAYMENT, Status.PAID, Status.ACCEPTED}),
]
WRONG_STATUS = [
    pytest.param(action, who, status, id=f"{action}-by-{who}-from-{status}")
    for action, who, allowed in RULES
    for status in sorted(ALL_STATUSES - allowed)
]


@pytest.mark.parametrize(("action", "who", "status"), WRONG_STATUS)
def test_a_move_from_the_wrong_status_is_a_409_and_changes_nothing(
    request, user_client, make_order, action, who, status
):
    order = make_order(status)
    before = state(order)

    response = act(user_client(request.getfixturevalue(who)), order, action)

    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "invalid_transition"
    assert state(order) == before


def test_a_bank_transfer_order_cannot_be_accepted_before_payment(user_client, staff, make_order):
    order = make_order()
    before = state(order)

    response = act(user_client(staff), order, "accept")

    assert response.status_code == 409
    assert state(order) == before


def test_a_cancelled_order_does_not_return_its_stock_twice(user_client, buyer, variant,
                                                           make_order):
    order = make_order()
    act(user_client(buyer), order, "cancel")

    response = act(user_client(buyer), order, "cancel")

    assert response.status_code == 409
    assert Variant.objects.get(pk=variant.pk).stock == 10


# (action, the status it would be allowed from, who may see the order but not do it)
WRONG_ACTOR = [
    ("accept", Status.PAID, "buyer"),
    ("accept", Status.PAID, "officer"),
    ("ship", Status.ACCEPTED, "buyer"),
    ("ship", Status.ACCEPTED, "officer"),
    ("deliver", Status.SHIPPED, "staff"),
    ("deliver", Status.SHIPPED, "owner"),
    ("deliver", Status.SHIPPED, "officer"),
    ("cancel", Status.PAID, "officer"),
    ("refund", Status.PAID, "staff"),
    ("refund", Status.PAID, "buyer"),
    ("refund", Status.PAID, "officer"),
]


@pytest.mark.parametrize(
    ("action", "status", "who"),
    [pytest.param(*case, id=f"{case[0]}-by-{case[2]}") for case in WRONG_ACTOR],
)
def test_a_move_by_someone_who_sees_the_order_but_may_not_make_it_is_a_403(
    request, user_client, make_order, action, status, who
):
    order = make_order(status)
    client = user_client(request.getfixturevalue(who))
    assert client.get(f"/api/v1/orders/{order.number}/").status_code == 200
    before = state(order)

    response = act(client, order, action)

    assert response.status_code == 403, response.json()
    assert state(order) == before
    assert not Refund.objects.exists()


def test_an_order_moves_only_by_the_table_in_the_services_too(make_order, staff):
    order = make_order(Status.SHIPPED)

    with pytest.raises(InvalidTransition):
        lifecycle.order_cancel(order_pk=order.pk, actor=None, reason="terlambat")
    with pytest.raises(InvalidTransition):
        lifecycle.order_accept(order_pk=order.pk, actor=staff)

    order.refresh_from_db()
    assert order.status == Status.SHIPPED


def test_a_platform_admin_may_move_any_order(user_client, platform_admin, make_order):
    order = make_order(Status.PAID)

    response = act(user_client(platform_admin), order, "accept")

    assert response.status_code == 200, response.json()


def test_order_actions_need_a_login(api, make_order):
    order = make_order()

    assert act(api, order, "cancel").status_code == 401
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_a_ship_without_carrier_is_a_400_naming_it(user_client, staff, make_order):
    order = make_order(Status.ACCEPTED)
    before = state(order)

    response = act(user_client(staff), order, "ship", {"tracking_number": "X1"})

    assert response.status_code == 400
    assert "carrier" in response.json()
    assert state(order) == before

