"""The catalog's use cases hold their rules whoever calls them (API, admin, commands, tasks)."""

import datetime

import pytest

from catalog.models import MAX_PRICE, MAX_STOCK, Product, ProductImage, Variant
from catalog.services import (
    product_archive,
    product_create,
    product_image_add,
    product_image_move,
    product_image_remove,
    product_update,
    product_variants_save,
    variant_add,
    variant_remove,
    variant_update,
)
from events.models import Event, OutboxTask
from market.errors import InvalidInput, NotAllowed, NotFound
from tests.catalog.uploads import image_upload, text_file_named_jpg
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def variant(**changes) -> dict:
    return {"sku": "AREN-1", "name": "1 kg", "price": 35_000, "stock": 8, **changes}


def create(actor, cooperative, **changes) -> Product:
    return product_create(
        **{
            "actor": actor,
            "cooperative": cooperative,
            "name": "Gula Aren Cetak",
            "category": "gula-aren-madu",
            "variants": [variant()],
            **changes,
        }
    )


def test_product_create_stores_the_lowest_price_and_a_slug(cooperative, staff):
    product = create(
        staff,
        cooperative,
        status="active",
        variants=[variant(sku="A", price=35_000), variant(sku="B", price=9_000, stock=0)],
    )

    assert product.price == 9_000
    assert product.slug == "gula-aren-cetak"
    assert product.status == "active"
    assert set(product.variants.values_list("sku", "cooperative")) == {
        ("A", cooperative.pk),
        ("B", cooperative.pk),
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"variants": [variant(price=0)]}, "variants"),
        ({"variants": [variant(price=-1)]}, "variants"),
        ({"variants": [variant(price=MAX_PRICE + 1)]}, "variants"),
        ({"variants": [variant(stock=-1)]}, "variants"),
        ({"variants": [variant(stock=MAX_STOCK + 1)]}, "variants"),
        ({"variants": [variant(low_stock_threshold=-1)]}, "variants"),
        ({"variants": [variant(low_stock_threshold=MAX_STOCK + 1)]}, "variants"),
        ({"variants": []}, "variants"),
        ({"variants": [variant(), variant(name="500 g")]}, "variants"),
        ({"category": "tidak-ada"}, "category"),
        ({"status": "archived"}, "status"),
    ],
)
def test_product_create_refuses_bad_input_naming_the_field_and_writes_nothing(
    cooperative, staff, changes, field
):
    with pytest.raises(InvalidInput) as refusal:
        create(staff, cooperative, **changes)

    assert field in refusal.value.fields
    assert not Product.objects.exists()
    assert not Variant.objects.exists()


def test_product_create_refuses_a_sku_taken_in_the_cooperative_only(cooperative, staff):
    ProductFactory(cooperative=cooperative, variants=[{"sku": "AREN-1"}])
    ProductFactory(variants=[{"sku": "AREN-2"}])

    with pytest.raises(InvalidInput) as refusal:
        create(staff, cooperative, variants=[variant(sku="AREN-2"), variant(sku="AREN-1")])

    assert "AREN-1" in str(refusal.value.fields["variants"])
    assert Product.objects.count() == 2
    assert create(staff, cooperative, variants=[variant(sku="AREN-2")]).variants.count() == 1


@pytest.mark.parametrize("who", ["buyer", "staff_of_another_cooperative"])
def test_product_create_refuses_people_outside_the_cooperative(cooperative, who):
    actor = UserFactory() if who == "buyer" else MembershipFactory(role="owner").user
    before = Product.objects.count()

    with pytest.raises(NotAllowed):
        create(actor, cooperative)

    assert Product.objects.count() == before


def test_product_create_lets_a_platform_admin_act_for_any_cooperative(platform_admin):
    product = create(platform_admin, CooperativeFactory())
    assert product.pk


def test_product_update_refuses_fields_that_cannot_change(cooperative, staff):
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000}])

    with pytest.raises(InvalidInput) as refusal:
        product_update(actor=staff, product=product, price=1, cooperative=CooperativeFactory())

    assert set(refusal.value.fields) == {"price", "cooperative"}
    product.refresh_from_db()
    assert (product.price, product.cooperative) == (25_000, cooperative)


def test_product_update_refuses_an_unknown_status(cooperative, staff):
    product = ProductFactory(cooperative=cooperative, name="Kopi Ledo")

    with pytest.raises(InvalidInput) as refusal:
        product_update(actor=staff, product=product, name="Baru", status="dijual")

    assert "status" in refusal.value.fields
    product.refresh_from_db()
    assert (product.name, product.status) == ("Kopi Ledo", "active")


def test_product_archive_takes_the_product_out_but_keeps_its_variants(cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    product_archive(actor=staff, product=product)
    product.refresh_from_db()
    assert product.status == "archived"
    assert product.variants.count() == 1


def test_product_archive_refuses_a_buyer(cooperative):
    product = ProductFactory(cooperative=cooperative)
    with pytest.raises(NotAllowed):
        product_archive(actor=UserFactory(), product=product)
    product.refresh_from_db()
    assert product.status == "active"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": MAX_PRICE + 1}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": MAX_STOCK + 1}, "stock"),
        ({"low_stock_threshold": -1}, "low_stock_threshold"),
        ({"low_stock_threshold": MAX_STOCK + 1}, "low_stock_threshold"),
        ({"sku": "BARU"}, "sku"),
    ],
)
def test_variant_update_refuses_bad_values_and_changes_nothing(cooperative, staff, changes, field):
    product = ProductFactory(
        cooperative=cooperative, variants=[{"sku": "LAMA", "price": 25_000, "stock": 4}]
    )
    target = product.variants.get()

    with pytest.raises(InvalidInput) as refusal:
        variant_update(actor=staff, variant=target, **changes)

    assert field in refusal.value.fields
    target.refresh_from_db()
    assert (target.sku, target.price, target.stock, target.low_stock_threshold) == (
        "LAMA", 25_000, 4, 5,
    )
    assert not Event.objects.exists()


def test_variant_update_moves_the_product_price_both_ways(cooperative, staff):
    product = ProductFactory(
        cooperative=cooperative, variants=[{"price": 25_000}, {"price": 40_000}]
    )
    cheapest = product.variants.get(price=25_000)

    variant_update(actor=staff, variant=cheapest, price=50_000)
    product.refresh_from_db()
    assert product.price == 40_000

    variant_update(actor=staff, variant=cheapest, price=5_000)
    product.refresh_from_db()
    assert product.price == 5_000


def test_variant_update_refuses_staff_of_another_cooperative(cooperative, staff):
    target = ProductFactory(variants=[{"stock": 4}]).variants.get()
    with pytest.raises(NotAllowed):
        variant_update(actor=staff, variant=target, stock=0)
    target.refresh_from_db()
    assert target.stock == 4
    assert not Event.objects.exists()


NOW = datetime.datetime(2025, 3, 4, 9, 30, tzinfo=datetime.UTC)


def test_variant_update_sets_a_counted_stock_through_the_stock_module(cooperative, staff):
    # Given a variant with 10 in stock
    target = ProductFactory(cooperative=cooperative, variants=[{"stock": 10}]).variants.get()

    # When staff set the stock they counted
    updated = variant_update(actor=staff, variant=target, stock=7, now=NOW)

    # Then it is 7, and a stock_set event says who, when and by how much
    assert updated.stock == 7
    target.refresh_from_db()
    assert target.stock == 7
    event = Event.objects.get()
    assert (event.kind, event.quantity, event.data, event.actor, event.at) == (
        Event.Kind.STOCK_SET, -3, {"stock": 7}, staff, NOW,
    )
    assert (event.variant, event.cooperative) == (target, cooperative)


def test_variant_update_without_a_time_stamps_the_stock_event_with_the_clock(
    cooperative, staff
):
    target = ProductFactory(cooperative=cooperative, variants=[{"stock": 10}]).variants.get()
    before = datetime.datetime.now(tz=datetime.UTC)

    variant_update(actor=staff, variant=target, stock=12)

    assert Event.objects.get().at >= before


def test_variant_update_to_the_same_stock_writes_no_event(cooperative, staff):
    target = ProductFactory(cooperative=cooperative, variants=[{"stock": 10}]).variants.get()

    variant_update(actor=staff, variant=target, stock=10, name="1,5 kg", now=NOW)

    target.refresh_from_db()
    assert (target.stock, target.name) == (10, "1,5 kg")
    assert not Event.objects.exists()


def test_variant_update_counts_a_new_threshold_for_the_stock_set_with_it(cooperative, staff):
    # Given 10 in stock, told at 5
    target = ProductFactory(cooperative=cooperative, variants=[{"stock": 10}]).variants.get()

    # When staff raise the threshold to 8 and count 7 in the same edit
    variant_update(actor=staff, variant=target, low_stock_threshold=8, stock=7, now=NOW)

    # Then the fall to 7 is low stock by the new threshold
    target.refresh_from_db()
    assert (target.stock, target.low_stock_threshold) == (7, 8)
    low = Event.objects.get(kind=Event.Kind.LOW_STOCK)
    assert low.data == {"stock": 7, "threshold": 8}


def test_variant_add_keeps_a_low_stock_threshold_or_the_default(cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    values = {"name": "5 kg", "price": 100_000, "stock": 1}

    told = variant_add(actor=staff, product=product, sku="A", low_stock_threshold=20, **values)
    default = variant_add(actor=staff, product=product, sku="B", **values)

    assert (told.low_stock_threshold, default.low_stock_threshold) == (20, 5)


def test_product_create_sets_the_first_stock_without_a_stock_event(cooperative, staff):
    product = create(staff, cooperative, variants=[variant(low_stock_threshold=2)])

    assert list(product.variants.values_list("stock", "low_stock_threshold")) == [(8, 2)]
    assert not Event.objects.exists()


def test_variant_remove_deletes_it_and_the_lowest_price_follows(cooperative, staff):
    product = ProductFactory(
        cooperative=cooperative, variants=[{"price": 25_000}, {"price": 40_000}]
    )

    variant_remove(actor=staff, variant=product.variants.get(price=25_000))

    product.refresh_from_db()
    assert product.price == 40_000
    assert list(product.variants.values_list("price", flat=True)) == [40_000]


def test_variant_remove_refuses_the_last_variant_and_keeps_it(cooperative, staff):
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 25_000}])

    with pytest.raises(InvalidInput) as refusal:
        variant_remove(actor=staff, variant=product.variants.get())

    assert "variants" in refusal.value.fields
    assert product.variants.count() == 1


def test_variant_remove_refuses_staff_of_another_cooperative(staff):
    product = ProductFactory(variants=[{}, {}])

    with pytest.raises(NotAllowed):
        variant_remove(actor=staff, variant=product.variants.first())

    assert product.variants.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 0}, "price"),
        ({"stock": -1}, "stock"),
        ({"sku": "TAKEN"}, "sku"),
    ],
)
def test_variant_add_refuses_bad_values_and_writes_nothing(cooperative, staff, changes, field):
    product = ProductFactory(cooperative=cooperative, variants=[{"sku": "TAKEN"}])

    with pytest.raises(InvalidInput) as refusal:
        variant_add(
            actor=staff,
            product=product,
            **{"sku": "BARU", "name": "5 kg", "price": 100_000, "stock": 1, **changes},
        )

    assert field in refusal.value.fields
    assert product.variants.count() == 1


def test_product_image_add_refuses_a_non_image_and_stores_nothing(cooperative, staff, settings):
    product = ProductFactory(cooperative=cooperative)

    with pytest.raises(InvalidInput) as refusal:
        product_image_add(actor=staff, product=product, upload=text_file_named_jpg())

    assert "image" in refusal.value.fields
    assert not ProductImage.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_product_image_add_puts_photos_in_upload_order(cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    first = product_image_add(actor=staff, product=product, upload=image_upload(size=(30, 20)))
    second = product_image_add(actor=staff, product=product, upload=image_upload(size=(30, 20)))
    assert (first.position, second.position) == (0, 1)
    assert first.image.name != second.image.name


def test_product_image_add_sends_the_thumbnails_to_the_worker_through_the_outbox(
    cooperative, staff, django_capture_on_commit_callbacks
):
    product = ProductFactory(cooperative=cooperative)

    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(actor=staff, product=product, upload=image_upload(size=(30, 20)))

    task = OutboxTask.objects.get()
    assert (task.name, task.kwargs) == (
        "catalog.tasks.product_image_thumbnails_task", {"image_pk": image.pk},
    )
    task.refresh_from_db()
    assert task.status == OutboxTask.Status.DONE  # run in-process after commit: no broker here
    image.refresh_from_db()
    assert image.thumbnails


def test_product_image_add_puts_a_photo_where_told(cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    image = product_image_add(
        actor=staff, product=product, upload=image_upload(size=(30, 20)), position=4
    )
    assert image.position == 4


def test_product_image_move_and_remove_refuse_a_buyer_and_change_nothing(cooperative):
    image = ProductImageFactory(product=ProductFactory(cooperative=cooperative), position=2)
    buyer = UserFactory()

    with pytest.raises(NotAllowed):
        product_image_move(actor=buyer, image=image, position=0)
    with pytest.raises(NotAllowed):
        product_image_remove(actor=buyer, image=image)

    image.refresh_from_db()
    assert image.position == 2


def test_product_image_move_and_remove_by_staff(cooperative, staff):
    product = ProductFactory(cooperative=cooperative)
    kept, dropped = ProductImageFactory(product=product), ProductImageFactory(product=product)

    product_image_move(actor=staff, image=kept, position=3)
    product_image_remove(actor=staff, image=dropped)

    assert list(product.images.values_list("pk", "position")) == [(kept.pk, 3)]


# ---------------------------------------------------------------- one save of a product


def variants_of(product: Product) -> list[tuple]:
    return sorted(product.variants.values_list("sku", "name", "price", "stock"))


def test_product_variants_save_adds_changes_and_removes_in_one_go(cooperative, staff):
    product = ProductFactory(cooperative=cooperative, name="Gula Aren", variants=[
        {"sku": "A", "name": "Kecil", "price": 20_000, "stock": 5},
        {"sku": "B", "name": "Besar", "price": 40_000, "stock": 8},
    ])
    small, big = product.variants.order_by("pk")

    saved = product_variants_save(actor=staff, product=product, name="Gula Aren Cetak", variants=[
        {"id": small.pk, "price": 22_000, "stock": 9},
        {"id": big.pk, "remove": True},
        {"sku": "C", "name": "Sedang", "price": 30_000, "stock": 6},
    ])

    product.refresh_from_db()
    assert (product.name, product.price) == ("Gula Aren Cetak", 22_000)
    assert variants_of(product) == [("A", "Kecil", 22_000, 9), ("C", "Sedang", 30_000, 6)]
    assert [variant.sku for variant in saved.added] == ["C"]
    assert [(variant.pk, fields) for variant, fields in saved.changed] == [
        (small.pk, ["price", "stock"])]
    assert [variant.pk for variant in saved.removed] == [big.pk]


def test_product_variants_save_refuses_a_variant_named_twice_and_changes_nothing(
    cooperative, staff
):
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 20_000}, {}])
    first = product.variants.order_by("pk").first()
    before = variants_of(product)

    with pytest.raises(InvalidInput) as refusal:
        product_variants_save(actor=staff, product=product, name="Nama Baru", variants=[
            {"id": first.pk, "remove": True},
            {"id": first.pk, "remove": True},
        ])

    assert [text.split(":")[0] for text in refusal.value.fields["variants"]] == ["[1] id"]
    product.refresh_from_db()
    assert product.name != "Nama Baru"
    assert variants_of(product) == before


def test_product_variants_save_refuses_a_variant_of_another_product_and_changes_nothing(
    cooperative, staff
):
    product = ProductFactory(cooperative=cooperative, variants=[{}])
    stranger = ProductFactory(cooperative=cooperative, variants=[{"price": 5_000}])

    with pytest.raises(NotFound):
        product_variants_save(actor=staff, product=product, variants=[
            {"id": stranger.variants.get().pk, "price": 1},
        ])

    assert stranger.variants.get().price == 5_000


def test_product_variants_save_names_the_refused_row_and_rolls_the_whole_save_back(
    cooperative, staff
):
    product = ProductFactory(cooperative=cooperative, variants=[{"price": 20_000}])
    ProductFactory(cooperative=cooperative, variants=[{"sku": "TAKEN"}])
    before = variants_of(product)

    with pytest.raises(InvalidInput) as refusal:
        product_variants_save(actor=staff, product=product, variants=[
            {"id": product.variants.get().pk, "price": 25_000},
            {"sku": "TAKEN", "name": "1 kg", "price": 90_000, "stock": 1},
        ])

    assert [text.split(":")[0] for text in refusal.value.fields["variants"]] == ["[1] sku"]
    assert variants_of(product) == before


def test_product_variants_save_refuses_people_outside_the_cooperative(cooperative):
    product = ProductFactory(cooperative=cooperative, variants=[{}])

    with pytest.raises(NotAllowed):
        product_variants_save(actor=UserFactory(), product=product, variants=[])
