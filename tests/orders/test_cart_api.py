"""The buyer's cart: add, change, remove; prices read live; what cannot be bought is refused."""

import pytest

from orders.models import CartItem
from tests.factories import CooperativeFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def cart_rows(user) -> list[tuple[int, int]]:
    items = CartItem.objects.filter(user=user).order_by("pk")
    return list(items.values_list("variant", "quantity"))


def test_a_buyer_adds_items_and_sees_them_with_live_prices(user_client, buyer):
    kopi = VariantFactory(price=25_000, stock=10, product__name="Kopi Bubuk Ledo")
    lada = VariantFactory(price=60_000, stock=5)
    client = user_client(buyer)

    response = client.post("/api/v1/cart/items/", {"variant": kopi.pk, "quantity": 2},
                           format="json")
    client.post("/api/v1/cart/items/", {"variant": lada.pk, "quantity": 1}, format="json")

    assert response.status_code == 201, response.json()
    added = response.json()
    assert (added["variant"], added["product_name"], added["cooperative"], added["quantity"],
            added["unit_price"], added["line_total"]) == (
        kopi.pk, "Kopi Bubuk Ledo", kopi.cooperative.slug, 2, 25_000, 50_000)
    cart = client.get("/api/v1/cart/").json()
    assert [(item["variant"], item["quantity"], item["line_total"]) for item in cart["items"]] \
        == [(kopi.pk, 2, 50_000), (lada.pk, 1, 60_000)]
    assert cart["total"] == 110_000


def test_the_cart_shows_the_price_of_now_not_of_when_added(user_client, buyer):
    variant = VariantFactory(price=25_000)
    client = user_client(buyer)
    client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 3}, format="json")

    variant.price = 27_500
    variant.save()

    cart = client.get("/api/v1/cart/").json()
    assert (cart["items"][0]["unit_price"], cart["items"][0]["line_total"]) == (27_500, 82_500)
    assert cart["total"] == 82_500


def test_adding_a_variant_already_in_the_cart_adds_to_its_quantity(user_client, buyer):
    variant = VariantFactory(stock=10)
    client = user_client(buyer)
    client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 2}, format="json")

    response = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 3},
                           format="json")

    assert response.status_code == 201
    assert response.json()["quantity"] == 5
    assert cart_rows(buyer) == [(variant.pk, 5)]


def test_a_buyer_changes_the_quantity_and_removes_an_item(user_client, buyer):
    variant = VariantFactory(price=10_000, stock=10)
    client = user_client(buyer)
    item = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 1},
                       format="json").json()

    changed = client.patch(f"/api/v1/cart/items/{item['id']}/", {"quantity": 4}, format="json")

    assert changed.status_code == 200
    assert (changed.json()["quantity"], changed.json()["line_total"]) == (4, 40_000)
    assert cart_rows(buyer) == [(variant.pk, 4)]

    removed = client.delete(f"/api/v1/cart/items/{item['id']}/")

    assert removed.status_code == 204
    assert client.get("/api/v1/cart/").json() == {"items": [], "total": 0}


def test_adding_more_than_the_stock_is_a_400_naming_quantity(user_client, buyer):
    variant = VariantFactory(stock=5)

    response = user_client(buyer).post(
        "/api/v1/cart/items/", {"variant": variant.pk, "quantity": 6}, format="json"
    )

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert cart_rows(buyer) == []


def test_adding_up_past_the_stock_is_refused_and_keeps_the_quantity(user_client, buyer):
    variant = VariantFactory(stock=5)
    client = user_client(buyer)
    client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 4}, format="json")

    response = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 2},
                           format="json")

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert cart_rows(buyer) == [(variant.pk, 4)]


def test_changing_to_more_than_the_stock_is_refused_and_changes_nothing(user_client, buyer):
    variant = VariantFactory(stock=5)
    client = user_client(buyer)
    item = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 2},
                       format="json").json()

    response = client.patch(f"/api/v1/cart/items/{item['id']}/", {"quantity": 6}, format="json")

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert cart_rows(buyer) == [(variant.pk, 2)]


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "dua", None])
def test_a_quantity_that_is_not_a_positive_whole_number_is_a_400(user_client, buyer, quantity):
    variant = VariantFactory(stock=5)

    response = user_client(buyer).post(
        "/api/v1/cart/items/", {"variant": variant.pk, "quantity": quantity}, format="json"
    )

    assert response.status_code == 400
    assert "quantity" in response.json()
    assert cart_rows(buyer) == []


def archived_variant():
    return VariantFactory(product=ProductFactory(status="archived", variants=[]))


def draft_variant():
    return VariantFactory(product=ProductFactory(status="draft", variants=[]))


def unverified_variant(status):
    cooperative = CooperativeFactory(status=status)
    return VariantFactory(product=ProductFactory(cooperative=cooperative, variants=[]))


@pytest.mark.parametrize(
    "make_variant",
    [
        archived_variant,
        draft_variant,
        lambda: unverified_variant("pending"),
        lambda: unverified_variant("suspended"),
        lambda: unverified_variant("rejected"),
    ],
    ids=["archived", "draft", "pending-cooperative", "suspended-cooperative",
         "rejected-cooperative"],
)
def test_what_is_not_for_sale_cannot_be_added(user_client, buyer, make_variant):
    variant = make_variant()

    response = user_client(buyer).post(
        "/api/v1/cart/items/", {"variant": variant.pk, "quantity": 1}, format="json"
    )

    assert response.status_code == 400
    assert "variant" in response.json()
    assert cart_rows(buyer) == []


def test_an_unknown_variant_is_a_400_naming_variant(user_client, buyer):
    response = user_client(buyer).post(
        "/api/v1/cart/items/", {"variant": 999_999, "quantity": 1}, format="json"
    )

    assert response.status_code == 400
    assert "variant" in response.json()


def test_an_item_archived_after_adding_cannot_be_changed(user_client, buyer):
    variant = VariantFactory(stock=5)
    client = user_client(buyer)
    item = client.post("/api/v1/cart/items/", {"variant": variant.pk, "quantity": 1},
                       format="json").json()
    variant.product.status = "archived"
    variant.product.save()

    response = client.patch(f"/api/v1/cart/items/{item['id']}/", {"quantity": 2}, format="json")

    assert response.status_code == 400
    assert "variant" in response.json()
    assert cart_rows(buyer) == [(variant.pk, 1)]


def test_another_users_cart_item_is_not_found(user_client, buyer):
    other = UserFactory()
    variant = VariantFactory(stock=5)
    item = user_client(other).post(
        "/api/v1/cart/items/", {"variant": variant.pk, "quantity": 2}, format="json"
    ).json()
    client = user_client(buyer)

    changed = client.patch(f"/api/v1/cart/items/{item['id']}/", {"quantity": 1}, format="json")
    removed = client.delete(f"/api/v1/cart/items/{item['id']}/")

    assert (changed.status_code, removed.status_code) == (404, 404)
    assert cart_rows(other) == [(variant.pk, 2)]
    assert client.get("/api/v1/cart/").json()["items"] == []


def test_each_user_sees_only_their_own_cart(user_client, buyer):
    variant = VariantFactory()
    user_client(UserFactory()).post(
        "/api/v1/cart/items/", {"variant": variant.pk, "quantity": 1}, format="json"
    )

    assert user_client(buyer).get("/api/v1/cart/").json() == {"items": [], "total": 0}


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/cart/"), ("post", "/api/v1/cart/items/"),
     ("patch", "/api/v1/cart/items/1/"), ("delete", "/api/v1/cart/items/1/")],
)
def test_the_cart_needs_a_login(api, method, url):
    assert getattr(api, method)(url, {}, format="json").status_code == 401
