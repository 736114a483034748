"""Stock has one owner: the only code that changes a variant's stock or decides "for sale".

Checkouts reserve, cancellations and expiries release, staff set (API and
admin). Each change writes a stock event in the caller's transaction, and a
low-stock event when a variant falls to or below its `low_stock_threshold`.
Variants are locked in primary-key order, so two checkouts never deadlock.
"""

import datetime
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from catalog.errors import InsufficientStock, NotAvailable
from catalog.models import MAX_STOCK, Product, Variant
from events.models import Event
from events.record import events_record
from market.errors import InvalidInput
from market.models import Cooperative, User
from orders.models import Order

Kind = Event.Kind


def for_sale_q(prefix: str = "") -> Q:
    """What can be bought: an active product of a verified cooperative.

    `prefix` is the path from the queried model to the product ("product__" for variants).
    """
    cooperative = "cooperative__" if not prefix else prefix + "cooperative__"
    return Q(**{f"{prefix}status": Product.Status.ACTIVE,
                f"{cooperative}status": Cooperative.Status.VERIFIED})


def variant_for_sale(variant_pk: int) -> Variant:
    """The variant if it can be bought now, else a 400 naming it."""
    variant = (
        Variant.objects.select_related("product", "cooperative")
        .filter(for_sale_q("product__"), pk=variant_pk)
        .first()
    )
    if variant is None:
        raise InvalidInput(fields={"variant": _("This item is not for sale.")})
    return variant


def _is_for_sale(variant: Variant) -> bool:
    return (variant.product.status == Product.Status.ACTIVE
            and variant.cooperative.status == Cooperative.Status.VERIFIED)


def _locked(variant_pks: Iterable[int]) -> QuerySet[Variant]:
    return (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product", "cooperative")
        .filter(pk__in=list(variant_pks))
        .order_by("pk")
    )


def stock_lock_for_sale(quantities: dict[int, int]) -> list[Variant]:
    """Lock the variants of a checkout and check them, before anything changes.

    Raises NotAvailable for variants not for sale, InsufficientStock for those short.
    """
    variants = list(_locked(quantities))
    unavailable = set(quantities) - {v.pk for v in variants if _is_for_sale(v)}
    if unavailable:
        raise NotAvailable(list(unavailable))
    short = [v.pk for v in variants if v.stock < quantities[v.pk]]
    if short:
        raise InsufficientStock(short)
    return variants


def stock_reserve(
    *, lines: list[tuple[Variant, int, Order]], actor: User | None, now: datetime.datetime
) -> None:
    """Take the stock of a checkout's lines: (variant, quantity, order), the variants
    locked by stock_lock_for_sale."""
    events = []
    for variant, quantity, order in lines:
        events += _change(variant, -quantity, kind=Kind.STOCK_RESERVED, order=order, actor=actor,
                          now=now)
    events_record(events)


def stock_release(*, order: Order, actor: User | None, now: datetime.datetime) -> None:
    """Give an order's stock back (cancelled or expired); variants since deleted are skipped."""
    quantities = dict(
        order.lines.filter(variant__isnull=False).values_list("variant_id", "quantity")
    )
    events = []
    for variant in _locked(quantities):
        events += _change(variant, quantities[variant.pk], kind=Kind.STOCK_RELEASED, order=order,
                          actor=actor, now=now)
    events_record(events)


def stock_set(*, variant: Variant, stock: int, actor: User, now: datetime.datetime) -> Variant:
    """Staff count the stock (API or admin): it becomes `stock` whatever checkouts did."""
    if not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(fields={"stock": _("Must be from 0 to %d.") % MAX_STOCK})
    variant = _locked([variant.pk]).get()
    if stock != variant.stock:
        events_record(_change(variant, stock - variant.stock, kind=Kind.STOCK_SET, order=None,
                              actor=actor, now=now))
    return variant


def _change(variant: Variant, delta: int, *, kind: str, order: Order | None, actor: User | None,
            now: datetime.datetime) -> list[Event]:
    """Apply a change to a locked variant; its event, and a low-stock event on the way down."""
    before = variant.stock
    Variant.objects.filter(pk=variant.pk).update(stock=F("stock") + delta)
    variant.stock = before + delta
    common = {"at": now, "actor": actor, "cooperative_id": variant.cooperative_id,
              "variant": variant, "order": order}
    events = [Event(kind=kind, quantity=delta, data={"stock": variant.stock}, **common)]
    if before > variant.low_stock_threshold >= variant.stock:
        events.append(Event(kind=Kind.LOW_STOCK, quantity=variant.stock,
                            data={"stock": variant.stock,
                                  "threshold": variant.low_stock_threshold}, **common))
    return events
