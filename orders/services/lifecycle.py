"""The order lifecycle: one service per transition, each by its allowed actor.

pending_payment -> paid -> accepted -> shipped -> delivered -> completed, and
cancelled before shipping. `actor=None` means the system (payments, timers).
Moves that change money lock through payments.settlement (payment, then
orders, then the cooperative) and let it do the money; the others lock the
order alone. `now` defaults to the clock.

The timers are beat jobs that fan out: `orders_expire_unpaid` and its
siblings list the due orders and start one small outbox task per order
(`order_expire`, `order_auto_deliver`, `order_auto_complete`), which asks
again under the order's lock whether it is still due, so that running it twice
(or after a worker died mid-way) changes the order once.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.stock import stock_release
from events.outbox import outbox_enqueue_many, outbox_waiting
from market.errors import NotAllowed
from market.models import User
from market.policies import can_manage_cooperative, ensure
from orders.errors import InvalidTransition
from orders.models import Order
from orders.policies import (
    awaits_acceptance,
    can_fulfil_order,
    cancellable_statuses_for,
    is_order_buyer,
)
from orders.services.transitions import lock_orders, order_transition
from orders.tasks import order_auto_complete_task, order_auto_deliver_task, order_expire_task
from payments import settlement
from payments.methods import PaymentMethod

Status = Order.Status


@transaction.atomic
def order_accept(*, order_pk: int, actor: User, now: datetime.datetime | None = None) -> Order:
    """Cooperative staff accept a paid (or cash-on-delivery) order."""
    order = lock_orders().get(pk=order_pk)
    ensure(can_fulfil_order(actor, order))
    if not awaits_acceptance(order):  # cash on delivery is accepted unpaid: paid at the door
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


# A fan-out starts at most this many order tasks a run (the oldest due first); the next run
# of the beat job takes the rest.
DUE_BATCH = 500


def orders_expire_unpaid(*, now: datetime.datetime | None = None) -> int:
    """Start one expiry task per order left unpaid too long; returns how many were started."""
    return _fan_out(_unpaid_due(now or timezone.now()), order_expire_task)


def orders_auto_deliver(*, now: datetime.datetime | None = None) -> int:
    """Start one task per shipped order the buyer never confirmed; returns how many."""
    return _fan_out(_shipped_due(now or timezone.now()), order_auto_deliver_task)


def orders_auto_complete(*, now: datetime.datetime | None = None) -> int:
    """Start one task per delivered order past the return window; returns how many."""
    return _fan_out(_delivered_due(now or timezone.now()), order_auto_complete_task)


@transaction.atomic
def order_expire(*, order_pk: int, now: datetime.datetime | None = None) -> bool:
    """Cancel an order left unpaid too long (its stock returns); False if no longer due."""
    now = now or timezone.now()
    settlement.lock_order_money(order_pk)
    # Asked again under the lock: the buyer may have paid since the fan-out listed it.
    if not _unpaid_due(now).filter(pk=order_pk).exists():
        return False
    order_cancel(order_pk=order_pk, actor=None, reason=_("Not paid in time"), now=now)
    return True


@transaction.atomic
def order_auto_deliver(*, order_pk: int, now: datetime.datetime | None = None) -> bool:
    """A shipped order the buyer never confirmed becomes delivered; False if no longer due."""
    now = now or timezone.now()
    settlement.lock_order_money(order_pk)
    if not _shipped_due(now).filter(pk=order_pk).exists():
        return False
    order_deliver(order_pk=order_pk, actor=None, now=now)
    return True


@transaction.atomic
def order_auto_complete(*, order_pk: int, now: datetime.datetime | None = None) -> bool:
    """A delivered order past the return window becomes completed; False if no longer due."""
    now = now or timezone.now()
    settlement.lock_order_money(order_pk)
    if not _delivered_due(now).filter(pk=order_pk).exists():
        return False
    order_complete(order_pk=order_pk, now=now)
    return True


def _unpaid_due(now: datetime.datetime) -> QuerySet[Order]:
    """Orders unpaid for longer than the payment timeout.

    Not cash on delivery, and not a bank transfer whose proof awaits finance:
    the buyer has paid, and expiring it would leave the money with no way back.
    """
    cutoff = now - datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS)
    return Order.objects.filter(
        status=Status.PENDING_PAYMENT, created_at__lt=cutoff, checkout__payment__proof=""
    ).exclude(payment_method=PaymentMethod.COD)


def _shipped_due(now: datetime.datetime) -> QuerySet[Order]:
    cutoff = now - datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS)
    return Order.objects.filter(status=Status.SHIPPED, shipped_at__lt=cutoff)


def _delivered_due(now: datetime.datetime) -> QuerySet[Order]:
    cutoff = now - datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    return Order.objects.filter(status=Status.DELIVERED, delivered_at__lt=cutoff)


@transaction.atomic
def _fan_out(due: QuerySet[Order], task) -> int:
    """One outbox task per due order whose task is not already waiting, oldest first.

    A few queries whatever the batch; a task that runs twice (or an order
    listed twice) is harmless, since each task asks again under the order's lock.
    """
    order_pks = list(
        due.exclude(pk__in=outbox_waiting(task, "order_pk")).order_by("pk")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )
    outbox_enqueue_many(task, [{"order_pk": pk} for pk in order_pks])
    return len(order_pks)
