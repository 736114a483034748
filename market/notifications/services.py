"""Notifications' use cases: fan-out, delivering, digests, preferences, the inbox."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Variant
from events.models import Event, OutboxTask
from events.outbox import outbox_enqueue, outbox_retry
from market import reports, selectors
from market.errors import InvalidInput, NotFound
from market.models import (
    DinasOfficer,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Region,
    User,
)
from market.monitoring import JAKARTA
from market.notifications import channels
from market.notifications.kinds import (
    CHOOSABLE_CHANNELS,
    EVENT_NOTIFICATIONS,
    channel_default,
    event_data,
)
from market.notifications.messages import message_render
from market.selectors import Period
from market.spreadsheets import XLSX_CONTENT_TYPE
from market.templatetags.money import rupiah

logger = logging.getLogger(__name__)
Kind = Notification.Kind
Channel = NotificationDelivery.Channel
Status = NotificationDelivery.Status


# ---------------------------------------------------------------- fan-out


@transaction.atomic
def notifications_fan_out(*, event_pk: int) -> int:
    """The deliveries of one event, for each recipient and chosen channel; returns how many."""
    event = (
        Event.objects.select_related("order__cooperative", "cooperative__region")
        .filter(pk=event_pk).first()
    )
    if event is None or event.kind not in EVENT_NOTIFICATIONS:
        return 0
    telling = EVENT_NOTIFICATIONS[event.kind]
    return notify(kind=telling.kind, source=f"event:{event.pk}", event=event,
                  recipients=telling.recipients(event), data=event_data(event))


def notify(*, kind: str, source: str, recipients: Iterable[User] | QuerySet[User], data: dict,
           event: Event | None = None) -> int:
    """Deliveries of `source` to each recipient on their channels, each written once.

    In-app rows are stored here; every other channel gets its own outbox task. A
    delivery that exists already (a second run of the same fan-out) is left alone.
    """
    if isinstance(recipients, QuerySet):
        recipients = recipients.distinct().order_by("pk")
    recipients = [user for user in recipients if user.is_active]
    chosen = _choices_of([user.pk for user in recipients], kind)
    from market.tasks import notification_deliver_task  # tasks import services: when called

    made = 0
    for recipient in recipients:
        for channel in _channels_for(recipient, kind, chosen[recipient.pk]):
            delivery, created = NotificationDelivery.objects.get_or_create(
                source=source, recipient=recipient, channel=channel,
                defaults={"kind": kind, "data": data, "event": event},
            )
            if not created:
                continue
            made += 1
            if channel == Channel.IN_APP:
                _deliver(delivery, recipient)
            else:
                delivery.outbox_task = outbox_enqueue(
                    notification_deliver_task, delivery_pk=delivery.pk
                )
                delivery.save(update_fields=["outbox_task"])
    return made


def _choices_of(user_pks: list[int], kind: str) -> dict[int, dict[str, bool]]:
    chosen: dict[int, dict[str, bool]] = defaultdict(dict)
    for user_pk, channel, enabled in NotificationPreference.objects.filter(
        user_id__in=user_pks, kind=kind
    ).values_list("user_id", "channel", "enabled"):
        chosen[user_pk][channel] = enabled
    return chosen


def _channels_for(user: User, kind: str, chosen: dict[str, bool]) -> list[str]:
    wanted = [Channel.IN_APP] + [
        channel for channel in CHOOSABLE_CHANNELS[kind]
        if chosen.get(channel, channel_default(kind, channel))
    ]
    reachable = {
        Channel.IN_APP: True,
        Channel.EMAIL: bool(user.email),
        Channel.GATEWAY: bool(user.phone) and channels.gateway_enabled(),
    }
    return [channel for channel in wanted if reachable[channel]]


# ---------------------------------------------------------------- delivering


def notification_deliver(*, delivery_pk: int) -> str:
    """Send one delivery unless it is sent already: lock, check, send, mark, in one transaction.

    Runs inside the outbox task's transaction; a failure rolls the mark back and
    the outbox retries (or gives up, see `notification_give_up`).
    """
    with transaction.atomic():
        delivery = (
            NotificationDelivery.objects.select_for_update().filter(pk=delivery_pk).first()
        )
        if delivery is None or delivery.status == Status.SENT:
            return "skipped"
        recipient = User.objects.get(pk=delivery.recipient_id)
        _deliver(delivery, recipient)
    return "sent"


def _deliver(delivery: NotificationDelivery, recipient: User) -> None:
    message = message_render(kind=delivery.kind, data=delivery.data, recipient=recipient)
    if delivery.channel == Channel.IN_APP:
        channels.in_app_store(delivery=delivery, message=message)
    elif delivery.channel == Channel.EMAIL:
        channels.email_send(recipient=recipient, message=message,
                            attachments=_attachments(delivery))
    else:
        channels.gateway_send(recipient=recipient, message=message, kind=delivery.kind)
    delivery.status = Status.SENT
    delivery.sent_at = timezone.now()
    delivery.attempts = _attempts(delivery) or 1
    delivery.last_error = ""
    delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])


def _attempts(delivery: NotificationDelivery) -> int:
    if delivery.outbox_task_id is None:
        return 0
    return OutboxTask.objects.filter(pk=delivery.outbox_task_id).values_list(
        "attempts", flat=True).first() or 0


def _attachments(delivery: NotificationDelivery) -> list[tuple[str, bytes, str]]:
    if delivery.kind != Kind.MONTHLY_REPORT:
        return []
    report = _report(delivery.data["region_code"], delivery.data["month_start"])
    return [(report.file_name, report.content, XLSX_CONTENT_TYPE)]


def _report(region_code: str, month_start: str) -> reports.MonthlyReport:
    month = Period.month_of(datetime.date.fromisoformat(month_start))
    return reports.monthly_report(region=Region.objects.get(code=region_code), month=month)


@transaction.atomic
def notification_give_up(*, delivery_pk: int, error: str) -> None:
    """The outbox will not try again: the delivery is failed, with its error, for the admin."""
    delivery = NotificationDelivery.objects.select_for_update().filter(pk=delivery_pk).first()
    if delivery is None or delivery.status == Status.SENT:
        return
    delivery.status = Status.FAILED
    delivery.last_error = error[:2000]
    delivery.attempts = _attempts(delivery)
    delivery.save(update_fields=["status", "last_error", "attempts"])


def notification_retry(*, delivery_pk: int) -> bool:
    """Send a failed delivery again from scratch (the admin's action); False if not failed."""
    from market.tasks import notification_deliver_task

    with transaction.atomic():
        delivery = NotificationDelivery.objects.select_for_update().filter(
            pk=delivery_pk, status=Status.FAILED
        ).first()
        if delivery is None:
            return False
        delivery.status = Status.PENDING
        delivery.attempts = 0
        resend = OutboxTask.objects.filter(
            pk=delivery.outbox_task_id, status=OutboxTask.Status.FAILED
        ).exists()
        if not resend:  # its outbox row is gone: a new one
            delivery.outbox_task = outbox_enqueue(
                notification_deliver_task, delivery_pk=delivery.pk
            )
        delivery.save(update_fields=["status", "attempts", "outbox_task"])
    if resend:
        outbox_retry(outbox_pk=delivery.outbox_task_id)
    return True


# ---------------------------------------------------------------- periodic


def low_stock_digest_send(*, day: datetime.date | None = None) -> int:
    """Tell each cooperative's staff, once a day, the variants that ran low that day.

    `day` is an Asia/Jakarta date, yesterday unless given; sending a day twice sends
    nothing more. Returns the deliveries made.
    """
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=JAKARTA)
    ran_low = defaultdict(set)
    for cooperative_pk, variant_pk in Event.objects.filter(
        kind=Event.Kind.LOW_STOCK, at__gte=start, at__lt=start + datetime.timedelta(days=1),
        variant__isnull=False,
    ).values_list("cooperative_id", "variant_id"):
        ran_low[cooperative_pk].add(variant_pk)
    made = 0
    for cooperative_pk in sorted(ran_low):
        variants = list(
            Variant.objects.filter(pk__in=ran_low[cooperative_pk])
            .select_related("product__cooperative").order_by("sku", "pk")
        )
        cooperative = variants[0].product.cooperative
        data = {
            "cooperative": cooperative.name, "day": day.isoformat(),
            "link": f"/api/v1/cooperatives/{cooperative.slug}/",
            "variants": [
                {"sku": variant.sku, "name": f"{variant.product.name} {variant.name}".strip(),
                 "stock": variant.stock}
                for variant in variants
            ],
        }
        with transaction.atomic():
            made += notify(
                kind=Kind.LOW_STOCK, source=f"low_stock:{cooperative.pk}:{day.isoformat()}",
                recipients=User.objects.filter(memberships__cooperative=cooperative), data=data,
            )
    return made


def monthly_reports_send(*, month: datetime.date | None = None) -> int:
    """Each officer gets the monthly report of each region they oversee (XLSX by e-mail).

    `month` is any day of the month to report, last month unless given; sending a
    month twice sends nothing more. Returns the deliveries made.
    """
    period = Period.month_of(month) if month else reports.last_month()
    label = reports.month_label(period)
    summaries: dict[str, dict] = {}
    made = 0
    officers = DinasOfficer.objects.select_related("user").prefetch_related("regions")
    for officer in officers.order_by("pk"):
        for region in sorted(officer.regions.all(), key=lambda region: region.code):
            if region.code not in summaries:
                # The figures the e-mail quotes; the workbook is built when it is sent.
                totals = selectors.region_sales(region_code=region.code, period=period)["totals"]
                summaries[region.code] = {
                    "region": region.name, "region_code": region.code, "month": label,
                    "month_start": period.start.isoformat(),
                    "orders": totals["orders"], "net": rupiah(totals["net"]),
                    "link": f"/api/v1/monitoring/sales/?region={region.code}",
                }
            with transaction.atomic():
                made += notify(
                    kind=Kind.MONTHLY_REPORT, recipients=[officer.user],
                    source=f"monthly_report:{period.start:%Y-%m}:{region.code}",
                    data=summaries[region.code],
                )
    return made


# ---------------------------------------------------------------- the inbox


def notification_list_for(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    notifications = Notification.objects.filter(recipient=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-pk")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_read(*, user: User, notification_pk: int) -> Notification:
    """Its recipient marks a notification read; anyone else's is a 404."""
    notification = Notification.objects.filter(pk=notification_pk, recipient=user).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_read_all(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ---------------------------------------------------------------- preferences


def preferences_for(*, user: User) -> list[dict]:
    """Every kind with its channels: the user's choice, else the default."""
    chosen = {
        (kind, channel): enabled for kind, channel, enabled in
        NotificationPreference.objects.filter(user=user).values_list("kind", "channel", "enabled")
    }
    return [
        {"kind": kind, Channel.IN_APP: True, **{
            channel: (chosen.get((kind, channel), channel_default(kind, channel))
                      if channel in CHOOSABLE_CHANNELS[kind] else False)
            for channel in (Channel.EMAIL, Channel.GATEWAY)
        }}
        for kind in Kind.values
    ]


@transaction.atomic
def preferences_update(*, user: User, changes: list[dict]) -> list[dict]:
    """Set the user's channels per kind: `[{kind, email?, gateway?}]`; in-app is always on."""
    problems = {}
    for index, change in enumerate(changes):
        for channel in (Channel.EMAIL, Channel.GATEWAY):
            if change.get(channel) and channel not in CHOOSABLE_CHANNELS[change["kind"]]:
                problems[f"preferences[{index}].{channel}"] = (
                    _("%(kind)s is not sent by %(channel)s.")
                    % {"kind": change["kind"], "channel": channel}
                )
    if problems:
        raise InvalidInput(fields=problems)
    for change in changes:
        for channel in (Channel.EMAIL, Channel.GATEWAY):
            if channel in change and channel in CHOOSABLE_CHANNELS[change["kind"]]:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=change["kind"], channel=channel,
                    defaults={"enabled": change[channel]},
                )
    return preferences_for(user=user)
