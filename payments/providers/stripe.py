"""Card payments through Stripe, in rupiah.

Stripe counts IDR in hundredths of a rupiah (a two-decimal currency), so what
we send is rupiah x 100. Payments succeed only from the signed webhook.
"""

import stripe
from django.conf import settings

from payments.methods import PaymentMethod
from payments.models import Payment, Refund
from payments.providers import RefundOutcome

STRIPE_TIMEOUT_SECONDS = 15


def to_stripe_amount(rupiah: int) -> int:
    return rupiah * 100


def from_stripe_amount(amount: int) -> int:
    return amount // 100


def is_configured() -> bool:
    """Both keys set (and not blank): card payments and the webhook are on."""
    return bool(settings.STRIPE_SECRET_KEY.strip() and settings.STRIPE_WEBHOOK_SECRET.strip())


def client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base},
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
        max_network_retries=2,
    )


class StripeProvider:
    method = PaymentMethod.STRIPE

    def is_available(self) -> bool:
        return is_configured()

    def start(self, payment: Payment) -> None:
        intent = client().v1.payment_intents.create(
            params={
                "amount": to_stripe_amount(payment.amount),
                "currency": "idr",
                "payment_method_types": ["card"],
                "metadata": {"payment_id": str(payment.pk),
                             "checkout_id": str(payment.checkout_id)},
            },
            options={"idempotency_key": f"payment-{payment.pk}-intent"},
        )
        payment.provider_reference = intent.id
        payment.client_secret = intent.client_secret or ""

    def amount_changed(self, payment: Payment) -> None:
        if not payment.provider_reference:
            return
        if payment.amount == 0:
            client().v1.payment_intents.cancel(payment.provider_reference)
            return
        client().v1.payment_intents.update(
            payment.provider_reference, params={"amount": to_stripe_amount(payment.amount)}
        )

    def refund(self, refund: Refund) -> RefundOutcome:
        created = client().v1.refunds.create(
            params={
                "payment_intent": refund.payment.provider_reference,
                "amount": to_stripe_amount(refund.amount),
                "metadata": {"refund_id": str(refund.pk), "order": refund.order.number or ""},
            },
            options={"idempotency_key": f"refund-{refund.pk}"},
        )
        status = {"succeeded": Refund.Status.SUCCEEDED, "failed": Refund.Status.FAILED}.get(
            created.status, Refund.Status.PENDING
        )
        return RefundOutcome(status=status, reference=created.id,
                             error=getattr(created, "failure_reason", None) or "")
