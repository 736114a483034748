"""A year of demo orders for the trading cooperatives, in every status.

Orders are placed and moved through the real services, each told the time it
is meant to have happened (`now=`). Idempotent: skipped when demo orders exist.
"""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from catalog.models import Product, Variant
from market.demo import active_demo_cooperatives, demo_user
from market.models import Membership, User
from orders.models import Checkout, Order, ShippingOption
from orders.services import lifecycle
from orders.services.checkout import checkout_place
from payments import settlement

DEMO_BUYERS = 40
CHECKOUTS = 400  # ~700 orders; each goes through the real services (~25 ms)
DAYS = 365
# Checkouts of the last two weeks, some still under way: every status has orders to show.
RECENT_SHARE = 0.1
RECENT = datetime.timedelta(days=14)
STEPS = ["paid", "accepted", "shipped", "delivered", "completed"]
ADDRESS_CITIES = ["Bengkayang", "Singkawang", "Pontianak", "Sanggau Ledo", "Seluas", "Ledo"]


def seed_orders(*, checkouts: int = CHECKOUTS) -> int:
    """Place the demo order history; returns how many orders exist afterwards."""
    if Checkout.objects.filter(idempotency_key__startswith="demo-").exists():
        return Order.objects.count()
    # One transaction: a commit (and an fsync on SQLite) per service call takes a minute.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        _seed_orders(random.Random(2611), checkouts)
    return Order.objects.count()


def _seed_orders(rng: random.Random, checkouts: int) -> None:
    cooperatives = list(active_demo_cooperatives())
    for cooperative in cooperatives:
        if not cooperative.shipping_options.exists():
            ShippingOption.objects.bulk_create([
                ShippingOption(cooperative=cooperative, name="Ambil di koperasi", kind="pickup"),
                ShippingOption(cooperative=cooperative, name="Antar lokal", kind="delivery",
                               fee=rng.choice([5_000, 10_000, 15_000])),
            ])
    buyers = [_buyer(n) for n in range(DEMO_BUYERS)]
    staff = {m.cooperative_id: m.user for m in Membership.objects.filter(
        cooperative__in=cooperatives, role=Membership.Role.OWNER)}
    variant_pks = list(  # in a fixed order, so that the same seed gives the same history
        Variant.objects.filter(
            cooperative__in=cooperatives, product__status=Product.Status.ACTIVE, stock__gt=5
        ).order_by("pk").values_list("pk", flat=True)
    )
    if not variant_pks:
        return
    for number in range(checkouts):
        _demo_checkout(number, rng, rng.choice(buyers), variant_pks, staff, _age(rng))


def _age(rng: random.Random) -> datetime.timedelta:
    """How long ago a checkout happened: within the year, more of them lately."""
    if rng.random() < RECENT_SHARE:
        return RECENT * rng.random() ** 2  # most in the last few days
    days_ago = int(DAYS * (1 - rng.random() ** 0.7))
    return datetime.timedelta(days=days_ago, minutes=rng.randint(0, 600))


def _step_times(age: datetime.timedelta) -> dict[str, datetime.timedelta]:
    """When each step happens after the checkout, squeezed into the order's age."""
    window = datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    after = {"paid": datetime.timedelta(hours=1), "accepted": datetime.timedelta(hours=3),
             "shipped": datetime.timedelta(days=1), "delivered": datetime.timedelta(days=3)}
    after["completed"] = after["delivered"] + window + datetime.timedelta(hours=1)
    scale = min(1.0, 0.95 * age / after["completed"])
    return {step: offset * scale for step, offset in after.items()}


def _demo_checkout(number, rng, buyer, variant_pks, staff, age: datetime.timedelta) -> None:
    chosen = rng.sample(variant_pks, k=rng.choice([1, 1, 2, 3]))
    items = [{"variant": pk, "quantity": rng.randint(1, 3)} for pk in chosen]
    in_stock = set(Variant.objects.filter(pk__in=chosen, stock__gte=3).values_list("pk", flat=True))
    items = [item for item in items if item["variant"] in in_stock]
    if not items:
        return
    method = rng.choice(["bank_transfer", "bank_transfer", "cod"])
    placed_at = timezone.now() - age
    checkout = checkout_place(
        buyer=buyer,
        idempotency_key=f"demo-{number}",
        shipping_address={"name": buyer.name, "phone": "081200000000",
                          "line1": f"Jl. Demo No. {number}",
                          "city": rng.choice(ADDRESS_CITIES), "postal_code": "79211"},
        payment_method=method,
        items=items,
        now=placed_at,
    )
    for order in checkout.orders.order_by("pk"):
        _advance(order, rng, staff[order.cooperative_id], age, placed_at)


def _advance(order: Order, rng: random.Random, cooperative_staff: User,
             age: datetime.timedelta, placed_at: datetime.datetime) -> None:
    """Move an order as far as its age makes likely; a few are cancelled."""
    at = {step: placed_at + offset for step, offset in _step_times(age).items()}
    if rng.random() < 0.07:
        lifecycle.order_cancel(order_pk=order.pk, actor=order.buyer, reason="Berubah pikiran",
                               now=at["paid"])
        return
    for step in STEPS[:_reach(order, rng, age)]:
        if step == "paid" and order.payment_method == "bank_transfer":
            settlement.payment_paid(payment_pk=order.checkout.payment.pk, now=at[step])
        elif step == "accepted":
            lifecycle.order_accept(order_pk=order.pk, actor=cooperative_staff, now=at[step])
        elif step == "shipped":
            lifecycle.order_ship(order_pk=order.pk, actor=cooperative_staff, carrier="JNE",
                                 tracking_number=f"JNE{order.pk:08d}", now=at[step])
        elif step == "delivered":
            lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer, now=at[step])
        elif step == "completed":
            lifecycle.order_complete(order_pk=order.pk, now=at[step])


def _reach(order: Order, rng: random.Random, age: datetime.timedelta) -> int:
    """How many STEPS an order this old has made: all once past RECENT.

    A recent order rests only where the periodic jobs would not yet have moved it
    on (unpaid past the payment timeout, shipped past auto-delivery, delivered
    past the return window), and is completed only after the return window.
    """
    if age > RECENT:
        return len(STEPS)
    return_window = datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    moved_on_after = {
        0: datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS),
        3: datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS),
        4: return_window,
    }
    if order.payment_method == "cod":
        del moved_on_after[0]  # cash on delivery is paid at the door, never expires
    reaches = [
        reach for reach in range(len(STEPS))
        if reach not in moved_on_after or age < moved_on_after[reach]
    ]
    if age >= return_window:
        reaches.append(len(STEPS))
    return rng.choice(reaches)


def _buyer(number: int) -> User:
    return demo_user(f"pembeli{number + 1:02d}@pasar.test", f"Pembeli {number + 1:02d}")
