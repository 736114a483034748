"""Moving one locked order along the status table, with its event.

The lifecycle (orders.services.lifecycle) and the money (payments.settlement)
both move orders through `order_transition`; neither writes a status directly.
"""

import datetime

from django.db.models import QuerySet

from events.models import Event
from events.record import event_record
from market.models import User
from orders.errors import InvalidTransition
from orders.models import TRANSITIONS, Order

Status = Order.Status
# paid_at is not here: payments.settlement sets it, for cash on delivery without a move.
TIMESTAMP_FIELD = {
    Status.ACCEPTED: "accepted_at",
    Status.SHIPPED: "shipped_at",
    Status.DELIVERED: "delivered_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
}
EVENT_KIND = {
    Status.PAID: Event.Kind.ORDER_PAID,
    Status.ACCEPTED: Event.Kind.ORDER_ACCEPTED,
    Status.SHIPPED: Event.Kind.ORDER_SHIPPED,
    Status.DELIVERED: Event.Kind.ORDER_DELIVERED,
    Status.COMPLETED: Event.Kind.ORDER_COMPLETED,
    Status.CANCELLED: Event.Kind.ORDER_CANCELLED,
}


def lock_orders() -> QuerySet[Order]:
    """Orders locked for update, always in primary-key order."""
    return Order.objects.select_for_update(of=("self",)).select_related("cooperative").order_by(
        "pk"
    )


def order_transition(
    *,
    order: Order,
    to: str,
    actor: User | None,
    now: datetime.datetime,
    note: str = "",
    amount: int | None = None,
    data: dict | None = None,
    **fields,
) -> Order:
    """Move a locked order to `to` if the table allows it, and write its event."""
    if to not in TRANSITIONS[order.status]:
        raise InvalidTransition()
    order.status = to
    fields = {TIMESTAMP_FIELD[to]: now, **fields} if to in TIMESTAMP_FIELD else fields
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
    event_record(
        kind=EVENT_KIND[to], at=now, actor=actor, order=order,
        cooperative_id=order.cooperative_id, status=to, note=note, amount=amount,
        data=data or {},
    )
    return order
