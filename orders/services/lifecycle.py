"""The order lifecycle: one service per transition, each by its allowed actor.

pending_payment -> paid -> accepted -> shipped -> delivered -> completed, and
cancelled before shipping. `actor=None` means the system (payments, timers).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Variant
from market.errors import NotAllowed
from market.models import User
from market.policies import can_manage_cooperative, ensure
from orders.errors import InvalidTransition
from orders.models import TRANSITIONS, Order, OrderEvent
from orders.policies import can_fulfil_order, cancellable_statuses_for, is_order_buyer
from payments import services as payment_services

Status = Order.Status
TIMESTAMP_FIELD = {
    Status.PAID: "paid_at",
    Status.ACCEPTED: "accepted_at",
    Status.SHIPPED: "shipped_at",
    Status.DELIVERED: "delivered_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
}


def lock_orders() -> QuerySet[Order]:
    """Orders locked for update, always in primary-key order."""
    return Order.objects.select_for_update(of=("self",)).select_related("cooperative").order_by(
        "pk"
    )


def lock_order_and_payment(order_pk: int) -> Order:
    """Lock the order's payment, then the order, for a move that may change the payment.

    payments.payment_succeed locks a payment and then its orders; taking them in the
    other order (as a cancellation did) deadlocks when a payment arrives meanwhile.
    """
    checkout = Order.objects.filter(pk=order_pk).values("checkout_id")
    list(payment_services.lock_payments().filter(checkout_id__in=checkout))
    return lock_orders().get(pk=order_pk)


def order_transition(
    *, order: Order, to: str, actor: User | None, note: str = "", **fields
) -> Order:
    """Move a locked order to `to` if the table allows it, and write the event."""
    if to not in TRANSITIONS[order.status]:
        raise InvalidTransition()
    order.status = to
    setattr(order, TIMESTAMP_FIELD[to], timezone.now())
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", TIMESTAMP_FIELD[to], *fields])
    OrderEvent.objects.create(order=order, status=to, actor=actor, note=note)
    return order


@transaction.atomic
def order_mark_paid(*, order_pk: int) -> Order:
    """The system records the payment of an order (called by payments)."""
    order = lock_orders().get(pk=order_pk)
    if order.status == Status.PAID:
        return order  # already recorded: a repeated payment event changes nothing
    return order_transition(order=order, to=Status.PAID, actor=None)


@transaction.atomic
def order_accept(*, order_pk: int, actor: User) -> Order:
    """Cooperative staff accept a paid (or cash-on-delivery) order."""
    order = lock_orders().get(pk=order_pk)
    ensure(can_fulfil_order(actor, order))
    if order.status == Status.PENDING_PAYMENT and order.payment_method != "cod":
        raise InvalidTransition()
    return order_transition(order=order, to=Status.ACCEPTED, actor=actor)


@transaction.atomic
def order_ship(*, order_pk: int, actor: User, carrier: str, tracking_number: str) -> Order:
    """Cooperative staff hand the goods to a carrier."""
    order = lock_orders().get(pk=order_pk)
    ensure(can_fulfil_order(actor, order))
    return order_transition(
        order=order, to=Status.SHIPPED, actor=actor, carrier=carrier,
        tracking_number=tracking_number,
    )


@transaction.atomic
def order_deliver(*, order_pk: int, actor: User | None) -> Order:
    """The buyer confirms receipt (or the system, days after shipping)."""
    order = lock_order_and_payment(order_pk)
    if actor is not None:
        ensure(is_order_buyer(actor, order))
    order = order_transition(order=order, to=Status.DELIVERED, actor=actor)
    if order.payment_method == "cod":
        payment_services.payment_cod_collected(order=order)
    return order


@transaction.atomic
def order_complete(*, order_pk: int) -> Order:
    """The system closes a delivered order after the return window; the cooperative is paid."""
    order = lock_orders().get(pk=order_pk)
    order = order_transition(order=order, to=Status.COMPLETED, actor=None)
    payment_services.ledger_credit_sale(order=order)
    return order


@transaction.atomic
def order_cancel(*, order_pk: int, actor: User | None, reason: str = "") -> Order:
    """Cancel before shipping: the stock returns, and a paid order is refunded in full."""
    order = lock_order_and_payment(order_pk)
    if actor is not None:
        allowed = cancellable_statuses_for(actor, order)
        if not allowed:
            raise NotAllowed()
        if order.status not in allowed:
            raise InvalidTransition()
    was_paid = order.paid_at is not None
    order = order_transition(
        order=order, to=Status.CANCELLED, actor=actor, note=reason, cancel_reason=reason
    )
    _stock_return(order)
    if not was_paid:
        payment_services.payment_order_dropped(order=order)
    elif left := payment_services.order_refundable(order):  # what partial refunds left
        payment_services.refund_create(order=order, amount=left, reason=reason, actor=actor)
    return order


def _stock_return(order: Order) -> None:
    lines = order.lines.filter(variant__isnull=False).order_by("variant_id")
    for line in lines:
        Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") + line.quantity)


@transaction.atomic
def order_refund(*, order_pk: int, actor: User, amount: int, reason: str) -> Order:
    """Owner or manager refund part (or the rest) of a paid order."""
    order = lock_order_and_payment(order_pk)
    ensure(can_manage_cooperative(actor, order.cooperative))
    if order.paid_at is None:
        raise InvalidTransition(_("Only a paid order can be refunded."))
    payment_services.refund_create(order=order, amount=amount, reason=reason, actor=actor)
    return order


def _due(orders: QuerySet[Order], since_field: str, age: datetime.timedelta) -> list[int]:
    """Primary keys of the orders whose `since_field` is older than `age`."""
    cutoff = timezone.now() - age
    return list(
        orders.filter(**{f"{since_field}__lt": cutoff}).order_by("pk").values_list("pk", flat=True)
    )


def orders_expire_unpaid() -> int:
    """Cancel orders left unpaid too long; their stock returns.

    Not cash on delivery, and not a bank transfer whose proof awaits finance:
    the buyer has paid, and expiring it would leave the money with no way back.
    """
    unpaid = (
        Order.objects.filter(status=Status.PENDING_PAYMENT)
        .exclude(payment_method="cod")
        .filter(checkout__payment__proof="")
    )
    due = _due(unpaid, "created_at",
               datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS))
    return _apply_each(due, _order_expire)


@transaction.atomic
def _order_expire(order_pk: int) -> Order:
    """Cancel an overdue order unless it was paid since it was listed."""
    order = lock_order_and_payment(order_pk)
    if order.status != Status.PENDING_PAYMENT:
        raise InvalidTransition()
    return order_cancel(order_pk=order_pk, actor=None, reason=_("Not paid in time"))


def orders_auto_deliver() -> int:
    """Shipped orders the buyer never confirmed become delivered."""
    due = _due(Order.objects.filter(status=Status.SHIPPED), "shipped_at",
               datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS))
    return _apply_each(due, lambda pk: order_deliver(order_pk=pk, actor=None))


def orders_auto_complete() -> int:
    """Delivered orders past the return window become completed."""
    due = _due(Order.objects.filter(status=Status.DELIVERED), "delivered_at",
               datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS))
    return _apply_each(due, lambda pk: order_complete(order_pk=pk))


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
