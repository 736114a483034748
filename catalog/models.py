"""Catalog: categories, products, variants and images of the cooperatives."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from market.models import Cooperative, User
from market.uploads import RandomFileName, private_storage, random_file_name

Rupiah = int
MAX_PRICE: Rupiah = 1_000_000_000  # one billion rupiah: beyond any cooperative product
MAX_STOCK = 1_000_000
MAX_WEIGHT_GRAMS = 1_000_000
MAX_VARIANTS = 100  # of one product
PRODUCT_NAME_MAX_LENGTH = 200  # characters, as the ones below
PRODUCT_DESCRIPTION_MAX_LENGTH = 5_000
VARIANT_SKU_MAX_LENGTH = 64
VARIANT_NAME_MAX_LENGTH = 100
RATING_MIN, RATING_MAX = 1, 5
REVIEW_TEXT_MAX_LENGTH = 2_000  # characters


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Unit(models.TextChoices):
        KG = "kg", _("kg")
        PCS = "pcs", _("pcs")
        LITER = "liter", _("liter")
        PACK = "pack", _("pack")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        ARCHIVED = "archived", _("archived")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=PRODUCT_NAME_MAX_LENGTH)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    # Bounded so that one product can never overflow its search document (tsvector < 1 MB).
    description = models.TextField(
        _("description"), blank=True, max_length=PRODUCT_DESCRIPTION_MAX_LENGTH
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PCS)
    weight_grams = models.PositiveIntegerField(_("weight (grams)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The lowest variant price, kept by the catalog services so that listing,
    # filtering and ordering by price read one indexed column.
    price = models.PositiveBigIntegerField(_("lowest price"), default=0)
    # The full-text document (name weighted over description), kept by
    # catalog.search.product_search_refresh(): search_vector on PostgreSQL,
    # search_document (stems, " kopi:A sanggau:B ") on SQLite. Each backend
    # leaves the other's empty.
    search_vector = SearchVectorField(null=True, editable=False)
    search_document = models.TextField(blank=True, default="", editable=False)
    # Kept by catalog.services.review_create in the review's transaction, so that cards
    # and product pages show the average without an aggregate over the reviews.
    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    rating_total = models.PositiveIntegerField(_("sum of ratings"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["status", "category", "price"], name="product_status_cat_price"),
            models.Index(fields=["status", "price"], name="product_status_price"),
            models.Index(fields=["cooperative", "status"], name="product_coop_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_total__gte=F("rating_count") * RATING_MIN,
                            rating_total__lte=F("rating_count") * RATING_MAX),
                name="product_rating_total_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rating_average(self) -> Decimal | None:
        """The mean rating to one decimal (4.5, rounded half up); None before the first review."""
        if not self.rating_count:
            return None
        return (Decimal(self.rating_total) / self.rating_count).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Copied from the product so that SKUs can be unique per cooperative in the database.
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="variants"
    )
    sku = models.CharField(_("SKU"), max_length=VARIANT_SKU_MAX_LENGTH)
    name = models.CharField(_("name"), max_length=VARIANT_NAME_MAX_LENGTH)
    price = models.PositiveBigIntegerField(_("price (rupiah)"))
    # Changed only through catalog.stock.
    stock = models.PositiveIntegerField(_("stock"), default=0)
    # At or below this the cooperative's staff are told (a low-stock event).
    low_stock_threshold = models.PositiveIntegerField(_("low stock at"), default=5)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "sku"], name="variant_sku_per_coop"),
            models.CheckConstraint(
                condition=Q(price__gt=0, price__lte=MAX_PRICE), name="variant_price_range"
            ),
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}"


def product_image_path(instance: "ProductImage", filename: str) -> str:
    """`products/<product id>/<random>.<ext>`: a public URL, never the uploader's file name."""
    return random_file_name(f"products/{instance.product_id}", filename)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=product_image_path)
    # Size name -> storage path of a WebP thumbnail, written by the thumbnail task.
    thumbnails = models.JSONField(_("thumbnails"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.image.name

    def thumbnail_url(self, size: str = "medium") -> str | None:
        """URL of a thumbnail once the worker made it, else None."""
        path = self.thumbnails.get(size)
        return self.image.storage.url(path) if path else None


class Review(models.Model):
    """A buyer's rating of a product they received, once per order line."""

    # Indexed with the review's time below (a product's newest reviews first).
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    # PROTECT: a review removed with its line would leave the product's counters wrong.
    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="review"
    )
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("text"), blank=True, max_length=REVIEW_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="review_rating_range",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), REVIEW_TEXT_MAX_LENGTH),
                name="review_text_length",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "-created_at", "-id"], name="review_product_recent"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk}: {self.rating}/{RATING_MAX}"

    @property
    def author(self) -> str:
        """How the reviewer is shown to everyone: their first name, never their e-mail."""
        words = self.buyer.name.split()
        if not words:
            return gettext("Buyer")
        if "@" in words[0]:  # a name typed as an address shows as its initial only
            return f"{words[0][0].upper()}."
        return words[0]


class ProductImport(models.Model):
    """A spreadsheet of new products a cooperative's staff uploaded: checked, then applied.

    Only a file whose every row passed the check is kept; applying it creates all its
    products in one transaction, or none.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked")
        APPLYING = "applying", _("applying")
        APPLIED = "applied", _("applied")
        FAILED = "failed", _("failed")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="product_imports"
    )
    # Applying creates the products as this person (who must still be staff then).
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKED
    )
    # The uploaded workbook, private: the worker reads it again when it applies it.
    file = models.FileField(
        _("file"), upload_to=RandomFileName("catalog/imports"), storage=private_storage
    )
    row_count = models.PositiveIntegerField(_("rows"))
    product_count = models.PositiveIntegerField(_("products"))
    # Products created so far; kept when the import ends (progress while it runs is in the cache).
    done_count = models.PositiveIntegerField(_("products created"), default=0)
    # [{"row": 7, "column": "price", "message": "..."}] when applying found the file wrong.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("product import")
        verbose_name_plural = _("product imports")
        indexes = [
            models.Index(fields=["cooperative", "-created_at"], name="product_import_coop_recent"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"
