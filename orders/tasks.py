"""Order tasks: the periodic jobs (celery beat) and the one-order task each fans out to.

A beat job lists the due orders and starts one outbox task per order, so that
no task runs for minutes and a worker killed mid-way costs one order a retry.
The services are imported inside the tasks: they import this module to enqueue.
"""

from celery import shared_task
from django.db import OperationalError

from events.outbox import outbox_task

# A deadlock or a dropped connection is worth another try: the task asks again if it is due.
RETRY_ON = (OperationalError,)


@shared_task(ignore_result=True)
def orders_expire_unpaid_task() -> int:
    from orders.services import lifecycle

    return lifecycle.orders_expire_unpaid()


@shared_task(ignore_result=True)
def orders_auto_deliver_task() -> int:
    from orders.services import lifecycle

    return lifecycle.orders_auto_deliver()


@shared_task(ignore_result=True)
def orders_auto_complete_task() -> int:
    from orders.services import lifecycle

    return lifecycle.orders_auto_complete()


@outbox_task(retry_on=RETRY_ON)
def order_expire_task(*, order_pk: int) -> bool:
    """Cancel one order left unpaid too long, if it still is."""
    from orders.services import lifecycle

    return lifecycle.order_expire(order_pk=order_pk)


@outbox_task(retry_on=RETRY_ON)
def order_auto_deliver_task(*, order_pk: int) -> bool:
    """Mark one shipped order delivered, if the buyer still has not confirmed it."""
    from orders.services import lifecycle

    return lifecycle.order_auto_deliver(order_pk=order_pk)


@outbox_task(retry_on=RETRY_ON)
def order_auto_complete_task(*, order_pk: int) -> bool:
    """Complete one delivered order past the return window, if it still is."""
    from orders.services import lifecycle

    return lifecycle.order_auto_complete(order_pk=order_pk)
