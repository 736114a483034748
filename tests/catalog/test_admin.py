"""The catalog in the Django admin: pages load, inline photos are checked like API uploads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Product, ProductImage, Variant
from market.images import THUMBNAIL_SIZES
from tests.catalog.uploads import camera_exif, image_bytes, image_upload, text_file_named_jpg
from tests.factories import CooperativeFactory, ProductFactory, ProductImageFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    product = ProductFactory(
        name="Lada Hitam Seluas",
        category=category("lada"),
        variants=[{"sku": "LADA-1", "price": 60_000, "stock": 5}],
    )
    ProductImageFactory(product=product)
    return product


@pytest.mark.parametrize("model", ["product", "category"])
def test_admin_lists_search_and_filter_the_catalog(admin_client, product, model):
    url = f"/admin/catalog/{model}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "lada"}).status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 200


def test_admin_product_list_filters_and_finds_by_sku(admin_client, product):
    response = admin_client.get("/admin/catalog/product/", {"q": "LADA-1"})
    assert product.name in response.content.decode()
    assert (
        admin_client.get("/admin/catalog/product/", {"status__exact": "draft"}).status_code == 200
    )


def test_admin_change_forms_load_with_variants_and_images(admin_client, product):
    response = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    assert response.status_code == 200
    assert "LADA-1" in response.content.decode()
    lada = category("lada")
    assert admin_client.get(f"/admin/catalog/category/{lada.pk}/change/").status_code == 200


def change_form(product, *, variants=None, new_variants=(), images=()) -> dict:
    """The POST of the product change form, keeping its variants unless told otherwise."""
    variants = list(product.variants.order_by("pk")) if variants is None else variants
    rows = [
        {
            "id": variant.pk,
            "sku": variant.sku,
            "name": variant.name,
            "price": variant.price,
            "stock": variant.stock,
        }
        for variant in variants
    ] + [{"id": "", "name": "1 kg", "price": 10_000, "stock": 1, **row} for row in new_variants]
    data = {
        "cooperative": product.cooperative_id,
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "category": product.category_id,
        "unit": product.unit,
        "weight_grams": product.weight_grams,
        "status": product.status,
        "variants-TOTAL_FORMS": len(rows),
        "variants-INITIAL_FORMS": len(variants),
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
        "images-TOTAL_FORMS": len(images),
        "images-INITIAL_FORMS": 0,
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"variants-{index}-{name}": value for name, value in row.items()})
        data[f"variants-{index}-product"] = product.pk or ""
    for index, upload in enumerate(images):
        data.update({f"images-{index}-image": upload, f"images-{index}-position": index})
    return data


def change(admin_client, product, **form):
    return admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, **form)
    )


def variant_errors(response) -> list:
    return response.context["inline_admin_formsets"][0].formset.errors


def stored_files(settings) -> set:
    return {path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(text_file_named_jpg, id="text renamed .jpg"),
        pytest.param(lambda: image_upload("GIF", size=(64, 64), name="animasi.gif"), id="gif"),
    ],
)
def test_a_non_image_uploaded_in_the_admin_is_refused(admin_client, product, settings, make_file):
    before = stored_files(settings)

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, images=[make_file()])
    )

    assert response.status_code == 200  # the form again, with the error
    assert response.context["inline_admin_formsets"][1].formset.errors[0]["image"]
    assert product.images.count() == 1
    assert stored_files(settings) == before


def test_an_oversize_image_uploaded_in_the_admin_is_refused(
    admin_client, product, settings, monkeypatch
):
    monkeypatch.setattr("market.images.MAX_PIXELS", 50 * 50)

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        change_form(product, images=[image_upload(size=(60, 60))]),
    )

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][1].formset.errors[0]["image"]
    assert product.images.count() == 1


def test_a_photo_uploaded_in_the_admin_is_cleaned_and_gets_thumbnails(
    admin_client, product, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile(
        "kebun.jpg", image_bytes("JPEG", size=(1000, 800), exif=camera_exif())
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/product/{product.pk}/change/", change_form(product, images=[photo])
        )

    assert response.status_code == 302
    image = ProductImage.objects.filter(product=product).latest("pk")
    with image.image.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as picture:
        assert picture.format == "JPEG"
        assert not picture.getexif()
    assert set(image.thumbnails) == set(THUMBNAIL_SIZES)


def test_a_variant_price_changed_in_the_admin_moves_the_product_price(admin_client, product):
    variant = product.variants.get()
    variant.price = 45_000

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, variants=[variant])
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == 45_000


def test_saving_a_product_in_the_admin_never_overwrites_stock_sold_meanwhile(
    admin_client, product
):
    variant = product.variants.get()
    opened_with = variant.stock
    shown = change_form(product)  # the page as the admin opened it
    Variant.objects.filter(pk=variant.pk).update(stock=opened_with - 3)  # a checkout meanwhile
    shown["variants-0-stock"] = 999  # and a stock typed in anyway

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", shown)

    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == opened_with - 3


def test_a_zero_price_in_the_admin_is_refused(admin_client, product):
    variant = product.variants.get()
    variant.price = 0

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, variants=[variant])
    )

    assert response.status_code == 200
    assert variant_errors(response)[0]  # the price check
    variant.refresh_from_db()
    assert variant.price == 60_000


def test_a_variant_added_in_the_admin_takes_the_products_cooperative(admin_client, product):
    response = change(admin_client, product, new_variants=[{"sku": "LADA-5", "price": 250_000}])

    assert response.status_code == 302
    added = product.variants.get(sku="LADA-5")
    assert added.cooperative == product.cooperative
    product.refresh_from_db()
    assert product.price == 60_000


def test_a_sku_taken_in_the_cooperative_is_refused_in_the_admin(admin_client, product):
    ProductFactory(cooperative=product.cooperative, variants=[{"sku": "LADA-2"}])
    before = Variant.objects.count()

    response = change(admin_client, product, new_variants=[{"sku": "LADA-2"}])

    assert response.status_code == 200
    assert "sku" in str(variant_errors(response))
    assert Variant.objects.count() == before


def test_the_same_sku_twice_in_one_admin_form_is_refused(admin_client, product):
    before = Variant.objects.count()

    response = change(admin_client, product, new_variants=[{"sku": "LADA-9"}, {"sku": "LADA-9"}])

    assert response.status_code == 200
    assert Variant.objects.count() == before


def test_a_sku_of_another_cooperative_is_fine_in_the_admin(admin_client, product):
    ProductFactory(variants=[{"sku": "LADA-2"}])
    response = change(admin_client, product, new_variants=[{"sku": "LADA-2"}])
    assert response.status_code == 302


def test_a_product_cannot_be_added_in_the_admin_without_a_variant(admin_client, cooperative):
    form = change_form(
        Product(
            cooperative=cooperative,
            name="Madu Hutan",
            slug="madu-hutan",
            category=category("gula-aren-madu"),
            status="active",
        ),
        variants=[],
    )

    response = admin_client.post("/admin/catalog/product/add/", form)

    assert response.status_code == 200
    assert not Product.objects.filter(slug="madu-hutan").exists()


def test_a_product_is_added_in_the_admin_with_its_variants(admin_client, cooperative):
    form = change_form(
        Product(
            cooperative=cooperative,
            name="Madu Hutan",
            slug="madu-hutan",
            category=category("gula-aren-madu"),
            status="active",
        ),
        variants=[],
        new_variants=[{"sku": "MADU-1", "price": 80_000}],
    )

    response = admin_client.post("/admin/catalog/product/add/", form)

    assert response.status_code == 302
    product = Product.objects.get(slug="madu-hutan")
    assert product.price == 80_000
    assert product.variants.get().cooperative == cooperative


def test_the_admin_cannot_move_a_product_to_another_cooperative(admin_client, product):
    """Its variants' SKUs are unique within its cooperative; moving would break that."""
    home = product.cooperative
    form = change_form(product)
    form["cooperative"] = CooperativeFactory().pk

    admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    product.refresh_from_db()
    assert product.cooperative == home
    assert set(product.variants.values_list("cooperative", flat=True)) == {home.pk}
