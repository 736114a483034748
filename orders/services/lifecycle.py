"""The order lifecycle: one service per transition, each by its allowed actor.

pending_payment -> paid -> accepted -> shipped -> delivered -> completed, and
cancelled before shipping. `actor=None` means the system (payments, timers).
Moves that change money lock through payments.settlement (payment, then
orders, then the cooperative) and let it do the money; the others lock the
order alone. `now` defaults to the clock.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.stock import stock_release
from market.errors import NotAllowed
from market.models import User
from market.policies import can_manage_cooperative, ensure
from orders.errors import InvalidTransition
from orders.models import Order
from orders.policies import can_fulfil_order, cancellable_statuses_for, is_order_buyer
from orders.services.transitions import lock_orders, order_transition
from payments import settlement
from payments.methods import PaymentMethod

Status = Order.Status


@transaction.atomic
def order_accept(*, order_pk: int, actor: User, now: datetime.datetime | None = None) -> Order:
    """Cooperative staff accept a paid (or cash-on-delivery) order."""
    order = lock_orders().get(pk=order_pk)
    ensure(can_fulfil_order(actor, order))
    # Cash on delivery is paid at the door, so its orders are accepted unpaid.
    if order.status == Status.PENDING_PAYMENT and not order.is_cash_on_delivery:
        raise InvalidTransition()
    return order_transition(order=order, to=Status.ACCEPTED, actor=actor,
                            now=now or timezone.now())


@transaction.atomic
def order_ship(
    *, order_pk: int, actor: User, carrier: str, tracking_number: str,
    now: datetime.datetime | None = None,
) -> Order:
    """Cooperative staff hand the goods to a carrier."""
    order = lock_orders().get(pk=order_pk)
    ensure(can_fulfil_order(actor, order))
    return order_transition(
        order=order, to=Status.SHIPPED, actor=actor, now=now or timezone.now(), carrier=carrier,
        tracking_number=tracking_number,
        data={"carrier": carrier, "tracking_number": tracking_number},
    )


@transaction.atomic
def order_deliver(
    *, order_pk: int, actor: User | None, now: datetime.datetime | None = None
) -> Order:
    """The buyer confirms receipt (or the system, days after shipping)."""
    now = now or timezone.now()
    payment, order = settlement.lock_order_money(order_pk)
    if actor is not None:
        ensure(is_order_buyer(actor, order))
    order = order_transition(order=order, to=Status.DELIVERED, actor=actor, now=now)
    if order.is_cash_on_delivery:
        settlement.cash_collected(payment=payment, order=order, now=now)
    return order


@transaction.atomic
def order_complete(*, order_pk: int, now: datetime.datetime | None = None) -> Order:
    """The system closes a delivered order after the return window; the ledger books it."""
    now = now or timezone.now()
    _payment, order = settlement.lock_order_money(order_pk)
    order = order_transition(order=order, to=Status.COMPLETED, actor=None, now=now)
    settlement.order_settled(order=order, now=now)
    return order


@transaction.atomic
def order_cancel(
    *, order_pk: int, actor: User | None, reason: str = "", now: datetime.datetime | None = None
) -> Order:
    """Cancel before shipping: the stock returns, and a paid order is refunded in full."""
    now = now or timezone.now()
    payment, order = settlement.lock_order_money(order_pk)
    if actor is not None:
        allowed = cancellable_statuses_for(actor, order)
        if not allowed:
            raise NotAllowed()
        if order.status not in allowed:
            raise InvalidTransition()
    order = order_transition(
        order=order, to=Status.CANCELLED, actor=actor, now=now, note=reason, cancel_reason=reason
    )
    stock_release(order=order, actor=actor, now=now)
    if order.paid_at is None:
        settlement.order_dropped(payment=payment, order=order, now=now)
    elif left := settlement.order_refundable(order):  # what partial refunds left
        settlement.refund_requested(payment=payment, order=order, amount=left, reason=reason,
                                    actor=actor, now=now)
    return order


@transaction.atomic
def order_refund(
    *, order_pk: int, actor: User, amount: int, reason: str, idempotency_key: str = "",
    now: datetime.datetime | None = None,
) -> Order:
    """Owner or manager refund part (or the rest) of a paid order, once per key."""
    payment, order = settlement.lock_order_money(order_pk)
    ensure(can_manage_cooperative(actor, order.cooperative))
    if order.paid_at is None:
        raise InvalidTransition(_("Only a paid order can be refunded."))
    settlement.refund_requested(
        payment=payment, order=order, amount=amount, reason=reason, actor=actor,
        now=now or timezone.now(), idempotency_key=idempotency_key,
    )
    return order


def _due(orders: QuerySet[Order], since_field: str, before: datetime.datetime) -> list[int]:
    """Primary keys of the orders whose `since_field` is before `before`."""
    return list(
        orders.filter(**{f"{since_field}__lt": before}).order_by("pk")
        .values_list("pk", flat=True)
    )


def orders_expire_unpaid(*, now: datetime.datetime | None = None) -> int:
    """Cancel orders left unpaid too long; their stock returns.

    Not cash on delivery, and not a bank transfer whose proof awaits finance:
    the buyer has paid, and expiring it would leave the money with no way back.
    """
    now = now or timezone.now()
    unpaid = Order.objects.filter(status=Status.PENDING_PAYMENT).exclude(
        payment_method=PaymentMethod.COD
    ).filter(checkout__payment__proof="")
    due = _due(unpaid, "created_at",
               now - datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS))
    return _apply_each(due, lambda pk: _order_expire(pk, now))


@transaction.atomic
def _order_expire(order_pk: int, now: datetime.datetime) -> Order:
    """Cancel an overdue order unless it was paid since it was listed."""
    _payment, order = settlement.lock_order_money(order_pk)
    if order.status != Status.PENDING_PAYMENT:
        raise InvalidTransition()
    return order_cancel(order_pk=order_pk, actor=None, reason=_("Not paid in time"), now=now)


def orders_auto_deliver(*, now: datetime.datetime | None = None) -> int:
    """Shipped orders the buyer never confirmed become delivered."""
    now = now or timezone.now()
    due = _due(Order.objects.filter(status=Status.SHIPPED), "shipped_at",
               now - datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS))
    return _apply_each(due, lambda pk: order_deliver(order_pk=pk, actor=None, now=now))


def orders_auto_complete(*, now: datetime.datetime | None = None) -> int:
    """Delivered orders past the return window become completed."""
    now = now or timezone.now()
    due = _due(Order.objects.filter(status=Status.DELIVERED), "delivered_at",
               now - datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS))
    return _apply_each(due, lambda pk: order_complete(order_pk=pk, now=now))


def _apply_each(order_pks: list[int], move) -> int:
    """Move each order in its own transaction; one that changed meanwhile is skipped."""
    moved = 0
    for pk in order_pks:
        try:
            move(pk)
            moved += 1
        except InvalidTransition:
            continue
    return moved
