"""POST /checkout/: one order per cooperative, stock reserved at once, exactly once per key."""

import re

import pytest

from catalog.models import Variant
from orders.models import CartItem, Checkout, Order, OrderLine
from payments.models import Payment
from payments.selectors import bank_transfer_instructions
from tests.factories import (
    SHIPPING_ADDRESS,
    CooperativeFactory,
    ShippingOptionFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

ORDER_NUMBER = re.compile(r"^BKY-\d{4}-\d{6}$")


def checkout_body(**changes) -> dict:
    return {"shipping_address": SHIPPING_ADDRESS, "payment_method": "bank_transfer", **changes}


def post_checkout(client, body: dict, key: str = "kunci-1"):
    return client.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": key})


def in_cart(client, *lines) -> None:
    for variant, quantity in lines:
        response = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": quantity},
                               format="json")
        assert response.status_code == 201, response.json()


def rows() -> dict[str, int]:
    """What a checkout creates, counted: nothing of it may exist after a refusal."""
    return {
        "checkouts": Checkout.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "payments": Payment.objects.count(),
    }


NOTHING = {"checkouts": 0, "orders": 0, "lines": 0, "payments": 0}


def stock(*variants) -> list[int]:
    return [Variant.objects.get(pk=variant.pk).stock for variant in variants]


@pytest.fixture
def two_cooperatives():
    """Kopi and lada from one cooperative, madu from another, each with shipping options."""
    ledo, seluas = CooperativeFactory(slug="koperasi-ledo"), CooperativeFactory(
        slug="koperasi-seluas")
    ShippingOptionFactory(cooperative=ledo, name="Ambil di koperasi", kind="pickup", fee=0)
    ShippingOptionFactory(cooperative=ledo, name="Antar", kind="delivery", fee=8_000)
    ShippingOptionFactory(cooperative=seluas, name="JNE", kind="courier", fee=12_000)
    kopi = VariantFactory(product__cooperative=ledo, product__name="Kopi Bubuk Ledo",
                          name="250 g", sku="KOPI-250", price=25_000, stock=10)
    lada = VariantFactory(product__cooperative=ledo, product__name="Lada Putih",
                          name="100 g", sku="LADA-100", price=60_000, stock=4)
    madu = VariantFactory(product__cooperative=seluas, product__name="Madu Hutan",
                          name="500 ml", sku="MADU-500", price=80_000, stock=3)
    return ledo, seluas, kopi, lada, madu


def test_a_cart_of_two_cooperatives_becomes_two_orders_and_one_payment(
    user_client, buyer, two_cooperatives
):
    ledo, seluas, kopi, lada, madu = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 2), (lada, 1), (madu, 1))

    response = post_checkout(client, checkout_body())

    assert response.status_code == 201, response.json()
    body = response.json()
    checkout = Checkout.objects.get()
    ledo_order = Order.objects.get(cooperative=ledo)
    seluas_order = Order.objects.get(cooperative=seluas)
    assert body["id"] == checkout.pk
    assert sorted((o["number"], o["cooperative"], o["status"], o["total"])
                  for o in body["orders"]) == sorted([
        (ledo_order.number, "koperasi-ledo", "pending_payment", 50_000 + 60_000 + 0),
        (seluas_order.number, "koperasi-seluas", "pending_payment", 80_000 + 12_000),
    ])
    assert body["total"] == 110_000 + 92_000
    assert body["payment"] == {"id": checkout.payment.pk, "method": "bank_transfer",
                               "status": "pending", "amount": 202_000, "client_secret": None,
                               "instructions": bank_transfer_instructions(checkout.payment)}
    assert body["payment"]["instructions"]["amount"] == 202_000
    assert (ledo_order.subtotal, ledo_order.shipping_fee, ledo_order.total) == (110_000, 0,
                                                                                110_000)
    assert (seluas_order.subtotal, seluas_order.shipping_fee, seluas_order.total) == (
        80_000, 12_000, 92_000)
    assert checkout.total == ledo_order.total + seluas_order.total == checkout.payment.amount
    assert {o.buyer for o in (ledo_order, seluas_order)} == {buyer}
    assert ledo_order.shipping_address == SHIPPING_ADDRESS
    assert stock(kopi, lada, madu) == [8, 3, 2]
    assert not CartItem.objects.filter(user=buyer).exists()


def test_order_lines_copy_name_sku_and_price_at_that_moment(user_client, buyer, two_cooperatives):
    ledo, _, kopi, lada, _ = two_cooperatives
    client = user_client(buyer)

    post_checkout(client, checkout_body(items=[{"variant": kopi.pk, "quantity": 3},
                                               {"variant": lada.pk, "quantity": 1}]))

    order = Order.objects.get()
    assert sorted(order.lines.values_list(
        "variant", "product_name", "variant_name", "sku", "unit_price", "quantity", "line_total"
    )) == sorted([
        (kopi.pk, "Kopi Bubuk Ledo", "250 g", "KOPI-250", 25_000, 3, 75_000),
        (lada.pk, "Lada Putih", "100 g", "LADA-100", 60_000, 1, 60_000),
    ])


def test_later_catalog_edits_do_not_change_a_placed_order(user_client, buyer, two_cooperatives):
    _, _, kopi, _, _ = two_cooperatives
    client = user_client(buyer)
    number = post_checkout(client, checkout_body(
        items=[{"variant": kopi.pk, "quantity": 2}])).json()["orders"][0]["number"]

    kopi.price, kopi.sku, kopi.name = 99_000, "KOPI-BARU", "1 kg"
    kopi.save()
    kopi.product.name = "Kopi Arabika"
    kopi.product.save()

    detail = client.get(f"/api/v1/orders/{number}/").json()
    assert [(line["product_name"], line["sku"], line["unit_price"], line["line_total"])
            for line in detail["lines"]] == [("Kopi Bubuk Ledo", "KOPI-250", 25_000, 50_000)]
    assert (detail["subtotal"], detail["total"]) == (50_000, 50_000)


def test_the_cooperatives_first_shipping_option_is_the_default(
    user_client, buyer, two_cooperatives
):
    ledo, _, kopi, _, _ = two_cooperatives
    first = ledo.shipping_options.order_by("pk").first()

    post_checkout(user_client(buyer), checkout_body(items=[{"variant": kopi.pk, "quantity": 1}]))

    order = Order.objects.get()
    assert (order.shipping_option, order.shipping_method, order.shipping_fee) == (
        first, "Ambil di koperasi", 0)


def test_the_chosen_shipping_option_sets_the_fee(user_client, buyer, two_cooperatives):
    ledo, _, kopi, _, _ = two_cooperatives
    delivery = ledo.shipping_options.get(kind="delivery")

    response = post_checkout(user_client(buyer), checkout_body(
        items=[{"variant": kopi.pk, "quantity": 1}],
        shipping_options={"koperasi-ledo": delivery.pk},
    ))

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert (order.shipping_option, order.shipping_fee, order.total) == (delivery, 8_000, 33_000)
    assert response.json()["total"] == 33_000


def test_a_cooperative_without_shipping_options_charges_no_fee(user_client, buyer):
    variant = VariantFactory(price=30_000)

    response = post_checkout(user_client(buyer),
                             checkout_body(items=[{"variant": variant.pk, "quantity": 1}]))

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert (order.shipping_option, order.shipping_fee, order.total) == (None, 0, 30_000)


@pytest.mark.parametrize("choice", ["of_another_cooperative", "withdrawn", "unknown"])
def test_a_shipping_option_not_offered_by_that_cooperative_is_a_400(
    user_client, buyer, two_cooperatives, choice
):
    ledo, seluas, kopi, _, _ = two_cooperatives
    option = {
        "of_another_cooperative": lambda: seluas.shipping_options.get().pk,
        "withdrawn": lambda: ShippingOptionFactory(cooperative=ledo, is_active=False).pk,
        "unknown": lambda: 999_999,
    }[choice]()

    response = post_checkout(user_client(buyer), checkout_body(
        items=[{"variant": kopi.pk, "quantity": 1}], shipping_options={"koperasi-ledo": option}
    ))

    assert response.status_code == 400
    assert "shipping_options" in response.json()
    assert rows() == NOTHING
    assert stock(kopi) == [10]


def test_a_shipping_option_for_a_cooperative_not_in_the_checkout_is_a_400(
    user_client, buyer, two_cooperatives
):
    _, seluas, kopi, _, _ = two_cooperatives

    response = post_checkout(user_client(buyer), checkout_body(
        items=[{"variant": kopi.pk, "quantity": 1}],
        shipping_options={"koperasi-seluas": seluas.shipping_options.get().pk},
    ))

    assert response.status_code == 400
    assert "shipping_options" in response.json()
    assert rows() == NOTHING
    assert stock(kopi) == [10]


def test_checking_out_given_items_leaves_the_cart_alone(user_client, buyer, two_cooperatives):
    _, _, kopi, lada, madu = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 1), (madu, 2))

    response = post_checkout(client, checkout_body(items=[{"variant": lada.pk, "quantity": 2}]))

    assert response.status_code == 201, response.json()
    assert sorted(CartItem.objects.filter(user=buyer).values_list("variant", "quantity")) == \
        sorted([(kopi.pk, 1), (madu.pk, 2)])
    assert stock(kopi, lada, madu) == [10, 2, 3]


def test_the_same_variant_twice_in_items_is_one_line_of_the_sum(user_client, buyer):
    variant = VariantFactory(price=10_000, stock=5)

    response = post_checkout(user_client(buyer), checkout_body(
        items=[{"variant": variant.pk, "quantity": 1}, {"variant": variant.pk, "quantity": 2}]))

    assert response.status_code == 201, response.json()
    assert list(OrderLine.objects.values_list("quantity", "line_total")) == [(3, 30_000)]
    assert stock(variant) == [2]


def test_order_numbers_are_readable_and_unique(user_client, buyer, two_cooperatives):
    _, _, kopi, lada, madu = two_cooperatives
    client = user_client(buyer)

    for key, variant in [("a", kopi), ("b", lada), ("c", madu)]:
        post_checkout(client, checkout_body(items=[{"variant": kopi.pk, "quantity": 1},
                                                   {"variant": variant.pk, "quantity": 1}]),
                      key=key)

    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(numbers) == 4
    assert all(ORDER_NUMBER.match(number) for number in numbers), numbers
    assert len(set(numbers)) == len(numbers)


# ---------------------------------------------------------------- idempotency


def test_a_checkout_without_an_idempotency_key_is_a_400(user_client, buyer, two_cooperatives):
    _, _, kopi, _, _ = two_cooperatives
    client = user_client(buyer)
    body = checkout_body(items=[{"variant": kopi.pk, "quantity": 1}])

    missing = client.post("/api/v1/checkout/", body, format="json")
    blank = post_checkout(client, body, key="  ")

    assert (missing.status_code, blank.status_code) == (400, 400)
    assert "Idempotency-Key" in missing.json()
    assert rows() == NOTHING
    assert stock(kopi) == [10]


def test_the_same_key_and_body_again_gets_the_same_answer_and_creates_nothing(
    user_client, buyer, two_cooperatives
):
    _, _, kopi, lada, madu = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 2), (madu, 1))
    first = post_checkout(client, checkout_body(), key="sekali-saja")
    created = rows()

    again = post_checkout(client, checkout_body(), key="sekali-saja")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert rows() == created == {"checkouts": 1, "orders": 2, "lines": 2, "payments": 1}
    assert stock(kopi, lada, madu) == [8, 4, 2]


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(
    user_client, buyer, two_cooperatives
):
    _, _, kopi, lada, _ = two_cooperatives
    client = user_client(buyer)
    post_checkout(client, checkout_body(items=[{"variant": kopi.pk, "quantity": 1}]), key="k")
    created = rows()

    response = post_checkout(client, checkout_body(items=[{"variant": lada.pk, "quantity": 1}]),
                             key="k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert rows() == created
    assert stock(kopi, lada) == [9, 4]


def test_another_buyer_may_use_the_same_key(user_client, buyer, two_cooperatives):
    _, _, kopi, _, _ = two_cooperatives
    body = checkout_body(items=[{"variant": kopi.pk, "quantity": 1}])
    first = post_checkout(user_client(buyer), body, key="k")

    second = post_checkout(user_client(UserFactory()), body, key="k")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert stock(kopi) == [8]


# ---------------------------------------------------------------- refusals


def test_short_of_stock_is_a_409_naming_the_variants_and_reserves_nothing(
    user_client, buyer, two_cooperatives
):
    _, _, kopi, lada, madu = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 2), (lada, 4), (madu, 3))
    lada.stock, madu.stock = 3, 1  # others bought meanwhile
    lada.save()
    madu.save()

    response = post_checkout(client, checkout_body())

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["variants"] == sorted([lada.pk, madu.pk])
    assert rows() == NOTHING
    assert stock(kopi, lada, madu) == [10, 3, 1]
    assert CartItem.objects.filter(user=buyer).count() == 3


def test_a_key_refused_for_stock_can_be_used_again(user_client, buyer, two_cooperatives):
    _, _, _, lada, _ = two_cooperatives
    client = user_client(buyer)
    body = checkout_body(items=[{"variant": lada.pk, "quantity": 5}])
    assert post_checkout(client, body, key="k").status_code == 409
    lada.stock = 5
    lada.save()

    response = post_checkout(client, body, key="k")

    assert response.status_code == 201, response.json()
    assert stock(lada) == [0]


@pytest.mark.parametrize("change", ["archived", "cooperative_suspended", "deleted"])
def test_an_item_no_longer_sold_is_a_409_and_reserves_nothing(
    user_client, buyer, two_cooperatives, change
):
    _, seluas, kopi, _, madu = two_cooperatives
    items = [{"variant": kopi.pk, "quantity": 1}, {"variant": madu.pk, "quantity": 1}]
    madu_pk = madu.pk
    if change == "archived":
        madu.product.status = "archived"
        madu.product.save()
    elif change == "cooperative_suspended":
        seluas.status = "suspended"
        seluas.save()
    else:
        madu.product.delete()

    response = post_checkout(user_client(buyer), checkout_body(items=items))

    assert response.status_code == 409
    assert response.json()["code"] == "not_available"
    assert response.json()["variants"] == [madu_pk]
    assert rows() == NOTHING
    assert stock(kopi) == [10]


def test_an_empty_cart_cannot_be_checked_out(user_client, buyer):
    response = post_checkout(user_client(buyer), checkout_body())

    assert response.status_code == 400
    assert "items" in response.json()
    assert rows() == NOTHING


def test_stripe_without_keys_is_a_400_naming_payment_method(
    user_client, buyer, two_cooperatives, settings
):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    _, _, kopi, _, _ = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 1))

    response = post_checkout(client, checkout_body(payment_method="stripe"))

    assert response.status_code == 400
    assert "payment_method" in response.json()
    assert rows() == NOTHING
    assert stock(kopi) == [10]
    assert CartItem.objects.filter(user=buyer).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"payment_method": None}, "payment_method"),
        ({"shipping_address": {**SHIPPING_ADDRESS, "phone": "telepon"}}, "shipping_address"),
        ({"shipping_address": {**SHIPPING_ADDRESS, "postal_code": "7921"}}, "shipping_address"),
        ({"shipping_address": {"name": "Yohana"}}, "shipping_address"),
        ({"shipping_address": None}, "shipping_address"),
        ({"items": []}, "items"),
        ({"items": [{"variant": "kopi", "quantity": 1}]}, "items"),
        ({"items": [{"variant": 1, "quantity": 0}]}, "items"),
        ({"items": [{"variant": 10**30, "quantity": 1}]}, "items"),
        ({"shipping_options": {"koperasi-ledo": 10**30}}, "shipping_options"),
        ({"shipping_options": {"koperasi-ledo": "antar"}}, "shipping_options"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(
    user_client, buyer, two_cooperatives, changes, field
):
    _, _, kopi, _, _ = two_cooperatives
    client = user_client(buyer)
    in_cart(client, (kopi, 1))

    response = post_checkout(client, checkout_body(**changes))

    assert response.status_code == 400
    assert field in response.json()
    assert rows() == NOTHING
    assert stock(kopi) == [10]


def test_checkout_needs_a_login(api):
    assert post_checkout(api, checkout_body()).status_code == 401
