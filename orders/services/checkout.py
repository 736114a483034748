"""Checkout: one cart, many cooperatives, one order each, stock reserved atomically."""

import hashlib
import json
from collections import defaultdict
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Variant
from market.errors import InvalidInput
from market.models import Cooperative, User
from orders.errors import IdempotencyKeyReused, InsufficientStock, NotAvailable
from orders.models import CartItem, Checkout, Order, OrderEvent, OrderLine, ShippingOption
from orders.selectors import shipping_options_of
from payments import services as payment_services


def checkout_place(
    *,
    buyer: User,
    idempotency_key: str,
    shipping_address: dict,
    payment_method: str,
    items: list[dict] | None = None,
    shipping_options: dict[str, int] | None = None,
    note: str = "",
) -> Checkout:
    """Turn the cart (or `items`) into one order per cooperative, exactly once per key.

    The same key with the same request returns the first checkout, even when
    both requests run at once; with another request it is refused (422).
    """
    request_hash = _request_hash(
        items=items, shipping_address=shipping_address, payment_method=payment_method,
        shipping_options=shipping_options, note=note,
    )
    checkout = _replay(buyer, idempotency_key, request_hash)
    if checkout is None:
        try:
            checkout = _place(
                buyer=buyer, idempotency_key=idempotency_key, request_hash=request_hash,
                shipping_address=shipping_address, payment_method=payment_method, items=items,
                shipping_options=shipping_options or {}, note=note,
            )
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            checkout = _replay(buyer, idempotency_key, request_hash)
            if checkout is None:
                raise
    # Outside the transaction: a provider call (Stripe) must not hold row locks.
    payment_services.payment_start(payment_pk=checkout.payment.pk)
    return checkout


def _request_hash(**request) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(buyer: User, key: str, request_hash: str) -> Checkout | None:
    checkout = Checkout.objects.filter(buyer=buyer, idempotency_key=key).first()
    if checkout is not None and checkout.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return checkout


@transaction.atomic
def _place(
    *,
    buyer: User,
    idempotency_key: str,
    request_hash: str,
    shipping_address: dict,
    payment_method: str,
    items: list[dict] | None,
    shipping_options: dict[str, int],
    note: str,
) -> Checkout:
    payment_services.payment_method_check(payment_method)
    quantities = _requested_quantities(buyer, items)
    # Claim the key first: a concurrent twin blocks here until this commits, then fails.
    checkout = Checkout.objects.create(
        buyer=buyer, idempotency_key=idempotency_key, request_hash=request_hash,
        payment_method=payment_method, shipping_address=shipping_address, note=note,
    )
    variants = _reserve_stock(quantities)
    orders = []
    for cooperative, coop_variants in groupby(variants, key=lambda v: v.cooperative):
        orders.append(
            _order_create(
                checkout=checkout,
                cooperative=cooperative,
                lines=[(variant, quantities[variant.pk]) for variant in coop_variants],
                shipping_option=_shipping_option(cooperative, shipping_options),
            )
        )
    unknown = set(shipping_options) - {order.cooperative.slug for order in orders}
    if unknown:
        raise InvalidInput(
            fields={"shipping_options": _("Not a cooperative of this checkout: %s")
                    % ", ".join(sorted(unknown))}
        )
    checkout.total = sum(order.total for order in orders)
    checkout.save(update_fields=["total"])
    payment_services.payment_create(checkout=checkout)
    if items is None:
        CartItem.objects.filter(user=buyer).delete()
    return checkout


def _requested_quantities(buyer: User, items: list[dict] | None) -> dict[int, int]:
    """Variant id -> quantity, from the items given or else the cart."""
    if items is None:
        items = [
            {"variant": item.variant_id, "quantity": item.quantity}
            for item in CartItem.objects.filter(user=buyer)
        ]
        if not items:
            raise InvalidInput(fields={"items": _("The cart is empty.")})
    quantities: dict[int, int] = defaultdict(int)
    for item in items:
        quantities[item["variant"]] += item["quantity"]
    return dict(quantities)


def _reserve_stock(quantities: dict[int, int]) -> list[Variant]:
    """Lock the variants in primary-key order (no deadlock between checkouts) and take stock.

    Raises before changing anything if a variant is not sold or short of stock.
    """
    variants = list(
        Variant.objects.select_for_update(of=("self",))
        .select_related("product", "cooperative")
        .filter(pk__in=quantities)
        .order_by("pk")
    )
    on_sale = {
        v.pk for v in variants
        if v.product.status == Product.Status.ACTIVE
        and v.cooperative.status == Cooperative.Status.VERIFIED
    }
    unavailable = set(quantities) - on_sale
    if unavailable:
        raise NotAvailable(list(unavailable))
    short = [v.pk for v in variants if v.stock < quantities[v.pk]]
    if short:
        raise InsufficientStock(short)
    for variant in variants:
        Variant.objects.filter(pk=variant.pk).update(stock=F("stock") - quantities[variant.pk])
    return sorted(variants, key=lambda v: (v.cooperative_id, v.pk))


def _shipping_option(cooperative: Cooperative, chosen: dict[str, int]) -> ShippingOption | None:
    """The option chosen for this cooperative, else its first; None if it offers none."""
    options = shipping_options_of(cooperative=cooperative)
    if cooperative.slug in chosen:
        option = options.filter(pk=chosen[cooperative.slug]).first()
        if option is None:
            raise InvalidInput(
                fields={"shipping_options": _("Unknown shipping option for %s.")
                        % cooperative.slug}
            )
        return option
    return options.first()


def _order_create(
    *,
    checkout: Checkout,
    cooperative: Cooperative,
    lines: list[tuple[Variant, int]],
    shipping_option: ShippingOption | None,
) -> Order:
    subtotal = sum(variant.price * quantity for variant, quantity in lines)
    shipping_fee = shipping_option.fee if shipping_option else 0
    order = Order.objects.create(
        checkout=checkout,
        cooperative=cooperative,
        buyer=checkout.buyer,
        payment_method=checkout.payment_method,
        subtotal=subtotal,
        shipping_fee=shipping_fee,
        total=subtotal + shipping_fee,
        shipping_option=shipping_option,
        shipping_method=shipping_option.name if shipping_option else _("Pickup"),
        shipping_address=checkout.shipping_address,
    )
    order.number = order_number(order)
    Order.objects.filter(pk=order.pk).update(number=order.number)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            product_name=variant.product.name,
            variant_name=variant.name,
            sku=variant.sku,
            unit_price=variant.price,
            quantity=quantity,
            line_total=variant.price * quantity,
        )
        for variant, quantity in lines
    )
    OrderEvent.objects.create(order=order, status=order.status, actor=checkout.buyer)
    return order


def order_number(order: Order) -> str:
    """Readable and unique: prefix, year and month placed (Jakarta time), sequence."""
    placed = timezone.localtime(order.created_at)
    return f"{settings.ORDER_NUMBER_PREFIX}-{placed:%y%m}-{order.pk:06d}"
