"""Staff run their cooperative's catalog: create, edit, archive, variants; bad input is refused."""

import pytest

from catalog.models import MAX_PRICE, MAX_STOCK, Product, Variant
from events.models import Event
from tests.factories import CooperativeFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def new_product(of, **changes) -> dict:
    return {
        "cooperative": of.slug,
        "name": "Kopi Bubuk Robusta Ledo",
        "description": "Kopi robusta dari kebun anggota, disangrai sedang.",
        "category": "kopi-teh",
        "unit": "pack",
        "weight_grams": 250,
        "status": "active",
        "variants": [
            {"sku": "KOPI-250", "name": "250 g", "price": 25_000, "stock": 40},
            {"sku": "KOPI-1KG", "name": "1 kg", "price": 90_000, "stock": 0},
        ],
        **changes,
    }


def catalog_rows() -> tuple[int, int]:
    return Product.objects.count(), Variant.objects.count()


def test_staff_create_a_product_with_its_variants(user_client, cooperative, staff, api):
    response = user_client(staff).post("/api/v1/products/", new_product(cooperative), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "kopi-bubuk-robusta-ledo"
    assert body["cooperative"]["slug"] == cooperative.slug
    assert (body["category"], body["unit"], body["weight_grams"]) == ("kopi-teh", "pack", 250)
    assert body["status"] == "active"
    assert body["price"] == 25_000
    assert body["in_stock"] is True
    assert sorted(v["sku"] for v in body["variants"]) == ["KOPI-1KG", "KOPI-250"]
    product = Product.objects.get(pk=body["id"])
    assert product.cooperative == cooperative
    assert set(product.variants.values_list("cooperative", flat=True)) == {cooperative.pk}
    assert [p["id"] for p in api.get("/api/v1/products/").json()["results"]] == [product.pk]


def test_a_new_product_is_a_draft_unless_said_otherwise(user_client, cooperative, staff, api):
    data = new_product(cooperative)
    del data["status"]

    body = user_client(staff).post("/api/v1/products/", data, format="json").json()

    assert body["status"] == "draft"
    assert api.get("/api/v1/products/").json()["count"] == 0


def test_two_products_with_the_same_name_get_different_slugs(user_client, cooperative, staff):
    client = user_client(staff)
    first = client.post("/api/v1/products/", new_product(cooperative), format="json").json()
    second = client.post(
        "/api/v1/products/",
        new_product(
            cooperative, variants=[{"sku": "LAIN", "name": "1 kg", "price": 1, "stock": 0}]
        ),
        format="json",
    ).json()
    assert first["slug"] != second["slug"]


def test_the_same_sku_in_another_cooperative_is_fine(user_client, cooperative, staff):
    ProductFactory(cooperative=CooperativeFactory(), variants=[{"sku": "KOPI-250"}])

    response = user_client(staff).post("/api/v1/products/", new_product(cooperative), format="json")

    assert response.status_code == 201, response.json()
    assert Variant.objects.filter(sku="KOPI-250").count() == 2


def bad_variant(**changes) -> list[dict]:
    return [{"sku": "KOPI-250", "name": "250 g", "price": 25_000, "stock": 40, **changes}]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"variants": bad_variant(price=0)}, "variants"),
        ({"variants": bad_variant(price=-25_000)}, "variants"),
        ({"variants": bad_variant(price=MAX_PRICE + 1)}, "variants"),
        ({"variants": bad_variant(price=12_500.5)}, "variants"),
        ({"variants": bad_variant(price="25000.50")}, "variants"),
        ({"variants": bad_variant(stock=-1)}, "variants"),
        ({"variants": bad_variant(sku="")}, "variants"),
        ({"variants": []}, "variants"),
        ({"variants": bad_variant() + bad_variant(name="1 kg")}, "variants"),
        ({"category": "tidak-ada"}, "category"),
        ({"cooperative": "koperasi-tidak-ada"}, "cooperative"),
        ({"status": "archived"}, "status"),
        ({"unit": "ton"}, "unit"),
        ({"weight_grams": -5}, "weight_grams"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    user_client, cooperative, staff, changes, field
):
    response = user_client(staff).post(
        "/api/v1/products/", new_product(cooperative, **changes), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert catalog_rows() == (0, 0)


def test_a_missing_variants_list_is_a_400_naming_variants(user_client, cooperative, staff):
    data = new_product(cooperative)
    del data["variants"]

    response = user_client(staff).post("/api/v1/products/", data, format="json")

    assert response.status_code == 400
    assert "variants" in response.json()
    assert catalog_rows() == (0, 0)


def test_a_sku_already_used_in_the_cooperative_is_refused(user_client, cooperative, staff):
    ProductFactory(cooperative=cooperative, variants=[{"sku": "KOPI-1KG"}])
    before = catalog_rows()

    response = user_client(staff).post("/api/v1/products/", new_product(cooperative), format="json")

    assert response.status_code == 400
    assert "KOPI-1KG" in str(response.json()["variants"])
    assert catalog_rows() == before


def test_the_problem_variant_is_named(user_client, cooperative, staff):
    variants = [
        {"sku": "A", "name": "250 g", "price": 25_000, "stock": 1},
        {"sku": "B", "name": "1 kg", "price": 0, "stock": 1},
    ]

    response = user_client(staff).post(
        "/api/v1/products/", new_product(cooperative, variants=variants), format="json"
    )

    assert response.status_code == 400
    assert "price" in str(response.json()["variants"])


# ---------------------------------------------------------------- edit and archive


def test_staff_edit_a_product(user_client, cooperative, staff):
    product = ProductFactory(cooperative=cooperative, status="draft")

    response = user_client(staff).patch(
        f"/api/v1/products/{product.pk}/",
        {
            "name": "Lada Putih Seluas",
            "description": "Lada putih kering.",
            "category": "lada",
            "unit": "kg",
            "weight_grams": 1000,
            "status": "active",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["category"], body["unit"], body["weight_grams"], body["status"]) == (
        "Lada Putih Seluas",
        "lada",
        "kg",
        1000,
        "active",
    )
    product.refresh_from_db()
    assert (product.name, product.description) == ("Lada Putih Seluas", "Lada putih kering.")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "tidak-ada"}, "category"),
        ({"status": "dijual"}, "status"),
        ({"unit": "ton"}, "unit"),
        ({"weight_grams": -1}, "weight_grams"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_edit_is_a_400_naming_the_field_and_changes_nothing(
    user_client, cooperative, staff, changes, field
):
    product = ProductFactory(cooperative=cooperative, name="Kopi Ledo", status="draft")

    response = user_client(staff).patch(
        f"/api/v1/products/{product.pk}/", {"description": "baru", **changes}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    product.refresh_from_db()
    assert (product.name, product.description, product.status) == ("Kopi Ledo", "", "draft")


def test_an_edit_cannot_move_a_product_to_another_cooperative(user_client, cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    other = CooperativeFactory()

    user_client(staff).patch(
        f"/api/v1/products/{product.pk}/", {"cooperative": other.slug, "price": 1}, format="json"
    )

    product.refresh_from_db()
    assert product.cooperative == cooperative
    assert product.price == 25_000


def test_delete_archives_the_product_out_of_the_market(user_client, api, cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    client = user_client(staff)

    response = client.delete(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 204
    product.refresh_from_db()
    assert product.status == "archived"
    assert product.variants.count() == 1  # kept for the orders that name them
    assert api.get("/api/v1/products/").json()["count"] == 0
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404
    assert client.get(f"/api/v1/products/{product.pk}/").json()["status"] == "archived"


# ---------------------------------------------------------------- variants


def test_staff_change_a_variants_price_stock_and_name(user_client, api, cooperative, staff):
    product = ProductFactory(
        cooperative=cooperative, variants=[{"price": 25_000, "stock": 0}, {"price": 90_000}]
    )
    cheap = product.variants.get(price=25_000)

    response = user_client(staff).patch(
        f"/api/v1/variants/{cheap.pk}/",
        {"price": 120_000, "stock": 7, "name": "Kemasan 5 kg"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "id": cheap.pk,
        "sku": cheap.sku,
        "name": "Kemasan 5 kg",
        "price": 120_000,
        "stock": 7,
        "low_stock_threshold": 5,
    }
    card = api.get("/api/v1/products/").json()["results"][0]
    assert card["price"] == 90_000  # the lowest price follows the variants
    assert card["in_stock"] is True


def test_selling_out_every_variant_takes_the_product_out_of_stock(
    user_client, api, cooperative, staff
):
    variant = ProductFactory(cooperative=cooperative, variants=[{"stock": 3}]).variants.get()

    user_client(staff).patch(f"/api/v1/variants/{variant.pk}/", {"stock": 0}, format="json")

    assert api.get("/api/v1/products/").json()["results"][0]["in_stock"] is False
    assert api.get("/api/v1/products/?in_stock=true").json()["count"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": -1}, "price"),
        ({"price": MAX_PRICE + 1}, "price"),
        ({"price": "murah"}, "price"),
        ({"stock": -1}, "stock"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_variant_edit_is_a_400_naming_the_field_and_changes_nothing(
    user_client, cooperative, staff, changes, field
):
    variant = VariantFactory(
        product=ProductFactory(cooperative=cooperative, variants=[]),
        name="1 kg",
        price=25_000,
        stock=10,
    )

    response = user_client(staff).patch(
        f"/api/v1/variants/{variant.pk}/", {"name": "2 kg", **changes}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    variant.refresh_from_db()
    assert (variant.name, variant.price, variant.stock) == ("1 kg", 25_000, 10)


def test_a_variant_edit_cannot_change_its_sku(user_client, cooperative, staff):
    variant = ProductFactory(cooperative=cooperative, variants=[{"sku": "KOPI-1"}]).variants.get()
    user_client(staff).patch(f"/api/v1/variants/{variant.pk}/", {"sku": "X"}, format="json")
    variant.refresh_from_db()
    assert variant.sku == "KOPI-1"


def test_an_unknown_variant_is_a_404(user_client, staff):
    assert user_client(staff).patch("/api/v1/variants/999999/", {"stock": 1}).status_code == 404


def test_staff_add_a_variant_and_the_lowest_price_follows(user_client, api, cooperative, staff):
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000}])

    response = user_client(staff).post(
        f"/api/v1/products/{product.pk}/variants/",
        {"sku": "KOPI-100", "name": "100 g", "price": 11_000, "stock": 12},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert {k: v for k, v in response.json().items() if k != "id"} == {
        "sku": "KOPI-100",
        "name": "100 g",
        "price": 11_000,
        "stock": 12,
        "low_stock_threshold": 5,
    }
    assert product.variants.count() == 2
    assert api.get("/api/v1/products/").json()["results"][0]["price"] == 11_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": -100}, "price"),
        ({"price": MAX_PRICE + 1}, "price"),
        ({"stock": -3}, "stock"),
        ({"sku": "TAKEN"}, "sku"),
        ({"sku": ""}, "sku"),
    ],
)
def test_a_bad_new_variant_is_a_400_naming_the_field_and_nothing_is_written(
    user_client, cooperative, staff, changes, field
):
    ProductFactory(cooperative=cooperative, variants=[{"sku": "TAKEN"}])
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000}])
    before = catalog_rows()

    response = user_client(staff).post(
        f"/api/v1/products/{product.pk}/variants/",
        {"sku": "KOPI-100", "name": "100 g", "price": 11_000, "stock": 12, **changes},
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()
    assert catalog_rows() == before
    product.refresh_from_db()
    assert product.price == 25_000


def test_a_new_variant_may_reuse_a_sku_of_another_cooperative(user_client, cooperative, staff):
    ProductFactory(variants=[{"sku": "KOPI-100"}])
    product = ProductFactory(cooperative=cooperative)

    response = user_client(staff).post(
        f"/api/v1/products/{product.pk}/variants/",
        {"sku": "KOPI-100", "name": "100 g", "price": 11_000, "stock": 12},
        format="json",
    )

    assert response.status_code == 201


def test_staff_set_a_low_stock_threshold_on_a_new_product_and_change_it(
    user_client, cooperative, staff
):
    client = user_client(staff)
    data = new_product(cooperative)
    data["variants"][0]["low_stock_threshold"] = 12

    body = client.post("/api/v1/products/", data, format="json").json()
    thresholds = {v["sku"]: v["low_stock_threshold"] for v in body["variants"]}
    assert thresholds == {"KOPI-250": 12, "KOPI-1KG": 5}  # 5 unless told

    variant = next(v for v in body["variants"] if v["sku"] == "KOPI-1KG")
    response = client.patch(
        f"/api/v1/variants/{variant['id']}/", {"low_stock_threshold": 0}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["low_stock_threshold"] == 0
    assert Variant.objects.get(pk=variant["id"]).low_stock_threshold == 0


@pytest.mark.parametrize("threshold", [-1, MAX_STOCK + 1, "banyak"])
def test_a_bad_low_stock_threshold_is_a_400_and_changes_nothing(
    user_client, cooperative, staff, threshold
):
    variant = ProductFactory(cooperative=cooperative).variants.get()

    response = user_client(staff).patch(
        f"/api/v1/variants/{variant.pk}/", {"low_stock_threshold": threshold}, format="json"
    )

    assert response.status_code == 400
    assert "low_stock_threshold" in response.json()
    variant.refresh_from_db()
    assert variant.low_stock_threshold == 5


def test_a_stock_edit_through_the_api_writes_a_stock_event(user_client, cooperative, staff):
    variant = ProductFactory(cooperative=cooperative, variants=[{"stock": 10}]).variants.get()

    user_client(staff).patch(f"/api/v1/variants/{variant.pk}/", {"stock": 4}, format="json")

    event = Event.objects.get(kind=Event.Kind.STOCK_SET)
    assert (event.variant_id, event.quantity, event.actor) == (variant.pk, -6, staff)
