"""Payment tasks: take ids, call one service; started through the outbox after commit."""

import stripe

from events.outbox import outbox_task

# Worth another try later: the network, Stripe's rate limit, Stripe's own errors (5xx).
RETRY_ON = (OSError, stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def _refund_give_up(*, refund_pk: int, error: str) -> None:
    from payments.services import refund_give_up

    refund_give_up(refund_pk=refund_pk, error=error)


@outbox_task(retry_on=RETRY_ON, on_give_up=_refund_give_up)
def refund_submit_task(*, refund_pk: int) -> None:
    """Send a recorded refund to its provider."""
    from payments.services import refund_submit

    refund_submit(refund_pk=refund_pk)


@outbox_task(retry_on=RETRY_ON)
def payment_amount_changed_task(*, payment_pk: int) -> None:
    """Tell the provider that the amount due shrank (an order was cancelled before payment)."""
    from payments.services import payment_amount_tell

    payment_amount_tell(payment_pk=payment_pk)
