"""Read queries of the catalog; every view and page starts from these."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.translation import gettext as _

from catalog.models import Category, Product, ProductImage, ProductImport, Review, Variant
from catalog.search import product_search
from catalog.stock import for_sale_q
from market.errors import InvalidInput, NotFound
from market.models import Cooperative, Region, User
from market.policies import is_platform_admin
from orders.models import Order, OrderLine

ORDERINGS = {
    "price": ("price", "pk"),
    "-price": ("-price", "-pk"),
    "-created": ("-created_at", "-pk"),
    "name": ("name", "pk"),
    "relevance": ("-relevance", "-pk"),
}
# An order line may be reviewed once its goods arrived (these statuses never go back).
REVIEWABLE_ORDER_STATUSES = (Order.Status.DELIVERED, Order.Status.COMPLETED)


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("parent_id", "name", "pk")


def category_and_descendant_ids(slug: str) -> list[int]:
    """The category and every category below it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    root = None
    for pk, parent_id, category_slug in Category.objects.values_list("pk", "parent_id", "slug"):
        children.setdefault(parent_id, []).append(pk)
        if category_slug == slug:
            root = pk
    if root is None:
        raise InvalidInput(fields={"category": _("Unknown category: %s") % slug})
    found, pending = [], [root]
    while pending:
        pk = pending.pop()
        found.append(pk)
        pending.extend(children.get(pk, []))
    return found


def _with_card_data(products: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows, in a fixed number of queries whatever the page size."""
    return products.select_related("cooperative", "category").annotate(
        # A scalar subquery, evaluated for the page's rows only: PostgreSQL would
        # otherwise hash every in-stock variant of the catalog for an EXISTS.
        in_stock=IsNull(
            Subquery(Variant.objects.filter(product=OuterRef("pk"), stock__gt=0).values("pk")[:1]),
            False,
        )
    ).prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"))
    )


def product_list_public(
    *,
    q: str = "",
    category: str = "",
    cooperative: str = "",
    region: str = "",
    min_price: int | None = None,
    max_price: int | None = None,
    in_stock: bool = False,
    ordering: str = "",
) -> QuerySet[Product]:
    """Active products of verified cooperatives, filtered, searched and ordered."""
    products = Product.objects.filter(for_sale_q())
    if category:
        products = products.filter(category_id__in=category_and_descendant_ids(category))
    if cooperative:
        products = products.filter(cooperative__slug=cooperative)
    if region:
        products = products.filter(Region.within_q(region, "cooperative__region__code"))
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock:
        products = products.filter(
            Exists(Variant.objects.filter(product=OuterRef("pk"), stock__gt=0))
        )
    if q:
        products = product_search(products, q)
        ordering = ordering or "relevance"
    elif ordering == "relevance":
        ordering = ""
    return _with_card_data(products).order_by(*ORDERINGS[ordering or "-created"])


def products_visible_to(user: User) -> QuerySet[Product]:
    """In the market for everyone; drafts and archived ones to their cooperative's staff."""
    if is_platform_admin(user):
        return Product.objects.all()
    visible = for_sale_q()
    if user.is_authenticated:
        visible |= Q(cooperative__memberships__user=user)
    return Product.objects.filter(pk__in=Product.objects.filter(visible).values("pk"))


def product_get_for(*, user: User, pk: int) -> Product:
    """A product with its variants and images, if the user may see it; else 404."""
    product = (
        _with_card_data(products_visible_to(user))
        .select_related("cooperative__region")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("price", "pk")))
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def variant_get_for(*, user: User, pk: int) -> Variant:
    variant = (
        Variant.objects.select_related("product", "cooperative")
        .filter(pk=pk, product__in=products_visible_to(user))
        .first()
    )
    if variant is None:
        raise NotFound()
    return variant


# ---------------------------------------------------------------- reviews


def product_reviews(*, product_pk: int) -> QuerySet[Review]:
    """A product's reviews, newest first, with what `Review.author` shows (one query)."""
    return (
        Review.objects.filter(product_id=product_pk)
        .select_related("buyer")
        # The reviewer's name only: their e-mail and the rest of the account stay in the table.
        .only("id", "product_id", "order_line_id", "rating", "text", "created_at", "buyer__name")
        .order_by("-created_at", "-pk")
    )


def product_reviews_for(*, user: User, product_pk: int) -> QuerySet[Review]:
    """The reviews of a product the user may see; 404 for one they may not."""
    if not products_visible_to(user).filter(pk=product_pk).exists():
        raise NotFound()
    return product_reviews(product_pk=product_pk)


def reviewable_line_ids(*, user: User, order: Order) -> set[int]:
    """The lines of `order` that `user` may review now: their own, delivered, not reviewed."""
    if not user.is_authenticated:
        return set()
    return set(
        OrderLine.objects.filter(
            order_id=order.pk, order__buyer_id=user.pk,
            order__status__in=REVIEWABLE_ORDER_STATUSES,
            variant__isnull=False,  # a deleted variant leaves no product to review
            review__isnull=True,
        ).values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- the back office


def cooperative_products(*, user: User, cooperative: Cooperative, q: str = "",
                         status: str = "") -> QuerySet[Product]:
    """A cooperative's products in every status, for its back office: searched by words or
    an exact SKU, with their photos, variants (by pk) and `total_stock`, by name."""
    products = products_visible_to(user).filter(cooperative=cooperative)
    if status:
        products = products.filter(status=status)
    q = q.strip()
    if q:
        by_words = product_search(Product.objects.filter(cooperative=cooperative), q)
        by_sku = Variant.objects.filter(cooperative=cooperative, sku__iexact=q)
        products = products.filter(
            Q(pk__in=by_words.values("pk")) | Q(pk__in=by_sku.values("product_id"))
        )
    total_stock = (
        Variant.objects.filter(product=OuterRef("pk")).order_by()
        .values("product").annotate(total=Sum("stock")).values("total")
    )
    return (
        products.select_related("category")
        .annotate(total_stock=Coalesce(Subquery(total_stock), 0))
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
            Prefetch("variants", queryset=Variant.objects.order_by("pk")),
        )
        .order_by("name", "pk")
    )


def cooperative_product_get(*, user: User, cooperative: Cooperative, pk: int) -> Product:
    """One of the cooperative's products, for its back office; 404 for another's."""
    product = cooperative_products(user=user, cooperative=cooperative).filter(pk=pk).first()
    if product is None:
        raise NotFound()
    return product


def cooperative_variant_get(*, user: User, cooperative: Cooperative, pk: int) -> Variant:
    """A variant of one of the cooperative's products; 404 for another's."""
    variant = variant_get_for(user=user, pk=pk)
    if variant.cooperative_id != cooperative.pk:
        raise NotFound()
    return variant


def variants_low_on_stock(*, cooperative: Cooperative) -> QuerySet[Variant]:
    """The cooperative's variants at or below their low-stock threshold (the level that
    writes the low-stock event the staff's digest reads), archived products left out;
    the emptiest first."""
    return (
        Variant.objects.filter(cooperative=cooperative, stock__lte=F("low_stock_threshold"))
        .exclude(product__status=Product.Status.ARCHIVED)
        .select_related("product")
        .order_by("stock", "sku", "pk")
    )


def product_import_list(*, cooperative: Cooperative) -> QuerySet[ProductImport]:
    """The cooperative's bulk uploads, newest first (the back office's staff see them all)."""
    return ProductImport.objects.filter(cooperative=cooperative).order_by("-created_at", "-pk")


def product_import_get(*, cooperative: Cooperative, pk: int) -> ProductImport:
    """One bulk upload of the cooperative (its back office checked the user), else 404."""
    product_import = product_import_list(cooperative=cooperative).filter(pk=pk).first()
    if product_import is None:
        raise NotFound()
    product_import.cooperative = cooperative
    return product_import
