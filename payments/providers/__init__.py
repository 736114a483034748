"""Payment providers behind one small interface.

A provider starts a payment (e.g. creates a Stripe PaymentIntent), tells the
provider of a changed amount, and sends refunds. A new gateway (QRIS, virtual
accounts) is one more module registered in PROVIDERS.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from payments.methods import PaymentMethod
from payments.models import Payment, Refund


@dataclass(frozen=True)
class RefundOutcome:
    """What the provider said of a refund: succeeded, failed, or still pending."""

    status: str
    reference: str = ""
    error: str = ""


class PaymentProvider(Protocol):
    method: str

    def is_available(self) -> bool: ...

    def start(self, payment: Payment) -> None:
        """Prepare the payment at the provider; may set provider_reference, client_secret."""

    def amount_changed(self, payment: Payment) -> None:
        """The amount due shrank (an order was cancelled before payment)."""

    def refund(self, refund: Refund) -> RefundOutcome:
        """Send the money back. Raises the provider's error (the task retries network ones)."""


class OfflineProvider:
    """Money that moves outside the platform (bank transfer, cash): nothing to call."""

    def __init__(self, method: str):
        self.method = method

    def is_available(self) -> bool:
        return True

    def start(self, payment: Payment) -> None:
        return None

    def amount_changed(self, payment: Payment) -> None:
        return None

    def refund(self, refund: Refund) -> RefundOutcome:
        # Recorded; finance returns the money by hand.
        return RefundOutcome(status=Refund.Status.SUCCEEDED)


def provider_for(method: str) -> PaymentProvider:
    from payments.providers.stripe import StripeProvider

    providers: dict[str, PaymentProvider] = {
        PaymentMethod.STRIPE: StripeProvider(),
        PaymentMethod.BANK_TRANSFER: OfflineProvider(PaymentMethod.BANK_TRANSFER),
        PaymentMethod.COD: OfflineProvider(PaymentMethod.COD),
    }
    return providers[method]


def methods_available() -> list[str]:
    """The methods offered: those named in settings whose provider is configured."""
    return [
        method for method in settings.PAYMENT_METHODS
        if method in PaymentMethod.values and provider_for(method).is_available()
    ]


def card_payments_offered() -> bool:
    """Card payments are offered: named in PAYMENT_METHODS and Stripe configured."""
    return PaymentMethod.STRIPE in methods_available()


def methods_offered_in_pages() -> list[str]:
    """The methods the pages offer: a card also needs the publishable key for Stripe Elements
    (an API client brings its own)."""
    methods = methods_available()
    if not settings.STRIPE_PUBLISHABLE_KEY.strip():
        methods = [method for method in methods if method != PaymentMethod.STRIPE]
    return methods
