"""Which event tells whom, on which channels by default: the one mapping.

`notifications_enqueue` is called by events.record for every event written, in its
transaction: an event of a kind in EVENT_NOTIFICATIONS gets one fan-out task (an
outbox row), nothing else is done there. Low stock is not told per event: the daily
digest (services.low_stock_digest_send) reads those events instead.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from events.models import Event
from market.models import Membership, Notification, NotificationDelivery, User
from market.templatetags.money import rupiah

Kind = Notification.Kind
Channel = NotificationDelivery.Channel
EventKind = Event.Kind


def _buyer(event: Event) -> QuerySet[User]:
    return User.objects.filter(pk=event.order.buyer_id)


def _staff(event: Event) -> QuerySet[User]:
    return User.objects.filter(memberships__cooperative_id=event.cooperative_id)


def _buyer_and_staff(event: Event) -> QuerySet[User]:
    return _buyer(event) | _staff(event)


def _owners(event: Event) -> QuerySet[User]:
    return User.objects.filter(memberships__cooperative_id=event.cooperative_id,
                               memberships__role=Membership.Role.OWNER)


def _officers_covering(event: Event) -> QuerySet[User]:
    """Officers of the cooperative's region or of any region above it (codes nest by prefix)."""
    parts = event.cooperative.region.code.split(".")
    codes = [".".join(parts[: length + 1]) for length in range(len(parts))]
    return User.objects.filter(dinas_officer__regions__code__in=codes)


def finance_staff() -> QuerySet[User]:
    """Holders of payments.manage_finance (market.policies.is_finance_staff), admins included."""
    permission = Permission.objects.filter(
        content_type__app_label="payments", codename="manage_finance"
    ).first()
    return User.objects.filter(
        Q(is_superuser=True) | Q(user_permissions=permission) | Q(groups__permissions=permission)
    )


def _finance(event: Event) -> QuerySet[User]:
    return finance_staff()


def _invitee(event: Event) -> QuerySet[User]:
    """The account of the invited address, once its owner proved it (as policies.is_invitee)."""
    return User.objects.filter(email__iexact=event.data.get("email", ""),
                               email_verified_at__isnull=False)


@dataclass(frozen=True)
class Telling:
    kind: str
    recipients: Callable[[Event], QuerySet[User]]


EVENT_NOTIFICATIONS: dict[str, Telling] = {
    EventKind.ORDER_PLACED: Telling(Kind.ORDER_PLACED, _buyer_and_staff),
    EventKind.ORDER_PAID: Telling(Kind.ORDER_PAID, _buyer_and_staff),
    EventKind.ORDER_ACCEPTED: Telling(Kind.ORDER_ACCEPTED, _buyer),
    EventKind.ORDER_SHIPPED: Telling(Kind.ORDER_SHIPPED, _buyer),
    EventKind.ORDER_DELIVERED: Telling(Kind.ORDER_DELIVERED, _buyer_and_staff),
    EventKind.ORDER_CANCELLED: Telling(Kind.ORDER_CANCELLED, _buyer_and_staff),
    EventKind.REFUND_SUCCEEDED: Telling(Kind.ORDER_REFUNDED, _buyer),
    EventKind.REFUND_FAILED: Telling(Kind.REFUND_FAILED, _finance),
    EventKind.COOPERATIVE_VERIFIED: Telling(Kind.COOPERATIVE_VERIFIED, _owners),
    EventKind.COOPERATIVE_REJECTED: Telling(Kind.COOPERATIVE_REJECTED, _owners),
    EventKind.COOPERATIVE_SUSPENDED: Telling(Kind.COOPERATIVE_SUSPENDED, _owners),
    EventKind.COOPERATIVE_REGISTERED: Telling(Kind.COOPERATIVE_PENDING, _officers_covering),
    EventKind.MEMBER_INVITED: Telling(Kind.MEMBER_INVITED, _invitee),
}

ORDER_KINDS = {
    Kind.ORDER_PLACED, Kind.ORDER_PAID, Kind.ORDER_ACCEPTED, Kind.ORDER_SHIPPED,
    Kind.ORDER_DELIVERED, Kind.ORDER_CANCELLED, Kind.ORDER_REFUNDED, Kind.REFUND_FAILED,
}
VERIFICATION_KINDS = {
    Kind.COOPERATIVE_VERIFIED, Kind.COOPERATIVE_REJECTED, Kind.COOPERATIVE_SUSPENDED,
    Kind.COOPERATIVE_PENDING,
}
# The channels a user may choose for a kind; in-app is always on. The invitation's own
# e-mail (market.tasks.invitation_email_task) reaches addresses without an account too,
# so the notification adds only the in-app row.
CHOOSABLE_CHANNELS: dict[str, tuple[str, ...]] = {
    kind: () if kind == Kind.MEMBER_INVITED else (Channel.EMAIL, Channel.GATEWAY)
    for kind in Kind.values
}
EMAIL_BY_DEFAULT = ORDER_KINDS | VERIFICATION_KINDS | {Kind.MONTHLY_REPORT}


def channel_default(kind: str, channel: str) -> bool:
    if channel == Channel.IN_APP:
        return True
    return channel == Channel.EMAIL and kind in EMAIL_BY_DEFAULT


def event_data(event: Event) -> dict:
    """What the message of an event needs, language-neutral, read once at fan-out."""
    data = {"note": event.note or event.data.get("note", "")}
    if event.order_id:
        order = event.order
        data.update(number=order.number, cooperative=order.cooperative.name,
                    total=rupiah(order.total), carrier=order.carrier,
                    tracking_number=order.tracking_number,
                    amount=rupiah(event.amount) if event.amount is not None else "",
                    link=f"/api/v1/orders/{order.number}/")
    elif event.cooperative_id:
        cooperative = event.cooperative
        data.update(cooperative=cooperative.name, region=cooperative.region.name,
                    link=f"/api/v1/cooperatives/{cooperative.slug}/")
    if event.kind == EventKind.MEMBER_INVITED:
        data.update(role=event.data.get("role", ""), link="/api/v1/me/invitations/")
    return data


_silenced: ContextVar[bool] = ContextVar("notifications_silenced", default=False)


@contextmanager
def notifications_silenced() -> Iterator[None]:
    """Events written inside tell nobody: for the demo's history, placed months in the past,
    whose thousands of messages would only bury the recent ones (and take a minute)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def notifications_enqueue(events: Iterable[Event]) -> None:
    """One fan-out task per event that notifies anyone, in the event's transaction."""
    from events.outbox import outbox_enqueue
    from market.tasks import notification_fan_out_task  # tasks import services: when called

    if _silenced.get():
        return
    for event in events:
        if event.kind in EVENT_NOTIFICATIONS:
            outbox_enqueue(notification_fan_out_task, now=event.at, event_pk=event.pk)
