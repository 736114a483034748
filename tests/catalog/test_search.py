"""?q= searches names and descriptions in Bahasa Indonesia.

On PostgreSQL: the `indonesian` snowball stemmer (it reduces "menganyam",
"dianyam" and "anyaman" all to "anyam"), ranking, and trigram similarity for
typos. On SQLite: a plain case-insensitive match.
"""

import pytest
from django.db import connection

from tests.factories import MembershipFactory, ProductFactory, category

pytestmark = pytest.mark.django_db


def found(api, query: str, **filters) -> list[str]:
    response = api.get("/api/v1/products/", {"q": query, **filters})
    assert response.status_code == 200, response.json()
    return [product["name"] for product in response.json()["results"]]


@pytest.fixture
def market():
    ProductFactory(
        name="Kopi Bubuk Robusta",
        description="Kopi robusta Sanggau Ledo.",
        category=category("kopi-teh"),
        variants=[{"price": 25_000}],
    )
    ProductFactory(
        name="Keranjang Rotan",
        description="Hasil menganyam ibu-ibu Desa Sebalo.",
        category=category("anyaman"),
        variants=[{"price": 85_000}],
    )
    ProductFactory(
        name="Tas Anyaman Bambu",
        description="Tas belanja motif Dayak.",
        category=category("anyaman"),
        variants=[{"price": 120_000}],
    )
    ProductFactory(
        name="Lada Putih Seluas",
        description="Lada putih kering, pedas.",
        category=category("lada"),
        variants=[{"price": 60_000}],
    )


@pytest.mark.postgres
def test_a_word_finds_the_product_named_with_it(api, market):
    assert found(api, "kopi") == ["Kopi Bubuk Robusta"]
    assert found(api, "KOPI bubuk") == ["Kopi Bubuk Robusta"]


@pytest.mark.postgres
def test_a_word_finds_other_forms_of_its_stem(api, market):
    # "anyaman" (weaving) and "menganyam" (to weave) share the stem "anyam".
    assert sorted(found(api, "anyaman")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]
    assert sorted(found(api, "menganyam")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]
    assert sorted(found(api, "dianyam")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]


@pytest.mark.postgres
def test_a_small_typo_still_finds(api, market):
    assert found(api, "kopii") == ["Kopi Bubuk Robusta"]
    assert found(api, "keranjan") == ["Keranjang Rotan"]


@pytest.mark.postgres
def test_an_unrelated_word_finds_nothing(api, market):
    assert found(api, "karet") == []


@pytest.mark.postgres
def test_a_product_named_with_the_word_ranks_above_one_that_only_describes_it(api):
    ProductFactory(name="Kopi Bubuk Robusta", description="Dari kebun anggota.")
    # Newer, so it would come first without ranking.
    ProductFactory(name="Gula Aren Cetak", description="Pemanis untuk kopi dan teh.")

    assert found(api, "kopi") == ["Kopi Bubuk Robusta", "Gula Aren Cetak"]
    assert found(api, "kopi", ordering="relevance") == ["Kopi Bubuk Robusta", "Gula Aren Cetak"]


@pytest.mark.postgres
def test_search_combines_with_filters_and_orderings(api, market):
    ProductFactory(
        name="Kopi Liberika",
        category=category("kopi-teh"),
        variants=[{"price": 95_000, "stock": 0}],
    )
    ProductFactory(name="Kopi Hijau Draft", status="draft")

    assert found(api, "kopi", category="makanan-minuman", ordering="-price") == [
        "Kopi Liberika",
        "Kopi Bubuk Robusta",
    ]
    assert found(api, "kopi", in_stock="true") == ["Kopi Bubuk Robusta"]
    assert found(api, "kopi", category="kerajinan") == []


@pytest.mark.postgres
def test_created_and_edited_products_are_found_by_their_new_words(
    user_client, api, cooperative, staff
):
    client = user_client(staff)
    created = client.post(
        "/api/v1/products/",
        {
            "cooperative": cooperative.slug,
            "name": "Madu Kelulut",
            "category": "gula-aren-madu",
            "status": "active",
            "variants": [{"sku": "MADU", "name": "250 ml", "price": 80_000, "stock": 5}],
        },
        format="json",
    ).json()
    assert found(api, "madu") == ["Madu Kelulut"]

    client.patch(
        f"/api/v1/products/{created['id']}/",
        {"name": "Gula Semut", "description": "Gula aren bubuk."},
        format="json",
    )

    assert found(api, "madu") == []
    assert found(api, "semut") == ["Gula Semut"]
    assert found(api, "aren") == ["Gula Semut"]


@pytest.mark.postgres
def test_a_product_edited_in_the_admin_is_found_by_its_new_name(admin_client, api):
    product = ProductFactory(name="Beras Merah", variants=[{"sku": "BERAS-1"}])
    variant = product.variants.get()
    form = {
        "name": "Beras Hitam Organik",
        "slug": product.slug,
        "description": "",
        "category": product.category_id,
        "unit": product.unit,
        "weight_grams": product.weight_grams,
        "status": product.status,
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 1,
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-name": variant.name,
        "variants-0-price": variant.price,
        "variants-0-stock": variant.stock,
        "initial-variants-0-stock": variant.stock,
        "variants-0-low_stock_threshold": variant.low_stock_threshold,
        "images-TOTAL_FORMS": 0,
        "images-INITIAL_FORMS": 0,
    }

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    assert found(api, "hitam") == ["Beras Hitam Organik"]
    assert found(api, "merah") == []


@pytest.mark.postgres
def test_search_runs_a_fixed_number_of_queries(api, django_assert_num_queries):
    ProductFactory.create_batch(15, name="Kopi Bubuk")

    with django_assert_num_queries(3):
        response = api.get("/api/v1/products/", {"q": "kopi", "page_size": 15})

    assert len(response.json()["results"]) == 15


@pytest.mark.parametrize(
    "query", ["'", "kopi & | !", "(((", "-", '"kopi', "kopi:*", "<>", "  kopi  ", "%", "_", "\\"]
)
def test_any_text_is_a_search_not_an_error(api, market, query):
    response = api.get("/api/v1/products/", {"q": query})
    assert response.status_code == 200


def test_a_blank_search_lists_everything(api, market):
    assert len(found(api, "")) == 4
    assert len(found(api, "   ")) == 4


def test_a_too_long_search_is_a_400_naming_q(api):
    response = api.get("/api/v1/products/", {"q": "kopi " * 100})
    assert response.status_code == 400
    assert "q" in response.json()


def test_search_never_reveals_drafts(api, user_client):
    product = ProductFactory(name="Kopi Rahasia", status="draft")
    member = MembershipFactory(cooperative=product.cooperative).user
    assert found(api, "rahasia") == []
    assert found(user_client(member), "rahasia") == []


def test_on_sqlite_search_is_a_case_insensitive_match_of_name_or_description(api, market):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite fallback; PostgreSQL searches with its own tests")

    assert found(api, "KOPI") == ["Kopi Bubuk Robusta"]
    assert found(api, "sanggau") == ["Kopi Bubuk Robusta"]
    assert found(api, "Anyaman") == ["Tas Anyaman Bambu"]  # no stems on SQLite
    assert found(api, "lada putih") == ["Lada Putih Seluas"]
    assert found(api, "kopii") == []


def test_on_sqlite_name_matches_rank_above_description_matches(api):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite fallback; PostgreSQL ranks with its own tests")
    in_name = ProductFactory(name="Madu Kelulut")
    ProductFactory(name="Gula Aren", description="Manis seperti madu")
    ProductFactory(name="Lada Hitam")  # newest, matching nothing

    assert found(api, "madu") == [in_name.name, "Gula Aren"]
