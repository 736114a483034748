"""Stock has one owner: the only code that changes a variant's stock or decides "for sale".

Checkouts reserve, cancellations and expiries release, staff set (API and
admin). Each change writes a stock event in the caller's transaction, and a
low-stock event when a variant falls to or below its `low_stock_threshold`.
Variants are locked in primary-key order, so two checkouts never deadlock.
"""

import datetime
from collections.abc import Iterable

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
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
    _apply([(variant, -quantity, order) for variant, quantity, order in lines],
           kind=Kind.STOCK_RESERVED, actor=actor, now=now)


def stock_release(*, order: Order, actor: User | None, now: datetime.datetime) -> None:
    """Give an order's stock back (cancelled or expired); variants since deleted are skipped."""
    quantities = dict(
        order.lines.filter(variant__isnull=False).values_list("variant_id", "quantity")
    )
    _apply([(variant, quantities[variant.pk], order) for variant in _locked(quantities)],
           kind=Kind.STOCK_RELEASED, actor=actor, now=now)


def stock_range_problem(value: int) -> str:
    """What is wrong with a stock count (or a threshold); empty when nothing is."""
    return "" if 0 <= value <= MAX_STOCK else _("Must be from 0 to %d.") % MAX_STOCK


def stock_set(*, variant: Variant, stock: int, actor: User, now: datetime.datetime) -> Variant:
    """Staff count the stock (API or admin): it becomes `stock` whatever checkouts did."""
    problem = stock_range_problem(stock)
    if problem:
        raise InvalidInput(fields={"stock": problem})
    variant = _locked([variant.pk]).get()
    if stock != variant.stock:
        _apply([(variant, stock - variant.stock, None)], kind=Kind.STOCK_SET, actor=actor,
               now=now)
    return variant


def _apply(changes: list[tuple[Variant, int, Order | None]], *, kind: str,
           actor: User | None, now: datetime.datetime) -> None:
    """Change locked variants' stock by their deltas in one UPDATE, with their events, and a
    low-stock event for each that falls to or below its threshold."""
    events = []
    for variant, delta, order in changes:
        before = variant.stock
        variant.stock = before + delta
        common = {"at": now, "actor": actor, "cooperative_id": variant.cooperative_id,
                  "variant": variant, "order": order}
        events.append(Event(kind=kind, quantity=delta, data={"stock": variant.stock}, **common))
        if before > variant.low_stock_threshold >= variant.stock:
            events.append(Event(kind=Kind.LOW_STOCK, quantity=variant.stock,
                                data={"stock": variant.stock,
                                      "threshold": variant.low_stock_threshold}, **common))
    if changes:  # one UPDATE, by increments (SQLite takes no row locks)
        deltas = Case(*[When(pk=variant.pk, then=Value(delta)) for variant, delta, _ in changes],
                      default=Value(0), output_field=IntegerField())
        Variant.objects.filter(pk__in=[variant.pk for variant, _, _ in changes]).update(
            stock=F("stock") + deltas
        )
    events_record(events)
