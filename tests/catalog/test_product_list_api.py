"""The public market: GET /products/ and GET /products/{id}/ as API.md describes them."""

import pytest

from catalog.services import product_image_thumbnails_make
from tests.factories import (
    CategoryFactory,
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    ProductImageFactory,
    RegionFactory,
    UserFactory,
    category,
    district,
)

pytestmark = pytest.mark.django_db

LIST_FIELDS = {"id", "slug", "name", "cooperative", "category", "price", "in_stock", "thumbnail"}
DETAIL_FIELDS = LIST_FIELDS | {
    "description",
    "unit",
    "weight_grams",
    "status",
    "variants",
    "images",
}


def names(api, query: str = "") -> list[str]:
    response = api.get(f"/api/v1/products/?{query}")
    assert response.status_code == 200, response.json()
    return [product["name"] for product in response.json()["results"]]


def test_the_market_lists_only_active_products_of_verified_cooperatives(api):
    ProductFactory(name="Kopi Ledo")
    ProductFactory(name="Kopi Draft", status="draft")
    ProductFactory(name="Kopi Lama", status="archived")
    ProductFactory(name="Kopi Koperasi Baru", cooperative=CooperativeFactory(status="pending"))
    ProductFactory(name="Kopi Dibekukan", cooperative=CooperativeFactory(status="suspended"))
    ProductFactory(name="Kopi Ditolak", cooperative=CooperativeFactory(status="rejected"))

    body = api.get("/api/v1/products/").json()

    assert body["count"] == 1
    assert [product["name"] for product in body["results"]] == ["Kopi Ledo"]
    assert {"count", "next", "previous", "results"} <= set(body)


def test_a_product_card_has_the_fields_of_the_contract(api):
    cooperative = CooperativeFactory(name="Koperasi Kopi Ledo", slug="koperasi-kopi-ledo")
    product = ProductFactory(
        cooperative=cooperative,
        name="Kopi Bubuk Robusta",
        category=category("kopi-teh"),
        variants=[
            {"name": "1 kg", "price": 90_000, "stock": 0},
            {"name": "250 g", "price": 25_000, "stock": 4},
        ],
    )

    card = api.get("/api/v1/products/").json()["results"][0]

    assert LIST_FIELDS <= set(card)
    assert card["id"] == product.pk
    assert card["slug"] == product.slug
    assert card["cooperative"] == {"slug": "koperasi-kopi-ledo", "name": "Koperasi Kopi Ledo"}
    assert card["category"] == "kopi-teh"
    assert card["price"] == 25_000
    assert isinstance(card["price"], int)
    assert card["in_stock"] is True
    assert card["thumbnail"] is None


def test_the_price_is_the_lowest_variant_price(api):
    ProductFactory(variants=[{"price": 40_000}, {"price": 15_000}, {"price": 120_000}])
    assert api.get("/api/v1/products/").json()["results"][0]["price"] == 15_000


def test_a_product_is_in_stock_when_any_variant_has_stock(api):
    ProductFactory(name="Habis", variants=[{"stock": 0}, {"stock": 0}])
    ProductFactory(name="Sisa satu", variants=[{"stock": 0}, {"stock": 1}])

    cards = {card["name"]: card for card in api.get("/api/v1/products/").json()["results"]}

    assert cards["Habis"]["in_stock"] is False
    assert cards["Sisa satu"]["in_stock"] is True


def test_the_thumbnail_is_null_until_the_thumbnails_exist_then_a_url(api):
    image = ProductImageFactory()
    assert api.get("/api/v1/products/").json()["results"][0]["thumbnail"] is None

    product_image_thumbnails_make(image_pk=image.pk)

    thumbnail = api.get("/api/v1/products/").json()["results"][0]["thumbnail"]
    assert thumbnail.startswith("http://testserver/")
    assert thumbnail.endswith(".webp")


def test_the_detail_adds_description_variants_and_images(api):
    product = ProductFactory(
        description="Kopi robusta dari Sanggau Ledo.",
        unit="kg",
        weight_grams=1000,
        variants=[
            {"sku": "KOPI-1KG", "name": "1 kg", "price": 90_000, "stock": 3},
            {"sku": "KOPI-250", "name": "250 g", "price": 25_000, "stock": 0},
        ],
    )
    image = ProductImageFactory(product=product)

    response = api.get(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert DETAIL_FIELDS <= set(body)
    assert body["description"] == "Kopi robusta dari Sanggau Ledo."
    assert (body["unit"], body["weight_grams"], body["status"]) == ("kg", 1000, "active")
    assert body["price"] == 25_000
    assert sorted((v["sku"], v["name"], v["price"], v["stock"]) for v in body["variants"]) == [
        ("KOPI-1KG", "1 kg", 90_000, 3),
        ("KOPI-250", "250 g", 25_000, 0),
    ]
    assert all(set(v) >= {"id", "sku", "name", "price", "stock"} for v in body["variants"])
    assert body["images"] == [
        {
            "id": image.pk,
            "url": f"http://testserver{image.image.url}",
            "thumbnail": None,
            "thumbnails": {},
        }
    ]


def test_an_unknown_product_is_a_404(api):
    assert api.get("/api/v1/products/999999/").status_code == 404


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_a_product_out_of_the_market_is_seen_by_its_cooperatives_staff_only(
    api, user_client, status
):
    product = ProductFactory(status=status)
    url = f"/api/v1/products/{product.pk}/"
    own_staff = MembershipFactory(cooperative=product.cooperative, role="staff").user
    other_staff = MembershipFactory(role="owner").user

    assert user_client(own_staff).get(url).json()["status"] == status
    assert user_client(UserFactory(is_staff=True, is_superuser=True)).get(url).status_code == 200
    assert user_client(other_staff).get(url).status_code == 404
    assert user_client(UserFactory()).get(url).status_code == 404
    assert api.get(url).status_code == 404


def test_a_product_of_an_unverified_cooperative_is_not_public(api, user_client):
    product = ProductFactory(cooperative=CooperativeFactory(status="pending"))
    url = f"/api/v1/products/{product.pk}/"
    own_staff = MembershipFactory(cooperative=product.cooperative).user

    assert api.get(url).status_code == 404
    assert user_client(own_staff).get(url).status_code == 200


def test_drafts_stay_out_of_the_list_even_for_their_staff(user_client):
    product = ProductFactory(status="draft")
    own_staff = MembershipFactory(cooperative=product.cooperative).user
    assert names(user_client(own_staff)) == []


# ---------------------------------------------------------------- filters


def test_the_category_filter_includes_sub_categories(api):
    ProductFactory(name="Kopi Bubuk", category=category("kopi-teh"))
    ProductFactory(name="Gula Aren Cetak", category=category("gula-aren-madu"))
    ProductFactory(name="Lada Putih", category=category("lada"))

    assert sorted(names(api, "category=makanan-minuman")) == ["Gula Aren Cetak", "Kopi Bubuk"]
    assert names(api, "category=kopi-teh") == ["Kopi Bubuk"]
    assert names(api, "category=hasil-perkebunan") == ["Lada Putih"]


def test_the_category_filter_reaches_every_level_below(api):
    top = CategoryFactory(slug="olahan-hutan", name="Olahan Hutan")
    middle = CategoryFactory(slug="madu-hutan", name="Madu Hutan", parent=top)
    bottom = CategoryFactory(slug="madu-kelulut", name="Madu Kelulut", parent=middle)
    ProductFactory(name="Madu Kelulut Botol", category=bottom)

    assert names(api, "category=olahan-hutan") == ["Madu Kelulut Botol"]


def test_an_unknown_category_is_a_400_naming_category(api):
    response = api.get("/api/v1/products/?category=tidak-ada")
    assert response.status_code == 400
    assert "category" in response.json()


def test_the_cooperative_filter_takes_a_slug(api):
    ledo = CooperativeFactory(slug="koperasi-ledo")
    ProductFactory(name="Kopi Ledo", cooperative=ledo)
    ProductFactory(name="Lada Seluas")

    assert names(api, "cooperative=koperasi-ledo") == ["Kopi Ledo"]
    assert names(api, "cooperative=tidak-ada") == []


def test_the_region_filter_includes_sub_regions(api):
    ProductFactory(name="Kopi Ledo", cooperative=CooperativeFactory(region=district("61.07.03")))
    ProductFactory(name="Lada Seluas", cooperative=CooperativeFactory(region=district("61.07.05")))
    elsewhere = RegionFactory(code="99.01.01", level="district", parent=RegionFactory(code="99.01"))
    ProductFactory(name="Ikan Asin", cooperative=CooperativeFactory(region=elsewhere))

    assert names(api, "region=61.07.03") == ["Kopi Ledo"]
    assert sorted(names(api, "region=61.07")) == ["Kopi Ledo", "Lada Seluas"]
    assert sorted(names(api, "region=61")) == ["Kopi Ledo", "Lada Seluas"]
    assert names(api, "region=99") == ["Ikan Asin"]
    assert names(api, "region=61.0") == []  # a prefix of a code is not a region


def test_the_price_filters_bound_the_lowest_price(api):
    ProductFactory(name="Murah", variants=[{"price": 10_000}])
    ProductFactory(name="Sedang", variants=[{"price": 50_000}, {"price": 500_000}])
    ProductFactory(name="Mahal", variants=[{"price": 200_000}])

    assert sorted(names(api, "min_price=50000")) == ["Mahal", "Sedang"]
    assert sorted(names(api, "max_price=50000")) == ["Murah", "Sedang"]
    assert names(api, "min_price=20000&max_price=100000") == ["Sedang"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_price", "murah"),
        ("max_price", "1.5"),
        ("min_price", "-1"),
        ("max_price", "99999999999999999999"),
        ("in_stock", "mungkin"),
        ("ordering", "stock"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_field(api, field, value):
    ProductFactory()
    response = api.get(f"/api/v1/products/?{field}={value}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("field", ["q", "category", "cooperative", "region"])
def test_a_nul_character_in_a_filter_is_a_400_naming_the_field(api, field):
    response = api.get(f"/api/v1/products/?{field}=kopi%00")
    assert response.status_code == 400
    assert field in response.json()


def test_empty_filter_fields_of_a_submitted_form_filter_nothing(api):
    ProductFactory(name="Kopi Ledo")
    query = "q=&category=&cooperative=&region=&min_price=&max_price=&in_stock=&ordering="
    assert names(api, query) == ["Kopi Ledo"]


def test_an_id_beyond_any_integer_column_is_a_404(api):
    assert api.get("/api/v1/products/99999999999999999999/").status_code == 404


def test_the_in_stock_filter_keeps_products_with_any_stock(api):
    ProductFactory(name="Habis", variants=[{"stock": 0}])
    ProductFactory(name="Ada", variants=[{"stock": 0}, {"stock": 2}])

    assert names(api, "in_stock=true") == ["Ada"]
    assert sorted(names(api, "in_stock=false")) == ["Ada", "Habis"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["Beras", "Kopi", "Anyaman"]),
        ("-price", ["Anyaman", "Kopi", "Beras"]),
        ("name", ["Anyaman", "Beras", "Kopi"]),
        ("-created", ["Beras", "Anyaman", "Kopi"]),
        ("", ["Beras", "Anyaman", "Kopi"]),  # newest first by default
        ("relevance", ["Beras", "Anyaman", "Kopi"]),  # without ?q= nothing to rank by
    ],
)
def test_the_list_is_ordered_as_asked(api, ordering, expected):
    ProductFactory(name="Kopi", variants=[{"price": 30_000}])
    ProductFactory(name="Anyaman", variants=[{"price": 150_000}])
    ProductFactory(name="Beras", variants=[{"price": 12_000}])

    assert names(api, f"ordering={ordering}") == expected


def test_pages_hold_at_most_100_products(api):
    ProductFactory.create_batch(101)

    biggest = api.get("/api/v1/products/?page_size=500").json()
    small = api.get("/api/v1/products/?page_size=30&page=2").json()

    assert biggest["count"] == 101
    assert len(biggest["results"]) == 100
    assert biggest["next"] is not None
    assert len(small["results"]) == 30
    assert small["previous"] is not None


def test_the_default_page_is_20_products(api):
    ProductFactory.create_batch(21)
    body = api.get("/api/v1/products/").json()
    assert len(body["results"]) == 20


def test_categories_are_listed_as_a_tree_of_slugs(api):
    response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    by_slug = {row["slug"]: row for row in response.json()}
    assert set(by_slug["kopi-teh"]) == {"id", "slug", "name", "parent"}
    assert by_slug["kopi-teh"]["parent"] == "makanan-minuman"
    assert by_slug["makanan-minuman"]["parent"] is None
    assert {"kerajinan", "perikanan", "pertanian", "jasa"} <= set(by_slug)


# ---------------------------------------------------------------- query counts


def _products_with_variants_and_images(count: int) -> None:
    for product in ProductFactory.create_batch(
        count, variants=[{"stock": 0}, {"stock": 5}, {"price": 70_000}]
    ):
        for position in range(2):
            image = ProductImageFactory(product=product, position=position)
            product_image_thumbnails_make(image_pk=image.pk)


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_runs_the_same_queries_whatever_the_page_size(
    api, django_assert_num_queries, count
):
    _products_with_variants_and_images(count)

    # count, one page of products, their images
    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/products/?page_size={count}")

    results = response.json()["results"]
    assert len(results) == count
    assert all(card["thumbnail"] for card in results)


@pytest.mark.parametrize(
    "filters",
    [
        "category=makanan-minuman&region=61.07&in_stock=true",
        "min_price=1&max_price=100000&ordering=price",
    ],
)
def test_filters_add_no_queries_per_product(api, django_assert_max_num_queries, filters):
    _products_with_variants_and_images(10)

    # the category tree, count, one page of products, their images
    with django_assert_max_num_queries(4):
        response = api.get(f"/api/v1/products/?page_size=10&{filters}")

    assert len(response.json()["results"]) == 10


@pytest.mark.parametrize(("variants", "images"), [(1, 1), (12, 8)])
def test_the_detail_runs_the_same_queries_whatever_its_variants_and_images(
    api, django_assert_num_queries, variants, images
):
    product = ProductFactory(variants=[{} for _ in range(variants)])
    for position in range(images):
        product_image_thumbnails_make(
            image_pk=ProductImageFactory(product=product, position=position).pk
        )

    # the product with its cooperative and category, its images, its variants
    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/products/{product.pk}/")

    assert len(response.json()["variants"]) == variants
    assert len(response.json()["images"]) == images


def test_the_detail_for_a_member_runs_a_fixed_number_of_queries(
    user_client, django_assert_num_queries
):
    product = ProductFactory(status="draft", variants=[{} for _ in range(6)])
    member = MembershipFactory(cooperative=product.cooperative).user
    client = user_client(member)

    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 200
