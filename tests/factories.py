import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import Category, Product, ProductImage, Review, Variant
from catalog.search import product_search_refresh
from catalog.services import product_price_refresh, review_create
from market.models import Cooperative, DinasOfficer, Membership, Region, User
from orders.models import Checkout, Order, ShippingOption
from orders.services import checkout as checkout_services
from orders.services import lifecycle
from payments import settlement


class UserFactory(DjangoModelFactory):
    """A user with a verified e-mail address; `UserFactory(unverified=True)` for one without."""

    class Meta:
        model = User
        django_get_or_create = ["email"]

    class Params:
        unverified = factory.Trait(email_verified_at=None)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("pass-word-123")
    email_verified_at = factory.LazyFunction(timezone.now)


class RegionFactory(DjangoModelFactory):
    """Test regions under a made-up province 99, apart from the real data."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"99.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Test region {n}")
    level = Region.Level.REGENCY


def district(code: str = "61.07.04") -> Region:
    """A real kecamatan of Bengkayang, shipped by the regions migration."""
    return Region.objects.get(code=code)


class CooperativeFactory(DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Koperasi Uji {n}")
    slug = factory.Sequence(lambda n: f"koperasi-uji-{n}")
    nik = factory.Sequence(lambda n: f"{6107000000000000 + n:016d}")
    legal_number = factory.Sequence(lambda n: f"AHU-{n:07d}.AH.01.26.2024")
    kind = Cooperative.Kind.PRODUSEN
    region = factory.LazyFunction(district)
    address = "Jl. Sanggau Ledo No. 1"
    phone = "081234567890"
    status = Cooperative.Status.VERIFIED


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    role = Membership.Role.STAFF


class DinasOfficerFactory(DjangoModelFactory):
    class Meta:
        model = DinasOfficer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    title = "PPKL"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


def category(slug: str = "kopi-teh") -> Category:
    """A category of the tree shipped by the catalog migration."""
    return Category.objects.get(slug=slug)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"kategori-uji-{n}")
    name = factory.Sequence(lambda n: f"Kategori Uji {n}")
    parent = None


class ProductFactory(DjangoModelFactory):
    """An active product with one variant; `variants=[{...}, ...]` for others.

    Like the catalog services, it keeps the product's lowest price and its
    search document up to date.
    """

    class Meta:
        model = Product
        skip_postgeneration_save = True

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"Produk Uji {n}")
    slug = factory.Sequence(lambda n: f"produk-uji-{n}")
    description = ""
    category = factory.LazyFunction(category)
    unit = Product.Unit.KG
    weight_grams = 250
    status = Product.Status.ACTIVE

    @factory.post_generation
    def variants(self, create, extracted, **kwargs):
        if not create:
            return
        for spec in [{}] if extracted is None else extracted:
            VariantFactory(product=self, **spec)
        product_price_refresh(self)
        self.refresh_from_db(fields=["price"])
        product_search_refresh(Product.objects.filter(pk=self.pk))


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory, variants=[])
    cooperative = factory.SelfAttribute("product.cooperative")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "1 kg"
    price = 25_000
    stock = 10


class ProductImageFactory(DjangoModelFactory):
    """A stored JPEG photo without thumbnails (the worker has not run yet)."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(filename="foto.jpg", format="JPEG", width=64, height=48)
    thumbnails = factory.LazyFunction(dict)
    position = 0


# ---------------------------------------------------------------- orders


SHIPPING_ADDRESS = {
    "name": "Yohana Ria",
    "phone": "081234567890",
    "line1": "Jl. Guna Baru No. 5",
    "city": "Bengkayang",
    "postal_code": "79211",
}


class ShippingOptionFactory(DjangoModelFactory):
    class Meta:
        model = ShippingOption

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"Kurir lokal {n}")
    kind = ShippingOption.Kind.DELIVERY
    fee = 10_000


def checkout_placed(
    buyer: User,
    items: list[tuple[Variant, int]],
    *,
    payment_method: str = "bank_transfer",
    key: str = "",
    shipping_options: dict[str, int] | None = None,
) -> Checkout:
    """A checkout placed through the real service; `items` is [(variant, quantity), ...]."""
    return checkout_services.checkout_place(
        buyer=buyer,
        idempotency_key=key or f"test-{uuid.uuid4()}",
        shipping_address=dict(SHIPPING_ADDRESS),
        payment_method=payment_method,
        items=[{"variant": variant.pk, "quantity": quantity} for variant, quantity in items],
        shipping_options=shipping_options,
    )


def _fulfiller(cooperative: Cooperative) -> User:
    """A member of the cooperative to accept and ship its orders (made if it has none)."""
    membership = cooperative.memberships.order_by("pk").first()
    return (membership or MembershipFactory(cooperative=cooperative)).user


def order_moved_to(order: Order, status: str, *, staff: User | None = None) -> Order:
    """Walk a pending order along the lifecycle services, by their usual actors, to `status`."""
    Status = Order.Status
    staff = staff or _fulfiller(order.cooperative)
    steps = {
        Status.PAID: lambda: settlement.payment_paid(payment_pk=order.checkout.payment.pk),
        Status.ACCEPTED: lambda: lifecycle.order_accept(order_pk=order.pk, actor=staff),
        Status.SHIPPED: lambda: lifecycle.order_ship(
            order_pk=order.pk, actor=staff, carrier="JNE", tracking_number="JNE-0001"
        ),
        Status.DELIVERED: lambda: lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer),
        Status.COMPLETED: lambda: lifecycle.order_complete(order_pk=order.pk),
    }
    if status == Status.CANCELLED:
        path = [Status.CANCELLED]
        steps[Status.CANCELLED] = lambda: lifecycle.order_cancel(
            order_pk=order.pk, actor=order.buyer, reason="Salah pesan"
        )
    else:
        path = [Status.PAID, Status.ACCEPTED, Status.SHIPPED, Status.DELIVERED, Status.COMPLETED]
        if order.payment_method == "cod":
            path.remove(Status.PAID)  # cash on delivery: accepted unpaid, paid when delivered
        if status == Status.PENDING_PAYMENT:
            path = []
        elif status in path:
            path = path[: path.index(status) + 1]
        else:
            raise ValueError(f"a {order.payment_method} order never becomes {status}")
    for step in path:
        steps[step]()
    order.refresh_from_db()
    return order


def order_placed(
    *,
    buyer: User | None = None,
    variant: Variant | None = None,
    quantity: int = 1,
    payment_method: str = "bank_transfer",
    status: str = Order.Status.PENDING_PAYMENT,
    staff: User | None = None,
) -> Order:
    """One order placed through checkout, then moved to `status` by the lifecycle services."""
    order = checkout_placed(
        buyer or UserFactory(), [(variant or VariantFactory(), quantity)],
        payment_method=payment_method,
    ).orders.get()
    return order_moved_to(order, status, staff=staff)


# ---------------------------------------------------------------- reviews


class ReviewFactory(DjangoModelFactory):
    """A review written through catalog.services.review_create, on a delivered order of its
    buyer's; `ReviewFactory(product=...)` reviews that product (its first variant)."""

    class Meta:
        model = Review

    class Params:
        product = None
        variant = factory.LazyAttribute(
            lambda o: o.product.variants.order_by("pk").first() if o.product else VariantFactory()
        )

    buyer = factory.SubFactory(UserFactory)
    order_line = factory.LazyAttribute(
        lambda o: order_placed(buyer=o.buyer, variant=o.variant, status=Order.Status.DELIVERED)
        .lines.get()
    )
    rating = 5
    text = "Barangnya bagus, kirimnya cepat."

    @classmethod
    def _create(cls, model_class, *, buyer, order_line, rating, text, **kwargs):
        return review_create(buyer=buyer, order_line_pk=order_line.pk, rating=rating, text=text,
                             **kwargs)


# ---------------------------------------------------------------- notifications


class NotificationFactory(DjangoModelFactory):
    """An in-app notification, unread; `read_at=timezone.now()` for a read one."""

    class Meta:
        model = "market.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "order_paid"
    title = factory.Sequence(lambda n: f"Pesanan PK-{n:04d} dibayar")
    body = "Pembayaran diterima."
    link = ""
