"""Write use cases of the catalog: products, variants, images."""

from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from catalog.models import MAX_PRICE, MAX_STOCK, Category, Product, ProductImage, Variant
from catalog.search import product_search_refresh
from catalog.tasks import product_image_thumbnails_task
from market.errors import InvalidInput
from market.images import InvalidImage, image_clean, thumbnails_render
from market.models import Cooperative, User
from market.policies import ensure, is_cooperative_staff
from market.slugs import save_with_unique_slug

PRODUCT_FIELDS = frozenset({"name", "description", "category", "unit", "weight_grams", "status"})
VARIANT_FIELDS = frozenset({"name", "price", "stock"})


def category_get(slug: str, *, field: str = "category") -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise InvalidInput(fields={field: _("Unknown category: %s") % slug})
    return category


def _check_variant(index: int | None, *, price: int | None = None, stock: int | None = None):
    where = "variants" if index is not None else None

    def problem(field: str, message: str) -> InvalidInput:
        if where is None:
            return InvalidInput(fields={field: message})
        return InvalidInput(fields={where: f"[{index}] {field}: {message}"})

    if price is not None and not 0 < price <= MAX_PRICE:
        raise problem("price", _("Must be a whole rupiah amount from 1 to %d.") % MAX_PRICE)
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise problem("stock", _("Must be from 0 to %d.") % MAX_STOCK)


@transaction.atomic
def product_create(
    *,
    actor: User,
    cooperative: Cooperative,
    name: str,
    category: str,
    variants: list[dict],
    description: str = "",
    unit: str = Product.Unit.PCS,
    weight_grams: int = 0,
    status: str = Product.Status.DRAFT,
) -> Product:
    """Cooperative staff add a product with its variants (at least one)."""
    ensure(is_cooperative_staff(actor, cooperative))
    if status not in (Product.Status.DRAFT, Product.Status.ACTIVE):
        raise InvalidInput(fields={"status": _("A new product is draft or active.")})
    if not variants:
        raise InvalidInput(fields={"variants": _("A product needs at least one variant.")})
    skus = [variant["sku"] for variant in variants]
    if len(set(skus)) != len(skus):
        raise InvalidInput(fields={"variants": _("SKUs must differ from each other.")})
    taken = list(
        Variant.objects.filter(cooperative=cooperative, sku__in=skus).values_list("sku", flat=True)
    )
    if taken:
        raise InvalidInput(
            fields={"variants": _("SKU already used in this cooperative: %s") % ", ".join(taken)}
        )
    for index, variant in enumerate(variants):
        _check_variant(index, price=variant["price"], stock=variant["stock"])

    product = Product(
        cooperative=cooperative,
        name=name,
        description=description,
        category=category_get(category),
        unit=unit,
        weight_grams=weight_grams,
        status=status,
        price=min(variant["price"] for variant in variants),
    )
    save_with_unique_slug(product, name)
    try:
        with transaction.atomic():
            Variant.objects.bulk_create(
                Variant(product=product, cooperative=cooperative, **variant) for variant in variants
            )
    except IntegrityError as error:  # a concurrent product took the SKU
        raise InvalidInput(
            fields={"variants": _("SKU already used in this cooperative.")}
        ) from error
    product_search_refresh(Product.objects.filter(pk=product.pk))
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, **fields) -> Product:
    """Staff edit a product; the name and description feed search again."""
    ensure(is_cooperative_staff(actor, product.cooperative))
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise InvalidInput(fields={name: _("This field cannot be changed.") for name in unknown})
    if "category" in fields:
        fields["category"] = category_get(fields["category"])
    if fields.get("status") not in (None, *Product.Status.values):
        raise InvalidInput(fields={"status": _("Unknown status.")})
    # Lock and reload: the lowest price or the status may have changed meanwhile.
    product = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in fields.items():
        setattr(product, name, value)
    product.save(update_fields=[*fields, "updated_at"])
    if {"name", "description"} & set(fields):
        product_search_refresh(Product.objects.filter(pk=product.pk))
    return product


def product_archive(*, actor: User, product: Product) -> Product:
    """Take a product out of the market; past orders keep their lines."""
    return product_update(actor=actor, product=product, status=Product.Status.ARCHIVED)


@transaction.atomic
def variant_add(*, actor: User, product: Product, sku: str, name: str, price: int,
                stock: int) -> Variant:
    """Staff add a variant to an existing product."""
    ensure(is_cooperative_staff(actor, product.cooperative))
    _check_variant(None, price=price, stock=stock)
    try:
        with transaction.atomic():
            variant = Variant.objects.create(
                product=product, cooperative_id=product.cooperative_id, sku=sku, name=name,
                price=price, stock=stock,
            )
    except IntegrityError as error:
        raise InvalidInput(fields={"sku": _("SKU already used in this cooperative.")}) from error
    product_price_refresh(product)
    return variant


@transaction.atomic
def variant_update(*, actor: User, variant: Variant, **fields) -> Variant:
    """Staff change a variant's price, stock or name."""
    ensure(is_cooperative_staff(actor, variant.cooperative))
    unknown = set(fields) - VARIANT_FIELDS
    if unknown:
        raise InvalidInput(fields={name: _("This field cannot be changed.") for name in unknown})
    _check_variant(None, price=fields.get("price"), stock=fields.get("stock"))
    # Lock the row: checkouts decrement the same stock concurrently.
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    for name, value in fields.items():
        setattr(variant, name, value)
    variant.save(update_fields=list(fields))
    if "price" in fields:
        product_price_refresh(variant.product)
    return variant


def product_price_refresh(product: Product) -> None:
    lowest = Variant.objects.filter(product=product).aggregate(lowest=Min("price"))["lowest"]
    Product.objects.filter(pk=product.pk).update(price=lowest or 0)


@transaction.atomic
def product_image_add(*, actor: User, product: Product, upload: UploadedFile) -> ProductImage:
    """Staff upload a photo; a worker makes its thumbnails after commit."""
    ensure(is_cooperative_staff(actor, product.cooperative))
    try:
        cleaned = image_clean(upload)
    except InvalidImage as error:
        raise InvalidInput(fields={"image": str(error)}) from error
    position = product.images.count()
    image = ProductImage(product=product, position=position)
    image.image.save(cleaned.name, cleaned, save=False)
    image.save()
    product_image_thumbnails_task.delay_on_commit(image_pk=image.pk)
    return image


def product_image_thumbnails_make(*, image_pk: int) -> ProductImage | None:
    """Render and store the WebP thumbnails of an image; safe to run twice."""
    image = ProductImage.objects.filter(pk=image_pk).first()
    if image is None:  # deleted before the worker got to it
        return None
    storage = image.image.storage
    # A folder no upload lands in, names keyed by the image: replacing an old thumbnail
    # can never delete a photo, nor the thumbnail of another photo with the same name.
    folder = PurePosixPath(image.image.name).parent / "thumbnails"
    with image.image.open("rb") as source:
        rendered = thumbnails_render(source)
    paths = {}
    for size_name, data in rendered.items():
        path = f"{folder}/{image.pk}-{size_name}.webp"
        if storage.exists(path):
            storage.delete(path)
        paths[size_name] = storage.save(path, ContentFile(data))
    ProductImage.objects.filter(pk=image.pk).update(thumbnails=paths)
    image.thumbnails = paths
    return image
