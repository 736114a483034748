"""?q= searches names and descriptions in Bahasa Indonesia, alike on both backends.

The Snowball Indonesian stemmer reduces "menganyam", "dianyam" and "anyaman" all
to "anyam"; every word of the query must match; names rank above descriptions;
and pg_trgm's word similarity on names forgives small typos. PostgreSQL has all
this built in, SQLite gets it from catalog.search: every test here runs on both.
"""

import pytest
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Value

from catalog.models import Product
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


@pytest.fixture
def shelf():
    """Products in the order they are made: without ranking, the last comes first."""
    for name, description in [
        ("Kopi Bubuk Robusta", "Kopi robusta Sanggau Ledo, digiling halus."),
        ("Kopi Luwak Biji", "Biji kopi luwak pilihan dari Jagoi Babang."),
        ("Anyaman Rotan Sebalo", "Tikar rotan buatan ibu-ibu Desa Sebalo."),
        ("Tas Bambu Motif Dayak", "Dianyam tangan dari bambu tali."),
        ("Lada Putih Seluas", "Lada putih kering, pedas."),
        ("Gula Aren Cetak", "Pemanis untuk kopi dan teh."),
    ]:
        ProductFactory(name=name, description=description)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Ranked: names with the word first, then descriptions; ties newest first.
        ("kopi", ["Kopi Luwak Biji", "Kopi Bubuk Robusta", "Gula Aren Cetak"]),
        # The stemmer takes the doubled letter off, as it does "kopinya" to "kopi".
        ("kopii", ["Kopi Luwak Biji", "Kopi Bubuk Robusta", "Gula Aren Cetak"]),
        ("KOPI", ["Kopi Luwak Biji", "Kopi Bubuk Robusta", "Gula Aren Cetak"]),
        # Typos the stemmer keeps: word similarity to a name (0.7 and 0.75, over 0.6).
        ("robustta", ["Kopi Bubuk Robusta"]),
        ("sebaloo", ["Anyaman Rotan Sebalo"]),
        ("robsta", []),  # 0.5: too far
        # "menganyam" (to weave) and "dianyam" (woven) share the stem of "anyaman".
        ("menganyam", ["Anyaman Rotan Sebalo", "Tas Bambu Motif Dayak"]),
        ("dianyam", ["Anyaman Rotan Sebalo", "Tas Bambu Motif Dayak"]),
        # Every word must match, adjacent or not, in any order.
        ("kopi bubuk", ["Kopi Bubuk Robusta"]),
        ("bubuk kopi", ["Kopi Bubuk Robusta"]),
        ("kopi sanggau", ["Kopi Bubuk Robusta"]),  # one word in the name, one in the text
        ("kopi karet", []),
        ("lada", ["Lada Putih Seluas"]),
        ("teh", ["Gula Aren Cetak"]),
        ("karet", []),
    ],
)
def test_search_finds_by_stem_every_word_and_small_typos_ranked(api, shelf, query, expected):
    assert found(api, query) == expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # Values of PostgreSQL's pg_trgm word_similarity(query, text) for these pairs.
        ("kopii", "Kopi Bubuk Robusta", 4 / 6),
        ("kopi bubuk", "Kopi Luwak Biji", 5 / 11),
        ("robustta", "Kopi Bubuk Robusta", 7 / 10),
        ("keranjan", "Keranjang Rotan", 8 / 9),
        ("lada", "Lada Putih Seluas", 1.0),
        ("kopi kopi", "kopi, ko-pi", 1.0),
        ("Sebaloo", "Desa   sebalo_2", 6 / 8),  # case, spaces and punctuation do not count
        ("&|!", "Kopi", 0.0),
    ],
)
def test_word_similarity_is_the_one_pg_trgm_computes(query, text, expected):
    product = ProductFactory(name=text)

    similarity = (
        Product.objects.filter(pk=product.pk)
        .annotate(similarity=TrigramWordSimilarity(Value(query), "name"))
        .get()
        .similarity
    )

    assert similarity == pytest.approx(expected, abs=1e-6)


def test_a_word_finds_the_product_named_with_it(api, market):
    assert found(api, "kopi") == ["Kopi Bubuk Robusta"]
    assert found(api, "KOPI bubuk") == ["Kopi Bubuk Robusta"]


def test_a_word_finds_other_forms_of_its_stem(api, market):
    # "anyaman" (weaving) and "menganyam" (to weave) share the stem "anyam".
    assert sorted(found(api, "anyaman")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]
    assert sorted(found(api, "menganyam")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]
    assert sorted(found(api, "dianyam")) == ["Keranjang Rotan", "Tas Anyaman Bambu"]


def test_a_small_typo_still_finds(api, market):
    assert found(api, "kopii") == ["Kopi Bubuk Robusta"]
    assert found(api, "keranjan") == ["Keranjang Rotan"]


def test_an_unrelated_word_finds_nothing(api, market):
    assert found(api, "karet") == []


def test_a_product_named_with_the_word_ranks_above_one_that_only_describes_it(api):
    ProductFactory(name="Kopi Bubuk Robusta", description="Dari kebun anggota.")
    # Newer, so it would come first without ranking.
    ProductFactory(name="Gula Aren Cetak", description="Pemanis untuk kopi dan teh.")

    assert found(api, "kopi") == ["Kopi Bubuk Robusta", "Gula Aren Cetak"]
    assert found(api, "kopi", ordering="relevance") == ["Kopi Bubuk Robusta", "Gula Aren Cetak"]


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


def test_wildcards_in_a_search_are_letters_not_patterns(api, market):
    assert found(api, "%") == []
    assert found(api, "_") == []
    assert found(api, "%pi") == []
    assert found(api, "k_pi") == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_products_their_search_document(api):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL searches search_vector; the document stays empty there")
    ProductFactory(name="Anyaman Rotan Sebalo", description="Tikar buatan ibu-ibu.")
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("catalog", "0007_product_search_document")
    executor.migrate(migration.dependencies)  # back to before the document existed
    executor.loader.build_graph()

    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Product.objects.get().search_document == (
        " anyam:A rotan:A sebalo:A tikar:B buat:B ibu:B "
    )
    assert found(api, "menganyam") == ["Anyaman Rotan Sebalo"]
