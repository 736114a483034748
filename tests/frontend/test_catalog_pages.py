import datetime
import re

import pytest
import time_machine

from catalog.models import Product, Review
from catalog.services import review_create
from orders.models import Order
from orders.selectors import cart_for
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    ProductImageFactory,
    ShippingOptionFactory,
    UserFactory,
    category,
    district,
    order_placed,
)
from tests.frontend.conftest import queries_of

pytestmark = pytest.mark.django_db

JAKARTA = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def page_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def product_names(html: str) -> list[str]:
    """The product cards' names, in the order shown."""
    return re.findall(r'<li class="card">.*?<strong>(.*?)</strong>', html, re.S)


def reviewed(product: Product, rating: int, text: str = "") -> Review:
    """A review through the real service, after a delivered order of the product."""
    order = order_placed(variant=product.variants.get(), status=Order.Status.DELIVERED)
    return review_create(buyer=order.buyer, order_line_pk=order.lines.get().pk,
                         rating=rating, text=text)


# ---------------------------------------------------------------- home


def test_home_shows_top_level_categories_as_chips_linking_to_search(client):
    page = page_of(client.get("/"))
    assert 'href="/search/?category=makanan-minuman"' in page
    assert "Kopi &amp; Teh" not in page  # a subcategory


def test_home_features_the_newest_products_in_stock(client):
    ProductFactory(name="Lada Lama")
    ProductFactory(name="Madu Habis", variants=[{"stock": 0}])
    ProductFactory(name="Kopi Draf", status="draft")
    ProductFactory(name="Kopi Baru")

    names = product_names(page_of(client.get("/")))

    assert names == ["Kopi Baru", "Lada Lama"]


def test_home_counts_the_verified_cooperatives_of_each_kecamatan(client):
    ledo = district("61.07.03")
    CooperativeFactory.create_batch(2, region=ledo)
    CooperativeFactory(region=ledo, status="pending")

    page = page_of(client.get("/"))

    assert re.search(r'href="/cooperatives/\?region=61\.07\.03">Ledo <span class="muted">'
                     r"2 cooperatives</span>", page)
    assert "Seluas" not in page  # a kecamatan without cooperatives


def test_home_runs_the_same_queries_with_5_or_30_products(client):
    for _ in range(5):
        ProductImageFactory()
    few = queries_of(client, "/")
    for _ in range(25):
        ProductImageFactory()
    assert queries_of(client, "/") == few <= 4


# ---------------------------------------------------------------- search


def test_search_finds_products_by_their_words_and_keeps_them_in_the_header_box(client):
    ProductFactory(name="Kopi Robusta Ledo")
    ProductFactory(name="Lada Putih Seluas")
    ProductFactory(name="Kopi Draf", status="draft")

    page = page_of(client.get("/search/", {"q": "kopi"}))

    assert product_names(page) == ["Kopi Robusta Ledo"]
    assert 'id="top-q" type="search" name="q" value="kopi"' in page
    assert '<input type="hidden" name="q" value="kopi">' in page


def test_search_words_are_shown_escaped(client):
    page = page_of(client.get("/search/", {"q": '<script>alert("x")</script>'}))
    assert "<script>alert" not in page
    assert "Results for “&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;”" in page


def test_search_by_a_top_level_category_includes_its_subcategories(client):
    ProductFactory(name="Kopi Ledo", category=category("kopi-teh"))
    ProductFactory(name="Lada Seluas", category=category("lada"))

    page = page_of(client.get("/search/", {"category": "makanan-minuman"}))

    assert product_names(page) == ["Kopi Ledo"]
    assert '<option value="makanan-minuman" selected>' in page


def test_search_by_kecamatan_shows_its_cooperatives_products(client):
    ProductFactory(name="Kopi Ledo", cooperative=CooperativeFactory(region=district("61.07.03")))
    ProductFactory(name="Lada Seluas", cooperative=CooperativeFactory(region=district("61.07.05")))

    page = page_of(client.get("/search/", {"region": "61.07.03"}))

    assert product_names(page) == ["Kopi Ledo"]


def test_search_by_price_range_reads_indonesian_thousands(client):
    ProductFactory(name="Murah", variants=[{"price": 10_000}])
    ProductFactory(name="Sedang", variants=[{"price": 25_000}])
    ProductFactory(name="Mahal", variants=[{"price": 90_000}])

    page = page_of(client.get("/search/", {"min_price": "20.000", "max_price": "Rp 50000"}))

    assert product_names(page) == ["Sedang"]


def test_a_price_that_is_not_whole_rupiah_is_shown_as_an_error_and_filters_nothing(client):
    ProductFactory(name="Murah", variants=[{"price": 10_000}])
    ProductFactory(name="Mahal", variants=[{"price": 90_000}], category=category("lada"))

    response = client.get("/search/", {"min_price": "12,5", "category": "lada"})

    page = page_of(response)
    assert product_names(page) == ["Mahal"]  # the category still applies
    assert '<p class="field-error" id="f-min-error">Enter whole rupiah' in page
    assert 'value="12,5" aria-describedby="f-min-error" aria-invalid="true"' in page
    assert "<details class=\"filters\" open>" in page


def test_a_lowest_price_above_the_highest_is_refused_with_a_message(client):
    ProductFactory(name="Sedang", variants=[{"price": 25_000}])
    ProductFactory(name="Mahal", variants=[{"price": 35_000}])

    page = page_of(client.get("/search/", {"min_price": "30000", "max_price": "20000"}))

    assert product_names(page) == ["Mahal"]  # the lowest price applies, the highest not
    assert 'id="f-max-error">The highest price is below the lowest.' in page


def test_an_absurd_price_is_refused_with_a_message(client):
    ProductFactory(name="Sedang")

    page = page_of(client.get("/search/", {"max_price": "9" * 40}))

    assert product_names(page) == ["Sedang"]
    assert 'id="f-max-error">At most Rp1.000.000.000.</p>' in page


def test_an_unknown_category_or_kecamatan_is_shown_as_an_error_and_filters_nothing(client):
    ProductFactory(name="Madu Kelulut")

    page = page_of(client.get("/search/", {"category": "tidak-ada", "region": "99.99"}))

    assert product_names(page) == ["Madu Kelulut"]
    assert re.search(r'id="f-category-error">Select a valid choice\. tidak-ada is not', page)
    assert re.search(r'id="f-region-error">Select a valid choice\. 99\.99 is not', page)


def test_search_in_stock_only_leaves_out_the_sold_out(client):
    ProductFactory(name="Ada")
    ProductFactory(name="Habis", variants=[{"stock": 0}])

    page = page_of(client.get("/search/", {"in_stock": "1"}))

    assert product_names(page) == ["Ada"]
    assert 'name="in_stock" value="1" checked' in page


@pytest.mark.parametrize(
    ("sort", "names"),
    [("price", ["B", "C", "A"]), ("-price", ["A", "C", "B"]), ("name", ["A", "B", "C"]),
     ("", ["C", "B", "A"])],
)
def test_search_sorts_by_price_name_or_newest(client, sort, names):
    ProductFactory(name="A", variants=[{"price": 30_000}])
    ProductFactory(name="B", variants=[{"price": 10_000}])
    ProductFactory(name="C", variants=[{"price": 20_000}])

    assert product_names(page_of(client.get("/search/", {"sort": sort}))) == names


def test_the_best_match_order_is_offered_only_with_search_words(client):
    assert 'value="relevance"' not in page_of(client.get("/search/"))
    assert 'value="relevance"' in page_of(client.get("/search/", {"q": "kopi"}))


def test_search_without_javascript_submits_the_filters_with_an_apply_button(client):
    page = page_of(client.get("/search/"))

    form = re.search(r'<form id="filters"(.*?)</form>', page, re.S)[0]
    assert 'method="get" action="/search/"' in form
    assert 'hx-get="/search/"' in form
    assert 'hx-target="#results"' in form
    assert 'hx-push-url="true"' in form
    assert '<button type="submit">Apply</button>' in form
    for label in ("f-category", "f-region", "f-min", "f-max", "f-stock", "f-sort"):
        assert f'for="{label}"' in form


def test_htmx_gets_only_the_results_of_a_filter_change(client):
    ProductFactory(name="Lada Seluas", category=category("lada"))
    ProductFactory(name="Kopi Ledo")

    response = client.get("/search/", {"category": "lada"}, HTTP_HX_REQUEST="true")

    fragment = page_of(response)
    assert product_names(fragment) == ["Lada Seluas"]
    assert "<html" not in fragment
    assert "<form" not in fragment
    assert "HX-Request" in response["Vary"]


def test_htmx_gets_the_filters_messages_to_swap_beside_their_fields(client):
    ProductFactory(name="Kopi Ledo")

    response = client.get("/search/", {"min_price": "murah"}, HTTP_HX_REQUEST="true")

    fragment = page_of(response)
    assert product_names(fragment) == ["Kopi Ledo"]
    assert ('<p class="field-error" id="f-min-error" hx-swap-oob="true">Enter whole rupiah'
            in fragment)
    assert '<p class="field-error" id="f-max-error" hx-swap-oob="true"></p>' in fragment


def test_going_back_to_a_pushed_address_gets_the_whole_page(client):
    response = client.get("/search/", {"category": "lada"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in page_of(response)


def test_search_pages_keep_the_filters_in_their_links(client):
    for number in range(30):
        ProductFactory(name=f"Lada {number:02d}", category=category("lada"))

    first = page_of(client.get("/search/", {"category": "lada", "sort": "name"}))
    second = page_of(client.get("/search/", {"category": "lada", "sort": "name", "page": 2}))

    assert len(product_names(first)) == 24
    assert 'href="?category=lada&amp;sort=name&amp;page=2"' in first
    assert product_names(second) == [f"Lada {number}" for number in range(24, 30)]


def test_search_runs_the_same_queries_with_5_or_30_products(client):
    for _ in range(5):
        ProductImageFactory(product=ProductFactory(name="Kopi Ledo"))
    query = {"q": "kopi", "category": "kopi-teh", "in_stock": "1", "region": "61.07.04"}
    few = queries_of(client, "/search/", **query)
    for _ in range(25):
        ProductImageFactory(product=ProductFactory(name="Kopi Ledo"))
    assert queries_of(client, "/search/", **query) == few <= 6


# ---------------------------------------------------------------- product


def test_the_product_page_offers_its_variants_to_the_cart(client):
    product = ProductFactory(
        name="Kopi Robusta Ledo", description="Kopi bubuk dari Ledo.",
        variants=[{"name": "250 g", "price": 35_000, "stock": 4},
                  {"name": "1 kg", "price": 120_000, "stock": 0}],
    )
    small, big = product.variants.order_by("price")

    page = page_of(client.get(f"/products/{product.pk}/"))

    assert "<h1>Kopi Robusta Ledo</h1>" in page
    assert "from Rp35.000" in page
    assert "Kopi bubuk dari Ledo." in page
    form = re.search(r'<form method="post" action="/cart/add/"(.*?)</form>', page, re.S)[0]
    assert 'hx-post="/cart/add/" hx-target="#cart-feedback" hx-swap="innerHTML"' in form
    assert f'name="variant" value="{small.pk}" checked' in form
    assert f'name="variant" value="{big.pk}" disabled' in form
    assert "4 in stock" in form
    assert "Out of stock" in form
    assert 'name="quantity" type="number"' in form
    assert f'name="next" value="/products/{product.pk}/"' in form
    assert '<div id="cart-feedback" role="status" aria-live="polite"></div>' in form


def test_the_add_to_cart_form_works_without_javascript(client):
    product = ProductFactory(variants=[{"stock": 5}])
    buyer = UserFactory()
    client.force_login(buyer)
    form = re.search(r'<form method="post" action="/cart/add/"(.*?)</form>',
                     page_of(client.get(f"/products/{product.pk}/")), re.S)[0]
    fields = dict(re.findall(r'name="(\w+)"(?: type="\w+")? value="([^"]*)"', form))

    response = client.post("/cart/add/", {**fields, "quantity": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"/products/{product.pk}/"
    assert [(item.variant.product_id, item.quantity) for item in cart_for(user=buyer)] == [
        (product.pk, 2)
    ]


def test_a_product_sold_out_everywhere_has_no_add_button(client):
    product = ProductFactory(variants=[{"stock": 0}])
    page = page_of(client.get(f"/products/{product.pk}/"))
    assert "Add to cart" not in page
    assert "<strong>Out of stock</strong>" in page


def test_a_sold_out_variant_reads_stok_habis_in_bahasa_indonesia(client, settings):
    settings.LANGUAGE_CODE = "id"
    product = ProductFactory(variants=[{"stock": 0}])
    assert "Stok habis" in page_of(client.get(f"/products/{product.pk}/"))


def test_the_first_photo_is_large_and_the_others_are_lazy_thumbnails_linking_to_large(client):
    product = ProductFactory(name="Tikar Rotan")
    cover = ProductImageFactory(product=product, position=0,
                                thumbnails={"large": "products/1/cover-large.webp"})
    ProductImageFactory(product=product, position=1,
                        thumbnails={"small": "products/1/side-small.webp",
                                    "large": "products/1/side-large.webp"})

    page = page_of(client.get(f"/products/{product.pk}/"))

    assert re.search(r'<img src="/media/products/1/cover-large.webp"[^>]*'
                     r'sizes="\(min-width: 48rem\) 32rem, 100vw" alt="Tikar Rotan" '
                     r'width="800" height="800">', page)
    assert cover.image.url not in page
    assert re.search(r'<a href="/media/products/1/side-large.webp"><img '
                     r'src="/media/products/1/side-small.webp"[^>]*alt="Tikar Rotan, photo 2"'
                     r'[^>]*loading="lazy"', page)


def test_the_product_page_shows_its_cooperative_with_its_badges(client):
    cooperative = CooperativeFactory(name="Koperasi Tani Ledo", slug="tani-ledo",
                                     last_rat_date=datetime.date(2026, 2, 14))
    product = ProductFactory(cooperative=cooperative)

    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=JAKARTA), tick=False):
        this_year = page_of(client.get(f"/products/{product.pk}/"))
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA), tick=False):
        next_year = page_of(client.get(f"/products/{product.pk}/"))

    assert '<a href="/cooperatives/tani-ledo/"><strong>Koperasi Tani Ledo</strong></a>' in this_year
    assert "Verified by the dinas" in this_year
    assert "RAT held 2026" in this_year
    assert "RAT held" not in next_year  # already 2027 in Jakarta (still 2026 in UTC)


def test_the_product_page_shows_the_rating_and_the_latest_reviews_by_pages(client):
    product = ProductFactory(name="Madu Kelulut", variants=[{"stock": 100}])
    for number in range(12):
        reviewed(product, rating=5 if number % 3 else 3, text=f"Ulasan nomor {number}")

    first = page_of(client.get(f"/products/{product.pk}/"))
    third = page_of(client.get(f"/products/{product.pk}/", {"reviews_page": 3}))

    assert "★★★★☆</span> <span class=\"visually-hidden\">Rating</span> 4.3" in first
    assert "(12 reviews)" in first
    assert [f"Ulasan nomor {n}" for n in (11, 10, 9, 8, 7)] == re.findall(r"Ulasan nomor \d+",
                                                                           first)
    assert 'href="?reviews_page=2#reviews"' in first
    assert re.findall(r"Ulasan nomor \d+", third) == ["Ulasan nomor 1", "Ulasan nomor 0"]


def test_a_product_without_reviews_says_so(client):
    product = ProductFactory()
    assert "No reviews yet." in page_of(client.get(f"/products/{product.pk}/"))


def test_a_draft_product_is_404_to_strangers_and_shown_to_its_staff(client):
    product = ProductFactory(name="Kopi Draf", status="draft")
    staff = MembershipFactory(cooperative=product.cooperative).user

    assert client.get(f"/products/{product.pk}/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/products/{product.pk}/").status_code == 404
    client.force_login(staff)
    assert "Kopi Draf" in page_of(client.get(f"/products/{product.pk}/"))


def test_an_unknown_product_is_404(client):
    assert client.get("/products/999999/").status_code == 404


def test_the_product_page_runs_the_same_queries_whatever_its_photos_variants_and_reviews(client):
    product = ProductFactory(variants=[{"stock": 100}])
    ProductImageFactory(product=product)
    reviewed(product, rating=4)
    few = queries_of(client, f"/products/{product.pk}/")
    for position in range(1, 6):
        ProductImageFactory(product=product, position=position)
    for _ in range(7):
        reviewed(product, rating=5)
    assert queries_of(client, f"/products/{product.pk}/") == few <= 5


# ---------------------------------------------------------------- storefront


def test_the_storefront_shows_the_profile_contact_products_and_shipping(client):
    cooperative = CooperativeFactory(
        name="Koperasi Rotan Seluas", slug="rotan-seluas", kind="produsen",
        region=district("61.07.05"), description="Anyaman rotan dari Seluas.",
        address="Jl. Seluas No. 3", phone="081255500011", email="rotan@example.com",
        logo="cooperatives/logos/rotan.png",
    )
    ProductFactory(cooperative=cooperative, name="Tikar Rotan")
    ProductFactory(cooperative=cooperative, name="Tas Draf", status="draft")
    ProductFactory(name="Kopi Lain")
    ShippingOptionFactory(cooperative=cooperative, name="Ambil sendiri", kind="pickup", fee=0)
    ShippingOptionFactory(cooperative=cooperative, name="Antar Seluas", fee=15_000)
    ShippingOptionFactory(cooperative=cooperative, name="Kurir lama", is_active=False)

    page = page_of(client.get("/cooperatives/rotan-seluas/"))

    assert "<h1>Koperasi Rotan Seluas</h1>" in page
    assert "producer cooperative · Kecamatan Seluas" in page
    assert "Anyaman rotan dari Seluas." in page
    assert '<img class="logo" src="/media/cooperatives/logos/rotan.png"' in page
    assert "Jl. Seluas No. 3" in page
    assert 'href="tel:081255500011"' in page
    assert 'href="mailto:rotan@example.com"' in page
    assert "Verified by the dinas" in page
    assert product_names(page) == ["Tikar Rotan"]
    assert "Ambil sendiri" in page
    assert "free" in page
    assert "Antar Seluas" in page
    assert "Rp15.000" in page
    assert "Kurir lama" not in page


def test_a_pending_cooperative_is_404_to_strangers_and_shown_to_its_staff(client):
    cooperative = CooperativeFactory(status="pending", slug="menunggu")
    staff = MembershipFactory(cooperative=cooperative).user

    assert client.get("/cooperatives/menunggu/").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/cooperatives/menunggu/").status_code == 404
    client.force_login(staff)
    assert client.get("/cooperatives/menunggu/").status_code == 200


def test_the_storefront_runs_the_same_queries_with_5_or_30_products(client):
    cooperative = CooperativeFactory(slug="ramai")
    ShippingOptionFactory(cooperative=cooperative)
    for _ in range(5):
        ProductImageFactory(product=ProductFactory(cooperative=cooperative))
    few = queries_of(client, "/cooperatives/ramai/")
    for _ in range(25):
        ProductImageFactory(product=ProductFactory(cooperative=cooperative))
    assert queries_of(client, "/cooperatives/ramai/") == few <= 5


# ---------------------------------------------------------------- cooperatives


def test_the_cooperatives_list_filters_by_kecamatan(client):
    CooperativeFactory(name="Koperasi Ledo", region=district("61.07.03"))
    CooperativeFactory(name="Koperasi Seluas", region=district("61.07.05"))

    page = page_of(client.get("/cooperatives/", {"region": "61.07.03"}))

    assert "Koperasi Ledo" in page
    assert "Koperasi Seluas" not in page
    assert '<option value="61.07.03" selected>Ledo</option>' in page


def test_an_unknown_kecamatan_lists_every_cooperative_with_a_message(client):
    CooperativeFactory(name="Koperasi Ledo", region=district("61.07.03"))

    page = page_of(client.get("/cooperatives/", {"region": "61"}))

    assert "Koperasi Ledo" in page
    assert 'id="coop-region-error">Select a valid choice. 61 is not' in page


def test_the_cooperatives_list_runs_the_same_queries_with_5_or_30_cooperatives(client):
    CooperativeFactory.create_batch(5)
    few = queries_of(client, "/cooperatives/")
    CooperativeFactory.create_batch(25)
    assert queries_of(client, "/cooperatives/") == few <= 3
