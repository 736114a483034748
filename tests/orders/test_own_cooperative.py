"""A cooperative's staff cannot buy from it: a sale to oneself is not a sale."""

import pytest

from catalog.models import Variant
from events.models import Event
from orders.models import CartItem, Checkout, Order, OrderLine
from payments.models import Payment
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    MembershipFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def checkout_post(client, body: dict, key: str = "kunci-1"):
    return client.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": key})


def checkout_body(*lines, method: str = "bank_transfer") -> dict:
    body = {"shipping_address": SHIPPING_ADDRESS, "payment_method": method}
    if lines:
        body["items"] = [{"variant": v.pk, "quantity": q} for v, q in lines]
    return body


def created() -> dict[str, int]:
    """What a checkout creates, counted: nothing of it may exist after a refusal."""
    return {
        "checkouts": Checkout.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "payments": Payment.objects.count(),
        "events": Event.objects.count(),
    }


def stock(*variants) -> list[int]:
    return [Variant.objects.get(pk=variant.pk).stock for variant in variants]


@pytest.fixture
def own_variant(cooperative):
    return VariantFactory(product__cooperative=cooperative, price=25_000, stock=10)


@pytest.fixture
def other_variant():
    return VariantFactory(product__cooperative=CooperativeFactory(), price=17_500, stock=10)


@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
@pytest.mark.parametrize("method", ["bank_transfer", "cod"])
def test_a_member_of_any_role_cannot_buy_from_their_own_cooperative(
    user_client, cooperative, own_variant, role, method
):
    member = MembershipFactory(cooperative=cooperative, role=role).user
    before = created()

    response = checkout_post(user_client(member), checkout_body((own_variant, 2), method=method))

    assert response.status_code == 409
    assert response.json()["code"] == "own_cooperative"
    assert created() == before
    assert stock(own_variant) == [10]


def test_a_cart_mixing_own_and_other_products_is_refused_whole_and_kept(
    user_client, staff, own_variant, other_variant
):
    client = user_client(staff)
    for variant in (other_variant, own_variant):
        client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 1}, format="json")
    before = created()

    response = checkout_post(client, checkout_body())

    assert response.status_code == 409
    assert response.json()["code"] == "own_cooperative"
    assert created() == before
    assert stock(own_variant, other_variant) == [10, 10]
    assert CartItem.objects.filter(user=staff).count() == 2


def test_a_key_refused_as_own_cooperative_can_be_used_for_another_checkout(
    user_client, staff, own_variant, other_variant
):
    client = user_client(staff)
    assert checkout_post(client, checkout_body((own_variant, 1))).status_code == 409

    response = checkout_post(client, checkout_body((other_variant, 1)))

    assert response.status_code == 201, response.json()
    assert stock(own_variant, other_variant) == [10, 9]
