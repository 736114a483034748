"""Checkout: one cart, many cooperatives, one order each, stock reserved atomically."""

import datetime
import hashlib
import json
from collections import defaultdict
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Variant
from catalog.stock import stock_lock_for_sale, stock_reserve
from events.models import Event
from events.record import events_record
from market.errors import InvalidInput
from market.models import Cooperative, Membership, User
from orders.errors import IdempotencyKeyReused, OwnCooperative
from orders.models import CartItem, Checkout, Order, OrderLine, ShippingOption
from orders.selectors import shipping_options_of
from payments import services as payment_services
from payments import settlement


def checkout_place(
    *,
    buyer: User,
    idempotency_key: str,
    shipping_address: dict,
    payment_method: str,
    items: list[dict] | None = None,
    shipping_options: dict[str, int] | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Checkout:
    """Turn the cart (or `items`) into one order per cooperative, exactly once per key.

    The same key with the same request returns the first checkout, even when
    both requests run at once; with another request it is refused (422).
    When the card provider cannot be reached the checkout is kept and a 503 is
    raised; the same key again starts the payment then.
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
                shipping_options=shipping_options or {}, note=note, now=now or timezone.now(),
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
    now: datetime.datetime,
) -> Checkout:
    payment_services.payment_method_check(payment_method)
    quantities = _requested_quantities(buyer, items)
    # Claim the key first: a concurrent twin blocks here until this commits, then fails.
    checkout = Checkout.objects.create(
        buyer=buyer, idempotency_key=idempotency_key, request_hash=request_hash,
        payment_method=payment_method, shipping_address=shipping_address, note=note,
        created_at=now,
    )
    variants = stock_lock_for_sale(quantities)
    _ensure_not_own(buyer, {variant.cooperative_id for variant in variants})
    orders, reservations = [], []
    by_cooperative = sorted(variants, key=lambda v: (v.cooperative_id, v.pk))
    for cooperative, coop_variants in groupby(by_cooperative, key=lambda v: v.cooperative):
        lines = [(variant, quantities[variant.pk]) for variant in coop_variants]
        order = _order_create(
            checkout=checkout, cooperative=cooperative, lines=lines,
            shipping_option=_shipping_option(cooperative, shipping_options), now=now,
        )
        orders.append(order)
        reservations += [(variant, quantity, order) for variant, quantity in lines]
    events_record([
        Event(kind=Event.Kind.ORDER_PLACED, at=now, actor=buyer, order=order,
              cooperative=order.cooperative, status=order.status, amount=order.total)
        for order in orders
    ])
    stock_reserve(lines=reservations, actor=buyer, now=now)
    unknown = set(shipping_options) - {order.cooperative.slug for order in orders}
    if unknown:
        raise InvalidInput(
            fields={"shipping_options": _("Not a cooperative of this checkout: %s")
                    % ", ".join(sorted(unknown))}
        )
    checkout.total = sum(order.total for order in orders)
    checkout.save(update_fields=["total"])
    settlement.payment_create(checkout=checkout, now=now)
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


def _ensure_not_own(buyer: User, cooperative_ids: set[int]) -> None:
    """A cooperative's staff cannot buy from it (a sale to oneself is not a sale)."""
    if Membership.objects.filter(user=buyer, cooperative_id__in=cooperative_ids).exists():
        raise OwnCooperative()


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
    now: datetime.datetime,
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
        created_at=now,
    )
    order.number = order_number(order)
    Order.objects.filter(pk=order.pk).update(number=order.number)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            category_id=variant.product.category_id,
            product_name=variant.product.name,
            variant_name=variant.name,
            sku=variant.sku,
            unit_price=variant.price,
            quantity=quantity,
            line_total=variant.price * quantity,
        )
        for variant, quantity in lines
    )
    return order


def order_number(order: Order) -> str:
    """Readable and unique: prefix, year and month placed (Jakarta time), sequence."""
    placed = timezone.localtime(order.created_at)
    return f"{settings.ORDER_NUMBER_PREFIX}-{placed:%y%m}-{order.pk:06d}"
