"""Periodic order jobs (celery beat): each calls one service."""

from celery import shared_task

from orders.services import lifecycle


@shared_task
def orders_expire_unpaid_task() -> int:
    return lifecycle.orders_expire_unpaid()


@shared_task
def orders_auto_deliver_task() -> int:
    return lifecycle.orders_auto_deliver()


@shared_task
def orders_auto_complete_task() -> int:
    return lifecycle.orders_auto_complete()
