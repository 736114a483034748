"""The catalog in the Django admin: pages load, inline photos are checked like API uploads."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import MAX_STOCK, Product, ProductImage, Variant
from events.models import Event, OutboxTask
from market.images import THUMBNAIL_SIZES
from tests.catalog.uploads import camera_exif, image_bytes, image_upload, text_file_named_jpg
from tests.factories import (
    CooperativeFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    category,
)

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
    # The stock shown goes back with the form: only a stock typed in is a change.
    assert 'name="initial-variants-0-stock" value="5"' in response.content.decode()
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
            "low_stock_threshold": variant.low_stock_threshold,
        }
        for variant in variants
    ] + [
        {"id": "", "name": "1 kg", "price": 10_000, "stock": 1, "low_stock_threshold": 5, **row}
        for row in new_variants
    ]
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
    for index, variant in enumerate(variants):  # the stock the page showed, sent back hidden
        data[f"initial-variants-{index}-stock"] = variant.stock
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
    admin_client, product, settings
):
    settings.IMAGE_MAX_PIXELS = 50 * 50

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
    # Given the change page open, and a checkout taking 3 units meanwhile
    variant = product.variants.get()
    opened_with = variant.stock
    shown = change_form(product)
    shown["variants-0-name"] = "250 g"  # an edit of something else
    Variant.objects.filter(pk=variant.pk).update(stock=opened_with - 3)

    # When the admin saves without touching the stock
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", shown)

    # Then the sale stands, and no stock event was written
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.name, variant.stock) == ("250 g", opened_with - 3)
    assert not Event.objects.filter(kind=Event.Kind.STOCK_SET).exists()


def test_a_stock_counted_in_the_admin_is_set_through_the_stock_module(admin_client, product):
    # Given the change page open, and a checkout taking 3 units meanwhile
    variant = product.variants.get()
    shown = change_form(product)
    Variant.objects.filter(pk=variant.pk).update(stock=variant.stock - 3)

    # When the admin types the stock they counted
    shown["variants-0-stock"] = 40
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", shown)

    # Then the stock is what was counted, and a stock_set event says who changed it by how much
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 40
    event = Event.objects.get(kind=Event.Kind.STOCK_SET)
    assert (event.variant, event.quantity, event.data["stock"]) == (variant, 40 - 2, 40)
    assert event.actor.is_superuser
    assert event.cooperative == product.cooperative


def test_a_stock_out_of_range_in_the_admin_is_refused_beside_the_field(admin_client, product):
    form = change_form(product)
    form["variants-0-stock"] = MAX_STOCK + 1

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 200
    assert "stock" in variant_errors(response)[0]
    assert product.variants.get().stock == 5
    assert not Event.objects.exists()


def test_a_low_stock_threshold_is_edited_in_the_admin(admin_client, product):
    form = change_form(product)
    form["variants-0-low_stock_threshold"] = 12

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    assert product.variants.get().low_stock_threshold == 12


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


def test_a_sku_conflict_in_the_admin_saves_nothing_of_the_form(admin_client, product):
    # Given another product of the cooperative with SKU LADA-2
    ProductFactory(cooperative=product.cooperative, variants=[{"sku": "LADA-2"}])
    variant = product.variants.get()
    variant.price = 45_000
    form = change_form(product, variants=[variant], new_variants=[{"sku": "LADA-2"}])
    form["name"] = "Lada Putih"
    form["variants-0-stock"] = 99

    # When the admin saves a new price, name, stock and a new variant under that SKU
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    # Then the SKU is refused beside it, and nothing of the form was saved
    assert response.status_code == 200
    assert variant_errors(response)[1]["sku"]
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.name, product.price) == ("Lada Hitam Seluas", 60_000)
    assert (variant.price, variant.stock) == (60_000, 5)
    assert product.variants.count() == 1
    assert not Event.objects.exists()


def test_a_sku_taken_between_the_checks_and_the_save_shows_the_form_again(
    admin_client, product, monkeypatch
):
    # Given a SKU free when the form is checked but taken by the time it is saved
    ProductFactory(cooperative=product.cooperative, variants=[{"sku": "LADA-2"}])
    for checks in ("catalog.services.skus_taken", "catalog.services.products.skus_taken"):
        monkeypatch.setattr(checks, lambda **kwargs: set())
    form = change_form(product, new_variants=[{"sku": "LADA-2"}])
    form["name"] = "Lada Putih"

    # When the admin saves
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    # Then the form is shown again with the service's refusal, and the save rolled back
    assert response.status_code == 200
    assert "SKU" in str(response.context["adminform"].form.errors)
    product.refresh_from_db()
    assert product.name == "Lada Hitam Seluas"
    assert product.variants.count() == 1


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


def add_form(cooperative, **changes) -> dict:
    return change_form(
        Product(
            cooperative=cooperative,
            name="Madu Hutan Kapuas",
            description="Madu liar dari hutan Kapuas Hulu",
            category=category("gula-aren-madu"),
            status="active",
        ),
        variants=[],
        **changes,
    )


def test_a_product_added_in_the_admin_gets_its_price_and_slug_from_the_service(
    admin_client, cooperative
):
    form = add_form(
        cooperative,
        new_variants=[{"sku": "MADU-1", "price": 80_000}, {"sku": "MADU-2", "price": 150_000}],
    )

    response = admin_client.post("/admin/catalog/product/add/", form)

    assert response.status_code == 302
    product = Product.objects.get(name="Madu Hutan Kapuas")
    assert (product.slug, product.price) == ("madu-hutan-kapuas", 80_000)
    assert sorted(product.variants.values_list("sku", "low_stock_threshold")) == [
        ("MADU-1", 5), ("MADU-2", 5),
    ]
    assert not Event.objects.filter(kind=Event.Kind.STOCK_SET).exists()  # a first stock


@pytest.mark.postgres
def test_a_product_added_in_the_admin_can_be_searched_at_once(admin_client, cooperative, api):
    form = add_form(cooperative, new_variants=[{"sku": "MADU-1", "price": 80_000}])

    assert admin_client.post("/admin/catalog/product/add/", form).status_code == 302

    assert Product.objects.get(name="Madu Hutan Kapuas").search_vector
    found = api.get("/api/v1/products/", {"q": "madu kapuas"}).json()["results"]
    assert [card["name"] for card in found] == ["Madu Hutan Kapuas"]


def test_a_new_product_refused_by_the_service_is_shown_again_and_not_saved(
    admin_client, cooperative
):
    # Given a new product straight to archived, which only the service refuses
    form = add_form(cooperative, new_variants=[{"sku": "MADU-1", "price": 80_000}])
    form["status"] = "archived"

    response = admin_client.post("/admin/catalog/product/add/", form)

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Product.objects.filter(name="Madu Hutan Kapuas").exists()
    assert not Variant.objects.filter(sku="MADU-1").exists()


def test_a_photo_uploaded_in_the_admin_is_sent_to_the_worker_through_the_outbox(
    admin_client, product
):
    photo = image_upload(size=(40, 30))

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, images=[photo])
    )

    assert response.status_code == 302
    image = product.images.latest("pk")
    task = OutboxTask.objects.get()
    assert task.name == "catalog.tasks.product_image_thumbnails_task"
    assert task.kwargs == {"image_pk": image.pk}


def test_a_photo_uploaded_with_a_new_product_in_the_admin_is_stored(admin_client, cooperative):
    form = add_form(
        cooperative, new_variants=[{"sku": "MADU-1", "price": 80_000}],
        images=[image_upload(size=(40, 30))],
    )

    assert admin_client.post("/admin/catalog/product/add/", form).status_code == 302

    product = Product.objects.get(name="Madu Hutan Kapuas")
    assert product.images.count() == 1
    assert OutboxTask.objects.get().kwargs == {"image_pk": product.images.get().pk}


def test_a_variant_deleted_in_the_admin_moves_the_product_price(admin_client, product):
    form = change(admin_client, product, new_variants=[{"sku": "LADA-0", "price": 30_000}])
    assert form.status_code == 302
    cheap = product.variants.get(sku="LADA-0")
    data = change_form(product)
    index = [variant.pk for variant in product.variants.order_by("pk")].index(cheap.pk)
    data[f"variants-{index}-DELETE"] = "on"

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 302
    assert list(product.variants.values_list("sku", flat=True)) == ["LADA-1"]
    product.refresh_from_db()
    assert product.price == 60_000


def test_the_last_variant_cannot_be_deleted_in_the_admin(admin_client, product):
    data = change_form(product)
    data["variants-0-DELETE"] = "on"

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 200
    assert product.variants.count() == 1


def test_the_admin_cannot_change_the_sku_of_a_variant(admin_client, product):
    """Orders keep the SKU they were placed with; the API refuses it too."""
    data = change_form(product)
    data["variants-0-sku"] = "LADA-BARU"

    admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert product.variants.get().sku == "LADA-1"


def test_an_admin_user_outside_the_cooperative_is_refused_and_changes_nothing(client, product):
    # Given a Django staff user who may edit the catalog but belongs to no cooperative
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="catalog", codename__in=[
            "view_product", "change_product", "view_variant", "change_variant",
            "view_productimage",
        ],
    ))
    client.force_login(clerk)
    variant = product.variants.get()
    variant.price = 1_000

    # When they save a price through the admin
    response = client.post(
        f"/admin/catalog/product/{product.pk}/change/", change_form(product, variants=[variant])
    )

    # Then the services' rule refuses them, and nothing changed
    assert response.status_code == 403
    variant.refresh_from_db()
    product.refresh_from_db()
    assert (variant.price, product.price) == (60_000, 60_000)


def test_a_photo_moved_or_deleted_in_the_admin_goes_through_the_services(admin_client, product):
    # Given the product's photo and a second one
    first = product.images.get()
    second = ProductImageFactory(product=product, position=1)
    form = change_form(product)
    form.update({
        "images-TOTAL_FORMS": 2, "images-INITIAL_FORMS": 2,
        "images-0-id": first.pk, "images-0-product": product.pk, "images-0-position": 0,
        "images-0-DELETE": "on",
        "images-1-id": second.pk, "images-1-product": product.pk, "images-1-position": 0,
    })

    # When the admin deletes the first and moves the second to the front
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    # Then only the second is left, at the front
    assert response.status_code == 302
    assert list(product.images.values_list("pk", "position")) == [(second.pk, 0)]
