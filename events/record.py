"""Writing events: the one way services say what happened, inside their transaction."""

import datetime

from events.models import Event

Kind = Event.Kind


def event_record(*, kind: str, at: datetime.datetime, **fields) -> Event:
    """One event row: kind, time and the objects it is about (see Event's fields)."""
    return Event.objects.create(kind=kind, at=at, **fields)


def events_record(events: list[Event]) -> list[Event]:
    """Several events in one query (a checkout's orders and stock moves)."""
    return Event.objects.bulk_create(events)
