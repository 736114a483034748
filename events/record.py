"""Writing events: the one way services say what happened, inside their transaction.

Every event written here also goes to the daily sales figures
(market.monitoring), in the same transaction: this is the one place no sale or
refund can pass by. Callers write the counting events (`order_paid`,
`refund_requested`, `refund_failed`) after taking every other lock, so the
figures' rows are always locked last. It also hands every event to the notifications
(market.notifications.kinds), which only write an outbox row for those that tell someone.
"""

import datetime

from events.models import Event
from market.monitoring import sales_figures_apply
from market.notifications.kinds import notifications_enqueue

Kind = Event.Kind


def event_record(*, kind: str, at: datetime.datetime, **fields) -> Event:
    """One event row: kind, time and the objects it is about (see Event's fields)."""
    event = Event.objects.create(kind=kind, at=at, **fields)
    sales_figures_apply([event])
    notifications_enqueue([event])
    return event


def events_record(events: list[Event]) -> list[Event]:
    """Several events in one query (a checkout's orders and stock moves)."""
    events = Event.objects.bulk_create(events)
    sales_figures_apply(events)
    notifications_enqueue(events)
    return events
