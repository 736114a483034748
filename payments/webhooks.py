"""Stripe webhook events, each processed exactly once.

The event id is claimed in the same transaction as its effects: a duplicate,
a retry or a concurrent twin finds the claim and changes nothing, and a crash
mid-way rolls the claim back so that Stripe's retry finishes the work.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import services
from payments.models import Payment, Refund, StripeEvent
from payments.providers.stripe import from_stripe_amount

logger = logging.getLogger(__name__)


@transaction.atomic
def stripe_event_handle(*, event: dict) -> bool:
    """Apply a verified event; False when it was already processed."""
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event["id"], type=event["type"], payload=event
            )
    except IntegrityError:
        return False
    handler = HANDLERS.get(event["type"])
    if handler is not None:
        handler(event["data"]["object"])
    record.processed_at = timezone.now()
    record.save(update_fields=["processed_at"])
    return True


def _payment_of(intent: dict) -> Payment | None:
    payment = Payment.objects.filter(provider_reference=intent["id"]).first()
    if payment is None:
        payment_id = (intent.get("metadata") or {}).get("payment_id", "")
        if payment_id.isdigit():
            payment = Payment.objects.filter(pk=int(payment_id)).first()
    if payment is None:
        logger.warning("Stripe event for unknown PaymentIntent %s", intent["id"])
    return payment


def _intent_succeeded(intent: dict) -> None:
    payment = _payment_of(intent)
    if payment is not None:
        received = from_stripe_amount(intent.get("amount_received") or intent["amount"])
        services.payment_succeed(payment_pk=payment.pk, received=received)


def _intent_failed(intent: dict) -> None:
    payment = _payment_of(intent)
    if payment is not None:
        services.payment_fail(payment_pk=payment.pk)


def _charge_refunded(charge: dict) -> None:
    refund_ids = [refund["id"] for refund in (charge.get("refunds") or {}).get("data", [])]
    Refund.objects.filter(provider_reference__in=refund_ids, status=Refund.Status.PENDING).update(
        status=Refund.Status.SUCCEEDED
    )


def _refund_updated(refund: dict) -> None:
    """Newer Stripe API versions report a refund's outcome here, not on the charge."""
    outcome = {"succeeded": Refund.Status.SUCCEEDED, "failed": Refund.Status.FAILED}.get(
        refund.get("status")
    )
    if outcome:
        Refund.objects.filter(
            provider_reference=refund["id"], status=Refund.Status.PENDING
        ).update(status=outcome)


HANDLERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_updated,
}
