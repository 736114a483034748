"""Write use cases of payments that talk to providers or need a policy.

Every change of money state itself is made by payments.settlement.
"""

import datetime
import logging
from functools import partial

import stripe
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.errors import Conflict, DomainError, InvalidInput
from market.models import Cooperative, User
from market.policies import ensure, is_finance_staff
from payments import settlement
from payments.methods import PaymentMethod
from payments.models import Payment, Payout, Refund
from payments.policies import can_upload_payment_proof
from payments.proofs import InvalidProof, proof_clean
from payments.providers import methods_available, provider_for

logger = logging.getLogger(__name__)
Status = Payment.Status


class ProviderUnavailable(DomainError):
    """The payment provider cannot be reached; the same request may be tried again."""

    status_code = 503
    code = "payment_provider_unavailable"
    default_message = _("The payment provider cannot be reached now. Please try again.")


def payment_method_check(method: str) -> None:
    if method not in methods_available():
        raise InvalidInput(
            fields={"payment_method": _("Not offered here. Choose one of: %s")
                    % ", ".join(methods_available())}
        )


def payment_start(*, payment_pk: int) -> Payment:
    """Prepare the payment at its provider once (a Stripe PaymentIntent); outside transactions.

    The provider's idempotency key is our payment id, so a retry after an outage
    finds the same intent.
    """
    payment = Payment.objects.get(pk=payment_pk)
    if payment.provider_reference or payment.status != Status.PENDING:
        return payment
    try:
        provider_for(payment.method).start(payment)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        logger.warning("Payment %s not started at the provider: %s", payment.pk, error)
        raise ProviderUnavailable() from error
    if payment.provider_reference:  # offline methods have nothing to record
        Payment.objects.filter(pk=payment.pk, provider_reference="").update(
            provider_reference=payment.provider_reference, client_secret=payment.client_secret
        )
    return payment


def payment_amount_tell(*, payment_pk: int) -> None:
    """The amount due shrank: the provider must ask for less (a task; Stripe only)."""
    payment = Payment.objects.get(pk=payment_pk)
    provider_for(payment.method).amount_changed(payment)


def _takes_proof(payment: Payment) -> bool:
    return payment.awaits_bank_transfer


@transaction.atomic
def payment_proof_upload(*, actor: User, payment: Payment, upload: UploadedFile) -> Payment:
    """The buyer uploads the bank-transfer receipt for finance to check.

    A new proof replaces the old one, whose file is deleted once the change is committed.
    """
    ensure(can_upload_payment_proof(actor, payment))
    if not _takes_proof(payment):
        raise Conflict(_("Only a pending bank transfer takes a proof."))
    # Checked (and an image decoded) before the payment is locked.
    try:
        cleaned = proof_clean(upload)
    except InvalidProof as error:
        raise InvalidInput(fields={"image": str(error)}) from error
    payment = settlement.lock_payment(payment.pk)
    if not _takes_proof(payment):
        raise Conflict(_("Only a pending bank transfer takes a proof."))
    replaced = payment.proof.name
    payment.proof.save(cleaned.name, cleaned, save=False)
    payment.save(update_fields=["proof", "updated_at"])
    if replaced:
        transaction.on_commit(partial(payment.proof.storage.delete, replaced), robust=True)
    return payment


@transaction.atomic
def payment_confirm_transfer(
    *, actor: User, payment: Payment, now: datetime.datetime | None = None
) -> Payment:
    """Finance staff saw the transfer arrive in the bank account."""
    ensure(is_finance_staff(actor))
    payment = settlement.lock_payment(payment.pk)
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise Conflict(_("Only bank transfers are confirmed by hand."))
    if not payment.awaits_bank_transfer:
        raise Conflict(_("This payment is %s.") % payment.get_status_display())
    payment.confirmed_by = actor
    payment.save(update_fields=["confirmed_by"])
    return settlement.payment_paid(payment_pk=payment.pk, actor=actor, now=now or timezone.now())


def refund_submit(*, refund_pk: int) -> Refund:
    """Send a recorded refund to its provider once (a task, retried on network errors).

    A refusal that will not change on retry (Stripe's card or request errors)
    ends the refund as failed, and what it counted is given back.
    """
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_pk)
    if refund.status != Refund.Status.PENDING or refund.provider_reference:
        return refund
    try:
        outcome = provider_for(refund.payment.method).refund(refund)
    except stripe.StripeError as error:
        if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError):
            raise  # the outbox tries again later
        return refund_give_up(refund_pk=refund.pk, error=str(error))
    with transaction.atomic():
        if outcome.status == Refund.Status.SUCCEEDED:
            return settlement.refund_succeeded(
                refund_pk=refund.pk, provider_reference=outcome.reference, now=timezone.now()
            )
        if outcome.status == Refund.Status.FAILED:
            return settlement.refund_failed(
                refund_pk=refund.pk, reason=outcome.error, provider_reference=outcome.reference,
                now=timezone.now(),
            )
        # Pending at the provider: its webhook settles it; remember its id for that.
        Refund.objects.filter(pk=refund.pk).update(provider_reference=outcome.reference)
    return refund


@transaction.atomic
def refund_give_up(*, refund_pk: int, error: str) -> Refund:
    """The provider will not take the refund: it ends as failed, for finance to see."""
    return settlement.refund_failed(refund_pk=refund_pk, reason=error, now=timezone.now())


@transaction.atomic
def payout_create(
    *, actor: User, cooperative: Cooperative, amount: int, reference: str,
    idempotency_key: str = "", now: datetime.datetime | None = None,
) -> Payout:
    """Finance staff transfer part of what the platform holds to the cooperative."""
    ensure(is_finance_staff(actor))
    return settlement.payout_made(
        actor=actor, cooperative=cooperative, amount=amount, reference=reference,
        idempotency_key=idempotency_key, now=now or timezone.now(),
    )
