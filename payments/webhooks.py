"""Stripe webhook events, each processed exactly once.

The event id is claimed in the same transaction as its effects: a duplicate,
a retry or a concurrent twin finds the claim and changes nothing, and a crash
mid-way rolls the claim back so that Stripe's retry finishes the work.

An event settles only the card payment whose PaymentIntent id it carries:
never a bank transfer or cash on delivery, never a payment named in metadata.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.errors import InvalidInput
from payments import settlement
from payments.methods import PaymentMethod
from payments.models import Payment, Refund, StripeEvent
from payments.providers.stripe import from_stripe_amount

logger = logging.getLogger(__name__)


def stripe_event_check(event: object) -> dict:
    """The event if it has the shape its handler reads; else a 400 naming what is wrong."""
    if not isinstance(event, dict):
        raise InvalidInput(fields={"event": _("Must be a JSON object.")})
    # Lengths as stored (StripeEvent): a longer value would be a database error, not a 400.
    if not isinstance(event.get("id"), str) or not 0 < len(event["id"]) <= 255:
        raise InvalidInput(fields={"id": _("Must be the event's id.")})
    if not isinstance(event.get("type"), str) or len(event["type"]) > 100:
        raise InvalidInput(fields={"type": _("Must be the event's type.")})
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise InvalidInput(fields={"data": _("Must hold the event's object.")})
    handler = HANDLERS.get(event["type"])
    if handler is not None:
        handler.check(data["object"])
    return event


@transaction.atomic
def stripe_event_handle(*, event: dict) -> bool:
    """Apply a verified, checked event; False when it was already processed."""
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event["id"], type=event["type"], payload=event
            )
    except IntegrityError:
        return False
    handler = HANDLERS.get(event["type"])
    if handler is not None:
        handler.apply(event["data"]["object"])
    record.processed_at = timezone.now()
    record.save(update_fields=["processed_at"])
    return True


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(fields={field: _("Must be a non-empty string.")})
    return value


def _amount(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(fields={field: _("Must be a whole non-negative amount.")})
    return value


def _received(intent: dict) -> object:
    """What came in: `amount_received`, or `amount` where that is missing or zero."""
    return intent.get("amount_received") or intent.get("amount")


class IntentSucceeded:
    @staticmethod
    def check(intent: dict) -> None:
        _text(intent.get("id"), "data.object.id")
        _amount(_received(intent), "data.object.amount")

    @staticmethod
    def apply(intent: dict) -> None:
        payment = _card_payment(intent["id"])
        if payment is not None:
            received = from_stripe_amount(_received(intent))
            settlement.payment_paid(payment_pk=payment.pk, received=received, now=timezone.now())


class IntentFailed:
    @staticmethod
    def check(intent: dict) -> None:
        _text(intent.get("id"), "data.object.id")

    @staticmethod
    def apply(intent: dict) -> None:
        payment = _card_payment(intent["id"])
        if payment is not None:
            settlement.payment_failed(payment_pk=payment.pk, now=timezone.now())


class ChargeRefunded:
    """Older Stripe API versions report refunds on the charge."""

    @staticmethod
    def check(charge: dict) -> None:
        refunds = charge.get("refunds") or {}
        if not isinstance(refunds, dict) or not isinstance(refunds.get("data", []), list):
            raise InvalidInput(fields={"data.object.refunds": _("Must be a list of refunds.")})
        for refund in refunds.get("data", []):
            if not isinstance(refund, dict):
                raise InvalidInput(fields={"data.object.refunds": _("Must be refund objects.")})
            _text(refund.get("id"), "data.object.refunds.id")

    @staticmethod
    def apply(charge: dict) -> None:
        for refund in (charge.get("refunds") or {}).get("data", []):
            if refund.get("status", "succeeded") == "succeeded":
                _refund_settle(refund["id"], succeeded=True, reason="")


class RefundUpdated:
    """Newer Stripe API versions report a refund's outcome here."""

    @staticmethod
    def check(refund: dict) -> None:
        _text(refund.get("id"), "data.object.id")

    @staticmethod
    def apply(refund: dict) -> None:
        if refund.get("status") in ("succeeded", "failed"):
            _refund_settle(refund["id"], succeeded=refund["status"] == "succeeded",
                           reason=str(refund.get("failure_reason") or ""))


def _card_payment(intent_id: str) -> Payment | None:
    payment = Payment.objects.filter(
        provider_reference=intent_id, method=PaymentMethod.STRIPE
    ).first()
    if payment is None:
        logger.warning("Stripe event for a PaymentIntent we do not know: %s", intent_id)
    return payment


def _refund_settle(provider_reference: str, *, succeeded: bool, reason: str) -> None:
    refund = Refund.objects.filter(
        provider_reference=provider_reference, payment__method=PaymentMethod.STRIPE
    ).first()
    if refund is None:
        return
    if succeeded:
        settlement.refund_succeeded(refund_pk=refund.pk, now=timezone.now())
    else:
        settlement.refund_failed(refund_pk=refund.pk, reason=reason or _("Refused by Stripe"),
                                 now=timezone.now())


HANDLERS = {
    "payment_intent.succeeded": IntentSucceeded,
    "payment_intent.payment_failed": IntentFailed,
    "charge.refunded": ChargeRefunded,
    "refund.updated": RefundUpdated,
}
