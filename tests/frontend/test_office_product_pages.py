"""The back office's product pages: the list, create and edit, photos, publish, archive, stock."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Product, ProductImage, Variant
from events.models import Event
from tests.factories import (
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    ProductImageFactory,
    RegionFactory,
    UserFactory,
)
from tests.frontend.conftest import messages_of, page, queries_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def product(cooperative):
    return ProductFactory(cooperative=cooperative, name="Kopi Robusta Ledo", status="draft",
                          variants=[{"sku": "KOPI-250", "name": "250 g", "price": 35_000,
                                     "stock": 20}])


@pytest.fixture
def other_product():
    """A product on sale in the market, of another cooperative."""
    return ProductFactory(name="Lada Putih Seluas", variants=[{"sku": "LADA-100", "stock": 7}])


def logged_in(client, user):
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def png(name: str = "foto.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def product_post(**changes) -> dict:
    """A new product's form as the page posts it: two variant rows filled, one empty."""
    data = {
        "name": "Madu Hutan Bengkayang", "description": "Madu kelulut.", "category": "kopi-teh",
        "unit": "pcs", "weight_grams": "500", "status": "draft",
        "variants-TOTAL_FORMS": "3", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0", "variants-MAX_NUM_FORMS": "100",
        "variants-0-sku": "MADU-250", "variants-0-name": "250 ml", "variants-0-price": "60000",
        "variants-0-stock": "12",
        "variants-1-sku": "MADU-500", "variants-1-name": "500 ml", "variants-1-price": "110000",
        "variants-1-stock": "4",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def edit_post(product: Product, *, extra_rows: int = 3, **changes) -> dict:
    """The edit form of `product` as the page shows it, with `changes`."""
    variants = list(product.variants.order_by("pk"))
    data = {
        "name": product.name, "description": product.description,
        "category": product.category.slug, "unit": product.unit,
        "weight_grams": str(product.weight_grams), "status": product.status,
        "variants-TOTAL_FORMS": str(len(variants) + extra_rows),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0", "variants-MAX_NUM_FORMS": "100",
    }
    for index, variant in enumerate(variants):
        data.update({
            f"variants-{index}-variant": str(variant.pk),
            f"variants-{index}-stock_shown": str(variant.stock),
            f"variants-{index}-name": variant.name, f"variants-{index}-price": str(variant.price),
            f"variants-{index}-stock": str(variant.stock),
        })
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def snapshot(product: Product) -> tuple:
    product.refresh_from_db()
    return (product.name, product.status, product.price,
            sorted(product.variants.values_list("sku", "name", "price", "stock")),
            product.images.count())


# ---------------------------------------------------------------- who may open the pages


def finance_user():
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    return user


REFUSED = {
    "buyer": lambda cooperative: UserFactory(),
    "staff of another cooperative": lambda cooperative: MembershipFactory(role="owner").user,
    "dinas officer in scope": lambda cooperative: DinasOfficerFactory(
        regions=[cooperative.region.parent]).user,
    "dinas officer out of scope": lambda cooperative: DinasOfficerFactory(
        regions=[RegionFactory()]).user,
    "finance staff": lambda cooperative: finance_user(),
}
ALLOWED = {
    "staff": lambda cooperative: MembershipFactory(cooperative=cooperative, role="staff").user,
    "manager": lambda cooperative: MembershipFactory(cooperative=cooperative,
                                                     role="manager").user,
    "owner": lambda cooperative: MembershipFactory(cooperative=cooperative, role="owner").user,
    "platform admin": lambda cooperative: UserFactory(is_staff=True, is_superuser=True),
}


def requests_of(product: Product) -> dict:
    """Every page of this module: (method, path, data) and the status a staff member gets."""
    slug, variant = product.cooperative.slug, product.variants.get()
    base = f"/office/{slug}"
    return {
        "list": ("get", f"{base}/products/", None, 200),
        "new": ("get", f"{base}/products/new/", None, 200),
        "create": ("post", f"{base}/products/new/", product_post(), 302),
        "edit": ("get", f"{base}/products/{product.pk}/", None, 200),
        "save": ("post", f"{base}/products/{product.pk}/", edit_post(product, name="Kopi Baru"),
                 302),
        "photo": ("post", f"{base}/products/{product.pk}/images/", {"image": png()}, 302),
        "publish": ("post", f"{base}/products/{product.pk}/publish/", {}, 302),
        "archive": ("post", f"{base}/products/{product.pk}/archive/", {}, 302),
        "stock": ("post", f"{base}/variants/{variant.pk}/stock/", {"stock": "3"}, 302),
    }


PAGES = ["list", "new", "create", "edit", "save", "photo", "publish", "archive", "stock"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, product, name):
    method, path, data, _ = requests_of(product)[name]
    before = snapshot(product)

    response = getattr(client, method)(path, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")
    assert snapshot(product) == before
    assert Product.objects.count() == 1


@pytest.mark.parametrize("role", list(REFUSED))
@pytest.mark.parametrize("name", PAGES)
def test_who_is_not_the_cooperatives_staff_gets_404_and_nothing_changes(client, product, name,
                                                                        role):
    method, path, data, _ = requests_of(product)[name]
    logged_in(client, REFUSED[role](product.cooperative))
    before = snapshot(product)

    response = getattr(client, method)(path, data)

    assert response.status_code == 404
    assert snapshot(product) == before
    assert Product.objects.count() == 1


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("name", PAGES)
def test_any_staff_role_and_the_platform_admin_may_run_the_catalog(client, product, name, role):
    method, path, data, expected = requests_of(product)[name]
    logged_in(client, ALLOWED[role](product.cooperative))

    response = getattr(client, method)(path, data)

    assert response.status_code == expected
    assert not any(message.level_tag == "error" for message in response.wsgi_request._messages)


def test_a_staff_member_gets_404_for_another_cooperatives_product_and_variant(
    client, staff, cooperative, other_product
):
    logged_in(client, staff)
    base = f"/office/{cooperative.slug}"
    variant = other_product.variants.get()
    before = snapshot(other_product)

    assert client.get(f"{base}/products/{other_product.pk}/").status_code == 404
    assert client.post(f"{base}/products/{other_product.pk}/",
                       edit_post(other_product, name="Diambil")).status_code == 404
    assert client.post(f"{base}/products/{other_product.pk}/images/",
                       {"image": png()}).status_code == 404
    assert client.post(f"{base}/products/{other_product.pk}/archive/").status_code == 404
    assert client.post(f"{base}/variants/{variant.pk}/stock/", {"stock": "0"}).status_code == 404
    assert snapshot(other_product) == before


# ---------------------------------------------------------------- the list


def test_the_list_shows_the_cooperatives_products_in_every_status_and_no_others(
    client, staff, cooperative, other_product
):
    ProductFactory(cooperative=cooperative, name="Kopi Aktif")
    ProductFactory(cooperative=cooperative, name="Kopi Draf", status="draft")
    ProductFactory(cooperative=cooperative, name="Kopi Lama", status="archived",
                   variants=[{"stock": 3}, {"stock": 4}])
    logged_in(client, staff)

    html = page(client.get(f"/office/{cooperative.slug}/products/"))

    assert re.findall(r'<tr id="product-\d+">\s*<td[^>]*>.*?<a href="[^"]+">(.*?)</a>', html,
                      re.S) == ["Kopi Aktif", "Kopi Draf", "Kopi Lama"]
    assert "Lada Putih Seluas" not in html
    assert 'data-label="Total stock">7</td>' in html  # the archived one's total stock
    assert "Rp25.000" in html
    assert f'href="/office/{cooperative.slug}/products/new/"' in html


def test_the_list_searches_by_words_or_sku_and_filters_by_status(client, staff, cooperative):
    ProductFactory(cooperative=cooperative, name="Kopi Bubuk", variants=[{"sku": "KB-1"}])
    ProductFactory(cooperative=cooperative, name="Lada Hitam", status="draft",
                   variants=[{"sku": "LH-1"}])
    logged_in(client, staff)
    url = f"/office/{cooperative.slug}/products/"

    def names(**query):
        return re.findall(r'<a href="/office/[^"]+/products/\d+/">(.*?)</a>',
                          page(client.get(url, query)))

    assert names(q="kopi") == ["Kopi Bubuk"]
    assert names(q="lh-1") == ["Lada Hitam"]
    assert names(status="draft") == ["Lada Hitam"]
    assert names(status="active", q="lada") == []
    assert names(status="nonsense") == ["Kopi Bubuk", "Lada Hitam"]  # a bad filter: all


def test_the_list_is_paginated(client, staff, cooperative):
    for number in range(30):
        ProductFactory(cooperative=cooperative, name=f"Produk {number:02d}")
    logged_in(client, staff)

    html = page(client.get(f"/office/{cooperative.slug}/products/", {"page": 2}))

    assert html.count('<tr id="product-') == 6
    assert "30 products" in html


def test_the_list_runs_as_many_queries_for_30_products_as_for_3(client, staff, cooperative):
    for _number in range(3):
        ProductImageFactory(product=ProductFactory(cooperative=cooperative,
                                                   variants=[{}, {}]))
    logged_in(client, staff)
    url = f"/office/{cooperative.slug}/products/"
    few = queries_of(client, url)
    for _number in range(27):
        ProductImageFactory(product=ProductFactory(cooperative=cooperative,
                                                   variants=[{}, {}]))

    assert queries_of(client, url) == few
    assert few <= 12


# ---------------------------------------------------------------- create


def test_a_new_product_with_two_variants_is_created_from_a_plain_post(client, staff,
                                                                      cooperative):
    logged_in(client, staff)

    response = client.post(f"/office/{cooperative.slug}/products/new/", product_post())

    product = Product.objects.get(name="Madu Hutan Bengkayang")
    assert response.status_code == 302
    assert response["Location"] == f"/office/{cooperative.slug}/products/{product.pk}/"
    assert messages_of(response) == ["The product is saved."]
    assert (product.cooperative, product.status, product.price, product.weight_grams) == (
        cooperative, "draft", 60_000, 500)
    assert sorted(product.variants.values_list("sku", "name", "price", "stock")) == [
        ("MADU-250", "250 ml", 60_000, 12), ("MADU-500", "500 ml", 110_000, 4)]


def test_the_new_product_page_offers_the_categories_and_three_empty_variant_rows(client, staff,
                                                                               cooperative):
    logged_in(client, staff)

    html = page(client.get(f"/office/{cooperative.slug}/products/new/"))

    assert '<optgroup label="Makanan &amp; Minuman">' in html
    assert '<option value="kopi-teh">' in html
    assert html.count('class="variant-row"') == 3
    assert 'name="variants-2-sku"' in html
    assert '<option value="archived"' not in html  # a new product is draft or active


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "id_name_error", "This field is required."),
    ({"category": "no-such"}, "id_category_error", "Select a valid choice."),
    ({"variants-1-price": "0"}, "id_variants-1-price_error", "greater than or equal to 1"),
    ({"variants-1-sku": ""}, "id_variants-1-sku_error", "A new variant needs a SKU."),
    ({"variants-1-sku": "MADU-250"}, "id_variants-1-sku_error", "SKUs must differ"),
    ({"variants-0-sku": "KOPI-250"}, "id_variants-0-sku_error", "SKU already used"),
])
def test_a_refused_new_product_shows_the_error_beside_its_field_and_creates_nothing(
    client, staff, cooperative, product, changes, field, message
):
    logged_in(client, staff)

    response = client.post(f"/office/{cooperative.slug}/products/new/", product_post(**changes))

    assert response.status_code == 400
    error = re.search(rf'id="{field}">(.*?)</ul>', page(response), re.S)
    assert error
    assert message in error.group(1)
    assert Product.objects.count() == 1
    assert Variant.objects.count() == 1


def test_a_new_product_without_any_variant_is_refused_with_the_services_message(
    client, staff, cooperative
):
    logged_in(client, staff)
    empty = {f"variants-{i}-{name}": None for i in (0, 1) for name in ("sku", "name", "price",
                                                                      "stock")}

    response = client.post(f"/office/{cooperative.slug}/products/new/", product_post(**empty))

    assert response.status_code == 400
    assert "A product needs at least one variant." in page(response)
    assert not Product.objects.exists()


# ---------------------------------------------------------------- edit


def test_the_edit_page_shows_the_product_its_variants_and_empty_rows(client, staff, product):
    logged_in(client, staff)

    html = page(client.get(f"/office/{product.cooperative.slug}/products/{product.pk}/"))

    assert 'value="Kopi Robusta Ledo"' in html
    assert "KOPI-250" in html
    assert 'name="variants-0-sku"' not in html  # an existing SKU stays
    assert html.count('class="variant-row"') == 4
    assert 'id="product-publish"' in html


def test_an_edit_changes_the_product_adds_changes_and_removes_variants_in_one_save(
    client, staff, cooperative
):
    product = ProductFactory(cooperative=cooperative, variants=[
        {"sku": "A", "name": "Kecil", "price": 20_000, "stock": 5},
        {"sku": "B", "name": "Besar", "price": 40_000, "stock": 8},
    ])
    logged_in(client, staff)
    data = edit_post(product, name="Kopi Bubuk Halus", **{
        "variants-0-price": "22000", "variants-0-stock": "9", "variants-1-remove": "on",
        "variants-2-sku": "C", "variants-2-name": "Sedang", "variants-2-price": "30000",
        "variants-2-stock": "6",
    })

    response = client.post(f"/office/{cooperative.slug}/products/{product.pk}/", data)

    assert response.status_code == 302
    assert response["Location"] == f"/office/{cooperative.slug}/products/{product.pk}/"
    product.refresh_from_db()
    assert (product.name, product.price) == ("Kopi Bubuk Halus", 22_000)
    assert sorted(product.variants.values_list("sku", "name", "price", "stock")) == [
        ("A", "Kecil", 22_000, 9), ("C", "Sedang", 30_000, 6)]
    stock_event = Event.objects.get(kind=Event.Kind.STOCK_SET)
    assert (stock_event.quantity, stock_event.actor) == (4, staff)


def test_saving_the_page_leaves_a_stock_that_changed_meanwhile_if_the_count_was_not_touched(
    client, staff, product
):
    logged_in(client, staff)
    data = edit_post(product, description="Disangrai sedang.")
    Variant.objects.filter(product=product).update(stock=17)  # a checkout took 3

    client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/", data)

    assert product.variants.get().stock == 17
    product.refresh_from_db()
    assert product.description == "Disangrai sedang."


def test_a_refused_edit_shows_the_error_on_its_row_and_changes_nothing(client, staff, product):
    logged_in(client, staff)
    before = snapshot(product)
    data = edit_post(product, name="Nama Baru", **{"variants-0-remove": "on"})

    response = client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/", data)

    assert response.status_code == 400
    assert "A product needs at least one variant." in page(response)
    assert snapshot(product) == before


def test_an_edit_with_a_taken_sku_in_a_new_row_changes_nothing(client, staff, product,
                                                              other_product):
    MembershipFactory(user=staff, cooperative=other_product.cooperative)
    ProductFactory(cooperative=product.cooperative, variants=[{"sku": "TAKEN"}])
    logged_in(client, staff)
    before = snapshot(product)
    data = edit_post(product, name="Nama Baru", **{
        "variants-1-sku": "TAKEN", "variants-1-name": "1 kg", "variants-1-price": "90000",
        "variants-1-stock": "1",
    })

    response = client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/", data)

    assert response.status_code == 400
    assert re.search(r'id="id_variants-1-sku_error"><li>SKU already used', page(response))
    assert snapshot(product) == before


def test_an_edit_naming_a_variant_of_another_product_changes_nothing(client, staff, product):
    stranger = ProductFactory(cooperative=product.cooperative, variants=[{"price": 5_000}])
    logged_in(client, staff)
    before = snapshot(stranger)
    data = edit_post(product, **{"variants-0-variant": str(stranger.variants.get().pk),
                                 "variants-0-price": "1"})

    response = client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/", data)

    assert response.status_code == 400
    assert "no longer in the product" in page(response)
    assert snapshot(stranger) == before


def test_an_edit_naming_one_variant_in_two_rows_is_refused_and_changes_nothing(
    client, staff, cooperative
):
    product = ProductFactory(cooperative=cooperative, variants=[{"sku": "A"}, {"sku": "B"}])
    first = product.variants.order_by("pk").first()
    logged_in(client, staff)
    before = snapshot(product)
    data = edit_post(product, name="Nama Baru", **{
        "variants-0-remove": "on", "variants-1-variant": str(first.pk), "variants-1-remove": "on",
    })

    response = client.post(f"/office/{cooperative.slug}/products/{product.pk}/", data)

    assert response.status_code == 400
    assert "The same variant is named twice in one save." in page(response)
    assert snapshot(product) == before


def test_a_bad_management_form_is_a_400_not_a_crash(client, staff, product):
    logged_in(client, staff)

    response = client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/",
                           edit_post(product, **{"variants-TOTAL_FORMS": "many",
                                                 "variants-0-variant": "x"}))

    assert response.status_code == 400


# ---------------------------------------------------------------- photos


def test_an_uploaded_photo_is_stored_re_encoded_and_listed_before_its_thumbnails(
    client, staff, product, django_capture_on_commit_callbacks
):
    logged_in(client, staff)
    url = f"/office/{product.cooperative.slug}/products/{product.pk}/"

    response = client.post(f"{url}images/", {"image": png("IMG_0001.png")})

    assert response.status_code == 302
    assert response["Location"] == f"{url}#photos"
    image = product.images.get()
    assert image.image.name.startswith(f"products/{product.pk}/")
    assert "IMG_0001" not in image.image.name
    html = page(client.get(url))
    assert f'src="{image.image.url}"' in html  # the original, while no thumbnail exists


def test_a_file_that_is_not_an_image_is_refused_beside_the_field(client, staff, product):
    logged_in(client, staff)
    text = SimpleUploadedFile("foto.png", b"not a picture", content_type="image/png")

    response = client.post(
        f"/office/{product.cooperative.slug}/products/{product.pk}/images/", {"image": text}
    )

    assert response.status_code == 400
    assert re.search(r'id="id_image_error"><li>', page(response))
    assert not ProductImage.objects.exists()


def test_an_upload_without_a_file_is_refused(client, staff, product):
    logged_in(client, staff)

    response = client.post(f"/office/{product.cooperative.slug}/products/{product.pk}/images/")

    assert response.status_code == 400
    assert not ProductImage.objects.exists()


def test_the_photo_page_takes_no_get(client, staff, product):
    logged_in(client, staff)

    response = client.get(f"/office/{product.cooperative.slug}/products/{product.pk}/images/")

    assert response.status_code == 405


# ---------------------------------------------------------------- publish, archive


def test_publishing_puts_a_draft_on_sale_and_archiving_takes_it_out(client, staff, product):
    logged_in(client, staff)
    base = f"/office/{product.cooperative.slug}/products/{product.pk}"

    published = client.post(f"{base}/publish/")
    product.refresh_from_db()
    assert (published.status_code, product.status) == (302, "active")
    assert messages_of(published) == ["The product is on sale."]
    assert product.name in page(client.get("/search/", {"q": "robusta"}))

    archived = client.post(f"{base}/archive/")
    product.refresh_from_db()
    assert (archived.status_code, product.status) == (302, "archived")
    assert archived["Location"] == f"{base}/"


def test_an_unknown_action_is_404_and_a_get_is_refused(client, staff, product):
    logged_in(client, staff)
    base = f"/office/{product.cooperative.slug}/products/{product.pk}"

    assert client.post(f"{base}/delete/").status_code == 404
    assert client.get(f"{base}/publish/").status_code == 405
    product.refresh_from_db()
    assert product.status == "draft"


# ---------------------------------------------------------------- stock


def test_a_stock_count_from_the_list_goes_back_to_the_list_without_javascript(
    client, staff, product
):
    logged_in(client, staff)
    variant = product.variants.get()
    back = f"/office/{product.cooperative.slug}/products/?status=draft"

    response = client.post(f"/office/{product.cooperative.slug}/variants/{variant.pk}/stock/",
                           {"stock": "3", "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    variant.refresh_from_db()
    assert variant.stock == 3
    event = Event.objects.get(kind=Event.Kind.STOCK_SET)
    assert (event.quantity, event.actor, event.variant) == (-17, staff, variant)


def test_a_stock_count_with_htmx_gets_the_products_row_back(client, staff, product):
    logged_in(client, staff)
    variant = product.variants.get()

    response = client.post(f"/office/{product.cooperative.slug}/variants/{variant.pk}/stock/",
                           {"stock": "45"}, **HTMX)

    html = page(response)
    assert html.startswith(f'<tr id="product-{product.pk}">')
    assert 'data-label="Total stock">45</td>' in html
    assert "Saved." in html


@pytest.mark.parametrize("stock", ["-1", "many", "1000001", ""])
def test_a_bad_stock_count_is_refused_and_changes_nothing(client, staff, product, stock):
    logged_in(client, staff)
    variant = product.variants.get()
    url = f"/office/{product.cooperative.slug}/variants/{variant.pk}/stock/"

    with_htmx = client.post(url, {"stock": stock}, **HTMX)
    without = client.post(url, {"stock": stock})

    assert 'class="field-error" role="alert"' in page(with_htmx)
    assert without.status_code == 302
    assert messages_of(without)
    variant.refresh_from_db()
    assert variant.stock == 20
    assert not Event.objects.filter(kind=Event.Kind.STOCK_SET).exists()
