"""Payment tasks: take ids, call one service; retried on network errors."""

import stripe
from celery import shared_task

RETRY_ON = (OSError, stripe.APIConnectionError, stripe.RateLimitError)


@shared_task(autoretry_for=RETRY_ON, retry_backoff=True, max_retries=8)
def refund_submit_task(*, refund_pk: int) -> None:
    from payments.services import refund_submit

    refund_submit(refund_pk=refund_pk)


@shared_task(autoretry_for=RETRY_ON, retry_backoff=True, max_retries=8)
def payment_amount_changed_task(*, payment_pk: int) -> None:
    from payments.models import Payment
    from payments.providers import provider_for

    payment = Payment.objects.get(pk=payment_pk)
    provider_for(payment.method).amount_changed(payment)
