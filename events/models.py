"""What happened (events) and what a worker must still do (the outbox).

An event row is written in the same transaction as the change it records, so
the order timeline, the notifications and the daily sales figures can all be
derived from these rows alone. An outbox row is a task for a worker, written
in the transaction that needs it and sent to the broker after commit.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from market.models import Cooperative, User
from orders.models import Order
from payments.models import Payment, Payout, Refund


class Event(models.Model):
    class Kind(models.TextChoices):
        # An order's life; `status` holds the order's status after the event.
        ORDER_PLACED = "order_placed", _("order placed")
        # Its money came in (card, bank transfer; cash on delivery: on delivery). amount: total.
        ORDER_PAID = "order_paid", _("order paid")
        ORDER_ACCEPTED = "order_accepted", _("order accepted")
        ORDER_SHIPPED = "order_shipped", _("order shipped")
        ORDER_DELIVERED = "order_delivered", _("order delivered")
        ORDER_COMPLETED = "order_completed", _("order completed")
        ORDER_CANCELLED = "order_cancelled", _("order cancelled")
        # A checkout's one payment.
        PAYMENT_SUCCEEDED = "payment_succeeded", _("payment succeeded")
        PAYMENT_FAILED = "payment_failed", _("payment failed")
        # An order was cancelled before payment: the amount due shrank by `amount`.
        PAYMENT_REDUCED = "payment_reduced", _("payment reduced")
        PAYMENT_CANCELLED = "payment_cancelled", _("payment cancelled")
        # A refund counts when requested; a failure gives back what the request counted.
        REFUND_REQUESTED = "refund_requested", _("refund requested")
        REFUND_SUCCEEDED = "refund_succeeded", _("refund succeeded")
        REFUND_FAILED = "refund_failed", _("refund failed")
        # The cooperative's ledger: amount is the signed ledger change.
        SALE_CREDITED = "sale_credited", _("sale credited")
        COMMISSION_CHARGED = "commission_charged", _("commission charged")
        LEDGER_REFUND = "ledger_refund", _("refund booked in the ledger")
        PAYOUT_MADE = "payout_made", _("payout made")
        # Stock: quantity is the change, data["stock"] the stock after it.
        STOCK_RESERVED = "stock_reserved", _("stock reserved")
        STOCK_RELEASED = "stock_released", _("stock released")
        STOCK_SET = "stock_set", _("stock set")
        LOW_STOCK = "low_stock", _("low stock")
        # A cooperative's status; data["note"] the dinas note.
        COOPERATIVE_REGISTERED = "cooperative_registered", _("cooperative registered")
        COOPERATIVE_VERIFIED = "cooperative_verified", _("cooperative verified")
        COOPERATIVE_REJECTED = "cooperative_rejected", _("cooperative rejected")
        COOPERATIVE_SUSPENDED = "cooperative_suspended", _("cooperative suspended")
        # A cooperative's management; data: invitation, email, role (and user for members).
        MEMBER_INVITED = "member_invited", _("member invited")
        INVITATION_CANCELLED = "invitation_cancelled", _("invitation cancelled")
        INVITATION_DECLINED = "invitation_declined", _("invitation declined")
        MEMBER_JOINED = "member_joined", _("member joined")
        MEMBER_REMOVED = "member_removed", _("member removed")
        MEMBER_LEFT = "member_left", _("member left")
        MEMBER_ROLE_CHANGED = "member_role_changed", _("member's role changed")
        # An account's owner set a new password with a mailed link; data: user, email.
        PASSWORD_RESET = "password_reset", _("password reset")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Who did it; null: the system (a payment provider, a timer).
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    # Rupiah, where money moves.
    amount = models.BigIntegerField(_("amount (rupiah)"), null=True, blank=True)
    quantity = models.IntegerField(_("quantity"), null=True, blank=True)
    status = models.CharField(_("order status"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["order", "at"], name="event_order_at"),
            models.Index(fields=["kind", "at"], name="event_kind_at"),
            models.Index(fields=["cooperative", "kind", "at"], name="event_coop_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class OutboxTask(models.Model):
    """A task for a worker: written with the change that needs it, sent after commit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The re-sender sends it again from then on, unless it is done or failed by then.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox task")
        verbose_name_plural = _("outbox tasks")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_due",
                condition=models.Q(status__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"
