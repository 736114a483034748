"""Cart, shipping options, checkouts and the orders they split into."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Variant
from market.models import Cooperative, User
from payments.methods import PaymentMethod


class CartItem(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cart_items")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        constraints = [
            models.UniqueConstraint(fields=["user", "variant"], name="cart_item_once_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"

    @property
    def line_total(self) -> int:
        """At today's price: a cart never freezes prices, the checkout does."""
        return self.variant.price * self.quantity


class ShippingOption(models.Model):
    class Kind(models.TextChoices):
        PICKUP = "pickup", _("pickup")
        DELIVERY = "delivery", _("local delivery")
        COURIER = "courier", _("courier")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="shipping_options"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    fee = models.PositiveBigIntegerField(_("fee (rupiah)"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shipping option")
        verbose_name_plural = _("shipping options")

    def __str__(self) -> str:
        return f"{self.name} ({self.cooperative})"


class Checkout(models.Model):
    """One buyer's checkout: the orders it split into and (payments) the one payment."""

    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="checkouts")
    idempotency_key = models.CharField(max_length=255)
    # Hash of the request that created it: the same key with another body is refused.
    request_hash = models.CharField(max_length=64)
    total = models.PositiveBigIntegerField(_("total (rupiah)"), default=0)
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    shipping_address = models.JSONField(_("shipping address"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], name="checkout_idempotency_key_per_buyer"
            ),
        ]

    def __str__(self) -> str:
        return f"Checkout {self.pk}"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("awaiting payment")
        PAID = "paid", _("paid")
        ACCEPTED = "accepted", _("accepted")
        SHIPPED = "shipped", _("shipped")
        DELIVERED = "delivered", _("delivered")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    # Set right after insert from the primary key (BKY-2611-000123); NULL until then,
    # since NULLs never collide in the unique index.
    number = models.CharField(_("number"), max_length=32, unique=True, null=True)  # noqa: DJ001
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    subtotal = models.PositiveBigIntegerField(_("subtotal (rupiah)"))
    shipping_fee = models.PositiveBigIntegerField(_("shipping fee (rupiah)"), default=0)
    total = models.PositiveBigIntegerField(_("total (rupiah)"))
    shipping_option = models.ForeignKey(
        ShippingOption, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shipping_method = models.CharField(_("shipping"), max_length=100, blank=True)
    shipping_address = models.JSONField(_("shipping address"))
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by payments.settlement only: when the order's money came in.
    paid_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping_fee")), name="order_total_adds_up"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_recent"),
            models.Index(fields=["cooperative", "status", "-created_at"],
                         name="order_coop_status_recent"),
            models.Index(fields=["status", "created_at"], name="order_status_created"),
        ]

    def __str__(self) -> str:
        return self.number or f"Order {self.pk}"

    @property
    def is_cash_on_delivery(self) -> bool:
        return self.payment_method == PaymentMethod.COD


Status = Order.Status

# Which status may follow which; who may make each move is in orders.services.
TRANSITIONS: dict[str, set[str]] = {
    # pending_payment -> accepted is for cash on delivery only (orders.services.lifecycle).
    Status.PENDING_PAYMENT: {Status.PAID, Status.ACCEPTED, Status.CANCELLED},
    Status.PAID: {Status.ACCEPTED, Status.CANCELLED},
    Status.ACCEPTED: {Status.SHIPPED, Status.CANCELLED},
    Status.SHIPPED: {Status.DELIVERED},
    Status.DELIVERED: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}


class OrderLine(models.Model):
    """A line as sold: name, SKU and price are copied, so later edits change nothing."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=200)
    variant_name = models.CharField(_("variant"), max_length=100)
    sku = models.CharField(_("SKU"), max_length=64)
    unit_price = models.PositiveBigIntegerField(_("unit price (rupiah)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.PositiveBigIntegerField(_("line total (rupiah)"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")),
                name="order_line_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name} {self.variant_name}"
