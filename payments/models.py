"""Payments, refunds, Stripe events, and each cooperative's ledger and payouts."""

import re

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.models import Cooperative, User
from market.uploads import RandomFileName, private_storage
from orders.models import Checkout, Order
from payments.methods import PaymentMethod

# A bank transfer's reference is its payment's id behind "PK" (Pasar Koperasi): a checkout has
# one payment, so one code names the whole amount however many cooperatives it buys from;
# short, letters and digits only, as banks' transfer notes allow. Finance may paste the whole
# note: the code is found anywhere in it, whatever its case, spaces or dashes.
TRANSFER_REFERENCE_PREFIX = "PK"
_TRANSFER_REFERENCE = re.compile(
    rf"\b{TRANSFER_REFERENCE_PREFIX}[\s-]*([0-9]{{1,12}})\b", re.IGNORECASE
)


def payment_pk_of_transfer_reference(text: str) -> int | None:
    """The payment id a transfer reference in `text` names, or None when it holds none."""
    found = _TRANSFER_REFERENCE.search(text)
    return int(found.group(1)) if found else None


class Payment(models.Model):
    """The one payment of a checkout, whatever its method; written by payments.settlement."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        REFUNDED = "refunded", _("refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")

    checkout = models.OneToOneField(Checkout, on_delete=models.PROTECT, related_name="payment")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    amount = models.PositiveBigIntegerField(_("amount (rupiah)"))
    refunded_amount = models.PositiveBigIntegerField(_("refunded (rupiah)"), default=0)
    # The provider's id of this payment (a Stripe PaymentIntent id).
    provider_reference = models.CharField(max_length=255, blank=True, db_index=True)
    client_secret = models.CharField(max_length=255, blank=True)
    # The buyer's receipt (an image or a PDF), private: read only through the proof view.
    proof = models.FileField(
        _("transfer proof"), upload_to=RandomFileName("payments/proofs"),
        storage=private_storage, blank=True,
    )
    confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [("manage_finance", _("Confirm bank transfers and pay out cooperatives"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("amount")), name="payment_refund_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.method}, {self.status})"

    @property
    def transfer_reference(self) -> str:
        """The code the buyer writes in the transfer's note, for finance to match: PK000123."""
        return f"{TRANSFER_REFERENCE_PREFIX}{self.pk:06d}"

    @property
    def awaits_bank_transfer(self) -> bool:
        """A bank transfer whose money has not come in: the buyer may pay, finance confirm."""
        return self.method == PaymentMethod.BANK_TRANSFER and self.status in (
            Payment.Status.PENDING, Payment.Status.FAILED
        )


PaymentStatus = Payment.Status

# Which status may follow which; payments.settlement makes every move.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    # Cash on delivery: an order delivered (and so paid) is refunded while others travel.
    PaymentStatus.PENDING: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED,
                            PaymentStatus.CANCELLED, PaymentStatus.PARTIALLY_REFUNDED,
                            PaymentStatus.REFUNDED},
    PaymentStatus.FAILED: {PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED},
    # Paid at the provider while every order was being cancelled: it all goes back.
    PaymentStatus.CANCELLED: {PaymentStatus.SUCCEEDED},
    PaymentStatus.SUCCEEDED: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
    PaymentStatus.PARTIALLY_REFUNDED: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED,
                                       PaymentStatus.SUCCEEDED},
    # A failed refund gives back what it counted.
    PaymentStatus.REFUNDED: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.SUCCEEDED},
}


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount (rupiah)"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    provider_reference = models.CharField(max_length=255, blank=True, db_index=True)
    # Why the provider refused it, for finance.
    failure_reason = models.TextField(_("failure reason"), blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The client's Idempotency-Key: the same key answers the first refund again.
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["order", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="refund_idempotency_key_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk}: {self.amount} ({self.status})"


class StripeEvent(models.Model):
    """Every Stripe webhook event, stored once by its id: processed exactly once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Payout(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="payouts")
    amount = models.PositiveBigIntegerField(_("amount (rupiah)"))
    reference = models.CharField(_("bank reference"), max_length=100)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(
                fields=["cooperative", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="payout_idempotency_key_per_cooperative",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.reference}: {self.amount}"


class LedgerEntry(models.Model):
    """What the platform holds for a cooperative: credits and debits, never edited or deleted.

    Card and bank-transfer sales credit their total less commission; cash on
    delivery never passes through the platform, so its completion only debits
    the commission owed. The balance (their sum) may go negative then.
    """

    class Kind(models.TextChoices):
        SALE = "sale", _("sale (net of commission)")
        COMMISSION = "commission", _("commission on cash on delivery")
        REFUND = "refund", _("refund after completion")
        REFUND_REVERSAL = "refund_reversal", _("failed refund given back")
        PAYOUT = "payout", _("payout")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount (rupiah, + credit / - debit)"))
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    # A refund's debit, and its reversal if the refund failed.
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    payout = models.OneToOneField(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entry"
    )
    commission = models.PositiveBigIntegerField(_("commission (rupiah)"), default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind__in=["sale", "commission"]),
                name="ledger_one_sale_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
