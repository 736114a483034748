"""Periodic job of the outbox (celery beat)."""

from celery import shared_task

from events.outbox import outbox_resend_due


@shared_task(ignore_result=True)
def outbox_resend_due_task() -> int:
    return outbox_resend_due()
