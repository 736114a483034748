"""Write use cases of the catalog: products, variants, images."""

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import (
    MAX_PRICE,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
    PRODUCT_DESCRIPTION_MAX_LENGTH,
    PRODUCT_NAME_MAX_LENGTH,
    VARIANT_NAME_MAX_LENGTH,
    VARIANT_SKU_MAX_LENGTH,
    Category,
    Product,
    ProductImage,
    Variant,
)
from catalog.search import product_search_refresh
from catalog.stock import stock_range_problem, stock_set
from catalog.tasks import product_image_thumbnails_task
from events.outbox import outbox_enqueue
from market.errors import InvalidInput, NotFound
from market.images import InvalidImage, image_clean, thumbnails_render
from market.models import Cooperative, User
from market.policies import ensure, is_cooperative_staff
from market.slugs import save_with_unique_slug

PRODUCT_FIELDS = frozenset({"name", "description", "category", "unit", "weight_grams", "status"})
VARIANT_FIELDS = frozenset({"name", "price", "stock", "low_stock_threshold"})


def category_get(slug: str, *, field: str = "category") -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise InvalidInput(fields={field: _("Unknown category: %s") % slug})
    return category


# ---------------------------------------------------------------- checks
# Public so that the admin's forms show the same refusals as errors before anything is saved.


def variant_values_problems(
    *, price: int | None = None, stock: int | None = None, low_stock_threshold: int | None = None
) -> dict[str, str]:
    """What is wrong with a variant's values, by field; empty when nothing is (None: not given)."""
    problems = {}
    if price is not None and not 0 < price <= MAX_PRICE:
        problems["price"] = _("Must be a whole rupiah amount from 1 to %d.") % MAX_PRICE
    for field, value in (("stock", stock), ("low_stock_threshold", low_stock_threshold)):
        if value is not None and stock_range_problem(value):
            problems[field] = stock_range_problem(value)
    return problems


@dataclass
class ProductProblems:
    """What is wrong with a new product's values: by product field, and by variant and field."""

    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    variants: dict[int, dict[str, str]] = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.variants)

    def as_fields(self) -> dict[str, str | list[str]]:
        """As InvalidInput's fields; a variant's problems under "variants", "[index] field: …"."""
        fields: dict[str, str | list[str]] = dict(self.fields)
        if self.variants:
            fields["variants"] = [f"[{index}] {name}: {message}"
                                  for index, problems in sorted(self.variants.items())
                                  for name, message in problems.items()]
        return fields


def product_values_problems(
    *,
    name: str,
    category: str,
    variants: list[dict],
    categories: Mapping[str, Category],
    skus_in_use: Collection[str],
    description: str = "",
    unit: str = Product.Unit.PCS,
    weight_grams: int = 0,
    status: str = Product.Status.DRAFT,
) -> ProductProblems:
    """Every rule a new product's values must meet (product_create and the bulk upload check).

    `categories`: the known categories by slug (at least the one named); `skus_in_use`: the
    cooperative's SKUs that are taken (at least those among the variants'). The caller
    fetches both, once for a whole file if it checks many products.
    """
    problems = ProductProblems()
    product = problems.fields
    if not name.strip():
        product["name"] = _("This field is required.")
    elif len(name) > PRODUCT_NAME_MAX_LENGTH:
        product["name"] = _("At most %d characters.") % PRODUCT_NAME_MAX_LENGTH
    if len(description) > PRODUCT_DESCRIPTION_MAX_LENGTH:
        product["description"] = _("At most %d characters.") % PRODUCT_DESCRIPTION_MAX_LENGTH
    if category not in categories:
        product["category"] = _("Unknown category: %s") % category
    if unit not in Product.Unit.values:
        product["unit"] = _("Unknown unit: %s") % unit
    if not 0 <= weight_grams <= MAX_WEIGHT_GRAMS:
        product["weight_grams"] = _("Must be a whole number from 0 to %d.") % MAX_WEIGHT_GRAMS
    if status not in (Product.Status.DRAFT, Product.Status.ACTIVE):
        product["status"] = _("A new product is draft or active.")
    if not variants:
        product["variants"] = _("A product needs at least one variant.")
    elif len(variants) > MAX_VARIANTS:
        product["variants"] = _("At most %d variants.") % MAX_VARIANTS
    seen: set[str] = set()
    for index, variant in enumerate(variants):
        found = _variant_shape_problems(variant)
        sku = variant.get("sku", "")
        if "sku" not in found and sku in seen:
            found["sku"] = _("SKUs must differ from each other.")
        elif "sku" not in found and sku in skus_in_use:
            found["sku"] = _("SKU already used in this cooperative: %s") % sku
        seen.add(sku)
        found.update(variant_values_problems(
            price=variant.get("price"), stock=variant.get("stock"),
            low_stock_threshold=variant.get("low_stock_threshold"),
        ))
        if found:
            problems.variants[index] = found
    return problems


def _variant_shape_problems(variant: dict) -> dict[str, str]:
    problems = {}
    for name, limit in (("sku", VARIANT_SKU_MAX_LENGTH), ("name", VARIANT_NAME_MAX_LENGTH)):
        value = variant.get(name) or ""
        if not value.strip():
            problems[name] = _("This field is required.")
        elif len(value) > limit:
            problems[name] = _("At most %d characters.") % limit
    for name in ("price", "stock"):
        if variant.get(name) is None:
            problems[name] = _("This field is required.")
    return problems


def skus_taken(
    *, cooperative_id: int, skus: Iterable[str], excluding: Iterable[int] = ()
) -> set[str]:
    """Those of `skus` another variant of the cooperative has (SKUs are unique per cooperative).

    `excluding`: the variants being edited, which may keep their own SKUs.
    """
    return set(
        Variant.objects.filter(cooperative_id=cooperative_id, sku__in=list(skus))
        .exclude(pk__in=list(excluding))
        .values_list("sku", flat=True)
    )


def _ensure_variant_values(**values) -> None:
    problems = variant_values_problems(**values)
    if problems:
        raise InvalidInput(fields=problems)


# ---------------------------------------------------------------- locks
# The catalog's lock order: a product's variants (by pk), then the product. Checkouts
# lock variants only, so no transaction ever waits for a variant while holding a product.


def product_variants_lock(*, product_pk: int) -> list[Variant]:
    """Lock every variant of a product, for a caller editing several in one transaction."""
    return list(Variant.objects.select_for_update().filter(product_id=product_pk).order_by("pk"))


def _product_lock(product_pk: int) -> Product:
    return Product.objects.select_for_update().get(pk=product_pk)


# ---------------------------------------------------------------- products


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
    problems = product_values_problems(
        name=name, description=description, category=category, unit=unit,
        weight_grams=weight_grams, status=status, variants=variants,
        categories=Category.objects.filter(slug=category).in_bulk(field_name="slug"),
        skus_in_use=skus_taken(cooperative_id=cooperative.pk,
                               skus=[variant.get("sku") for variant in variants]),
    )
    if problems:
        raise InvalidInput(fields=problems.as_fields())

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
            # A new row's first stock is not a change of stock: no stock event.
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
    product = _product_lock(product.pk)
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
def product_price_refresh(product: Product) -> None:
    """Keep the product's price the lowest of its variants' prices.

    The product row is locked before the minimum is read: two edits of different
    variants then take turns, and the second reads the first's committed price
    instead of both writing a minimum computed from stale prices.
    """
    _product_lock(product.pk)
    lowest = Variant.objects.filter(product_id=product.pk).aggregate(lowest=Min("price"))["lowest"]
    Product.objects.filter(pk=product.pk).update(price=lowest or 0)


# ---------------------------------------------------------------- variants


@transaction.atomic
def variant_add(
    *,
    actor: User,
    product: Product,
    sku: str,
    name: str,
    price: int,
    stock: int,
    low_stock_threshold: int | None = None,
) -> Variant:
    """Staff add a variant to an existing product."""
    ensure(is_cooperative_staff(actor, product.cooperative))
    _ensure_variant_values(price=price, stock=stock, low_stock_threshold=low_stock_threshold)
    if skus_taken(cooperative_id=product.cooperative_id, skus=[sku]):
        raise InvalidInput(fields={"sku": _("SKU already used in this cooperative.")})
    optional = {} if low_stock_threshold is None else {"low_stock_threshold": low_stock_threshold}
    try:
        with transaction.atomic():
            variant = Variant.objects.create(
                product=product, cooperative_id=product.cooperative_id, sku=sku, name=name,
                price=price, stock=stock, **optional,
            )
    except IntegrityError as error:  # a concurrent save took the SKU
        raise InvalidInput(fields={"sku": _("SKU already used in this cooperative.")}) from error
    product_price_refresh(product)
    return variant


@transaction.atomic
def variant_update(
    *, actor: User, variant: Variant, now: datetime | None = None, **fields
) -> Variant:
    """Staff change a variant's name, price, low-stock threshold or (counted) stock."""
    ensure(is_cooperative_staff(actor, variant.cooperative))
    unknown = set(fields) - VARIANT_FIELDS
    if unknown:
        raise InvalidInput(fields={name: _("This field cannot be changed.") for name in unknown})
    _ensure_variant_values(
        price=fields.get("price"), stock=fields.get("stock"),
        low_stock_threshold=fields.get("low_stock_threshold"),
    )
    stock = fields.pop("stock", None)
    # Lock the row: checkouts take the same variant's stock concurrently.
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    if fields:
        for name, value in fields.items():
            setattr(variant, name, value)
        variant.save(update_fields=list(fields))
    if stock is not None:
        # Stock has one writer; it also writes the stock (and low-stock) event.
        variant = stock_set(variant=variant, stock=stock, actor=actor, now=now or timezone.now())
    if "price" in fields:
        product_price_refresh(variant.product)
    return variant


@transaction.atomic
def variant_remove(*, actor: User, variant: Variant) -> None:
    """Staff delete a variant; past order lines keep their copy, a product keeps one variant."""
    ensure(is_cooperative_staff(actor, variant.cooperative))
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    product = _product_lock(variant.product_id)  # two removals take turns at the last variant
    if not product.variants.exclude(pk=variant.pk).exists():
        raise InvalidInput(fields={"variants": _("A product needs at least one variant.")})
    variant.delete()
    product_price_refresh(product)


@dataclass
class VariantsSaved:
    """What product_variants_save did: the product as saved and the variants it touched."""

    product: Product
    added: list[Variant]
    changed: list[tuple[Variant, list[str]]]
    removed: list[Variant]


@transaction.atomic
def product_variants_save(
    *, actor: User, product: Product, variants: list[dict], **fields
) -> VariantsSaved:
    """Staff save a product with its variants (add, change, remove) in one go; all or nothing.

    `variants`, one entry a row: a new variant's values (no "id"); {"id": pk, "remove": True};
    or {"id": pk, **changes} (no changes: kept as it is). `fields`: as product_update takes
    them. A row's refusal is named "[index] field: message" under "variants", index in the
    list sent, as product_create names it.
    """
    ensure(is_cooperative_staff(actor, product.cooperative))
    seen: set[int] = set()
    for index, entry in enumerate(variants):
        if entry.get("id") in seen:
            raise InvalidInput(fields={"variants": [
                f"[{index}] id: " + _("The same variant is named twice in one save.")
            ]})
        if entry.get("id") is not None:
            seen.add(entry["id"])
    # Several variants may change: lock them all first, in the catalog's lock order.
    existing = {variant.pk: variant for variant in product_variants_lock(product_pk=product.pk)}
    if seen - set(existing):
        raise NotFound()
    saved = VariantsSaved(product=product, added=[], changed=[], removed=[])
    now = timezone.now()
    rows = list(enumerate(variants))
    for index, entry in rows:
        if entry.get("id") is None:
            saved.added.append(_variant_row(
                index, variant_add, actor=actor, product=product, **entry))
    for index, entry in rows:
        changes = {name: value for name, value in entry.items() if name not in ("id", "remove")}
        if entry.get("id") is None or entry.get("remove") or not changes:
            continue
        variant = _variant_row(index, variant_update, actor=actor, variant=existing[entry["id"]],
                               now=now, **changes)
        saved.changed.append((variant, list(changes)))
    # Removed after the additions: a product may trade its last variant for a new one.
    for index, entry in rows:
        if entry.get("id") is not None and entry.get("remove"):
            variant = existing[entry["id"]]
            _variant_row(index, variant_remove, actor=actor, variant=variant)
            saved.removed.append(variant)
    if fields:
        saved.product = product_update(actor=actor, product=product, **fields)
    return saved


def _variant_row(index: int, service, **arguments):
    """A variant service's call for the row at `index`; its refusal names the row."""
    try:
        return service(**arguments)
    except InvalidInput as error:
        raise InvalidInput(fields={"variants": [
            f"[{index}] {name}: {message}"
            for name, messages in error.fields.items()
            for message in (messages if isinstance(messages, list | tuple) else [messages])
        ] or [f"[{index}] variants: {error.message}"]}) from error


# ---------------------------------------------------------------- images


def product_image_clean(upload: UploadedFile) -> ContentFile:
    """The upload checked and re-encoded without metadata, or a 400 naming the image."""
    try:
        return image_clean(upload)
    except InvalidImage as error:
        raise InvalidInput(fields={"image": str(error)}) from error


@transaction.atomic
def product_image_add(
    *, actor: User, product: Product, upload: UploadedFile, position: int | None = None
) -> ProductImage:
    """Staff upload a photo (last, unless told where); a worker makes its thumbnails."""
    ensure(is_cooperative_staff(actor, product.cooperative))
    cleaned = product_image_clean(upload)
    if position is None:
        position = product.images.count()
    image = ProductImage(product=product, position=position)
    image.image.save(cleaned.name, cleaned, save=False)
    image.save()
    outbox_enqueue(product_image_thumbnails_task, image_pk=image.pk)
    return image


@transaction.atomic
def product_image_move(*, actor: User, image: ProductImage, position: int) -> ProductImage:
    """Staff put a photo elsewhere in the product's gallery (lowest position first)."""
    ensure(is_cooperative_staff(actor, image.product.cooperative))
    ProductImage.objects.filter(pk=image.pk).update(position=position)
    image.position = position
    return image


@transaction.atomic
def product_image_remove(*, actor: User, image: ProductImage) -> None:
    """Staff take a photo off the product."""
    ensure(is_cooperative_staff(actor, image.product.cooperative))
    ProductImage.objects.filter(pk=image.pk).delete()


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
