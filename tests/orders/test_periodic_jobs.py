"""The periodic order jobs: unpaid orders expire, shipped ones arrive, delivered ones close.

Each beat job fans out: it lists the due orders and starts one outbox task per
order, which runs (in-process here) once the job's transaction commits.
"""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile

from catalog.models import Variant
from events.models import Event, OutboxTask
from events.outbox import outbox_enqueue
from orders.models import Order
from orders.services import lifecycle
from orders.tasks import (
    order_auto_complete_task,
    order_auto_deliver_task,
    order_expire_task,
    orders_auto_complete_task,
    orders_auto_deliver_task,
    orders_expire_unpaid_task,
)
from payments.models import LedgerEntry, Payment
from tests.factories import UserFactory, VariantFactory, checkout_placed, order_placed

pytestmark = pytest.mark.django_db

Status = Order.Status
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def status_of(*orders: Order) -> list[str]:
    return [Order.objects.get(pk=order.pk).status for order in orders]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a beat job, then (as after its commit) the order tasks it started."""

    def run_job(job) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return job()

    return run_job


def stock(variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def test_unpaid_orders_past_the_timeout_are_cancelled_and_release_their_stock(
    run, clock, settings
):
    settings.ORDER_PAYMENT_TIMEOUT_HOURS = 24
    variant = VariantFactory(stock=10)
    unpaid = order_placed(variant=variant, quantity=3)
    paid = order_placed(variant=variant, quantity=2, status=Status.PAID)
    cash = order_placed(variant=variant, quantity=1, payment_method="cod")
    clock.shift(datetime.timedelta(hours=23, minutes=59))

    assert run(orders_expire_unpaid_task) == 0
    assert stock(variant) == 4

    clock.shift(datetime.timedelta(minutes=2))
    assert run(orders_expire_unpaid_task) == 1

    assert status_of(unpaid, paid, cash) == [Status.CANCELLED, Status.PAID,
                                             Status.PENDING_PAYMENT]
    assert stock(variant) == 7
    event = unpaid.events.order_by("pk").last()
    assert (event.status, event.actor, event.at) == (
        Status.CANCELLED, None, START + datetime.timedelta(hours=24, minutes=1))
    assert Payment.objects.get(checkout=unpaid.checkout_id).status == Payment.Status.CANCELLED


def test_the_payment_timeout_is_a_setting(run, clock, settings):
    settings.ORDER_PAYMENT_TIMEOUT_HOURS = 2
    unpaid = order_placed()
    clock.shift(datetime.timedelta(hours=2, seconds=1))

    assert run(orders_expire_unpaid_task) == 1
    assert status_of(unpaid) == [Status.CANCELLED]


def test_a_bank_transfer_whose_proof_awaits_finance_does_not_expire(run, clock, settings):
    unpaid = order_placed()
    payment = Payment.objects.get(checkout=unpaid.checkout_id)
    payment.proof.save("bukti.png", ContentFile(b"stored proof"), save=True)
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert run(orders_expire_unpaid_task) == 0
    assert status_of(unpaid) == [Status.PENDING_PAYMENT]


def test_expiring_twice_cancels_once(run, clock, settings):
    variant = VariantFactory(stock=5)
    order_placed(variant=variant, quantity=2)
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert run(orders_expire_unpaid_task) == 1
    assert run(orders_expire_unpaid_task) == 0
    assert stock(variant) == 5


def test_an_expired_checkout_of_two_cooperatives_cancels_both(run, clock, settings):
    kopi, madu = VariantFactory(stock=4), VariantFactory(stock=4)
    checkout = checkout_placed(UserFactory(), [(kopi, 1), (madu, 2)])
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS + 1))

    assert run(orders_expire_unpaid_task) == 2

    assert set(checkout.orders.values_list("status", flat=True)) == {Status.CANCELLED}
    assert (stock(kopi), stock(madu)) == (4, 4)
    payment = Payment.objects.get(checkout=checkout)
    assert (payment.status, payment.amount) == (Payment.Status.CANCELLED, 0)


def test_shipped_orders_not_confirmed_in_time_become_delivered(run, clock, settings):
    settings.ORDER_AUTO_DELIVER_DAYS = 7
    early = order_placed(status=Status.SHIPPED)
    clock.shift(datetime.timedelta(days=1))
    late = order_placed(status=Status.SHIPPED)
    accepted = order_placed(status=Status.ACCEPTED)
    clock.shift(datetime.timedelta(days=6, minutes=1))

    assert run(orders_auto_deliver_task) == 1

    assert status_of(early, late, accepted) == [Status.DELIVERED, Status.SHIPPED,
                                                Status.ACCEPTED]
    event = early.events.order_by("pk").last()
    assert (event.status, event.actor) == (Status.DELIVERED, None)

    clock.shift(datetime.timedelta(days=1))
    assert run(orders_auto_deliver_task) == 1
    assert status_of(late) == [Status.DELIVERED]


def test_an_auto_delivered_cash_order_is_paid(run, clock, settings):
    order = order_placed(status=Status.SHIPPED, payment_method="cod")
    clock.shift(datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS, minutes=1))

    run(orders_auto_deliver_task)

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.paid_at == START + datetime.timedelta(
        days=settings.ORDER_AUTO_DELIVER_DAYS, minutes=1)
    assert Payment.objects.get(checkout=order.checkout_id).status == Payment.Status.SUCCEEDED


def test_delivered_orders_past_the_return_window_are_completed_and_credit_the_ledger(
    run, clock, settings
):
    settings.ORDER_RETURN_WINDOW_DAYS = 3
    settings.PLATFORM_COMMISSION_BP = 500  # 5 %
    variant = VariantFactory(price=40_000)
    order = order_placed(variant=variant, quantity=2, status=Status.DELIVERED)
    clock.shift(datetime.timedelta(days=2, hours=23))
    recent = order_placed(status=Status.DELIVERED)

    assert run(orders_auto_complete_task) == 0
    clock.shift(datetime.timedelta(hours=1, minutes=1))
    assert run(orders_auto_complete_task) == 1

    assert status_of(order, recent) == [Status.COMPLETED, Status.DELIVERED]
    event = order.events.order_by("pk").last()
    assert (event.status, event.actor) == (Status.COMPLETED, None)
    entry = LedgerEntry.objects.get()
    assert (entry.cooperative, entry.kind, entry.order, entry.amount, entry.commission) == (
        order.cooperative, LedgerEntry.Kind.SALE, order, 80_000 - 4_000, 4_000)


def test_completing_twice_credits_the_ledger_once(run, clock, settings):
    order_placed(status=Status.DELIVERED)
    clock.shift(datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS + 1))

    assert run(orders_auto_complete_task) == 1
    assert run(orders_auto_complete_task) == 0
    assert LedgerEntry.objects.count() == 1


def test_the_jobs_leave_cancelled_and_completed_orders_alone(run, clock):
    cancelled = order_placed(status=Status.CANCELLED)
    completed = order_placed(status=Status.COMPLETED)
    clock.shift(datetime.timedelta(days=60))

    assert (run(orders_expire_unpaid_task), run(orders_auto_deliver_task),
            run(orders_auto_complete_task)) == (0, 0, 0)
    assert status_of(cancelled, completed) == [Status.CANCELLED, Status.COMPLETED]


def order_tasks() -> list[tuple[str, dict, str]]:
    """The one-order tasks in the outbox: (name, arguments, status), in the order started."""
    rows = OutboxTask.objects.filter(name__startswith="orders.tasks.").order_by("pk")
    return [(row.name, row.kwargs, row.status) for row in rows]


def test_a_job_starts_one_task_per_due_order_and_none_for_the_others(clock, settings):
    first, second = order_placed(), order_placed()
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS, minutes=1))
    order_placed()  # not due yet
    order_placed(status=Status.PAID)
    order_placed(payment_method="cod")

    # Outside a captured commit: the tasks are written, not run.
    assert orders_expire_unpaid_task() == 2

    name = order_expire_task.name
    assert order_tasks() == [(name, {"order_pk": first.pk}, OutboxTask.Status.PENDING),
                             (name, {"order_pk": second.pk}, OutboxTask.Status.PENDING)]
    assert status_of(first, second) == [Status.PENDING_PAYMENT] * 2


def test_a_job_run_again_does_not_start_what_still_waits_for_a_worker(run, clock, settings):
    order = order_placed()
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS, minutes=1))

    assert orders_expire_unpaid_task() == 1
    assert orders_expire_unpaid_task() == 0  # the first task has not run yet
    assert len(order_tasks()) == 1

    OutboxTask.objects.update(status=OutboxTask.Status.FAILED)
    assert run(orders_expire_unpaid_task) == 1  # a failed one no longer blocks the order
    assert status_of(order) == [Status.CANCELLED]


def test_a_job_starts_at_most_a_batch_oldest_first_and_the_next_run_takes_the_rest(
    run, clock, settings, monkeypatch
):
    monkeypatch.setattr(lifecycle, "DUE_BATCH", 2)
    orders = [order_placed(status=Status.SHIPPED) for _ in range(3)]
    clock.shift(datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS, minutes=1))

    assert run(orders_auto_deliver_task) == 2
    assert status_of(*orders) == [Status.DELIVERED, Status.DELIVERED, Status.SHIPPED]
    assert run(orders_auto_deliver_task) == 1
    assert status_of(*orders) == [Status.DELIVERED] * 3


@pytest.mark.parametrize(("job", "status", "days"), [
    (orders_expire_unpaid_task, Status.PENDING_PAYMENT, 2),
    (orders_auto_deliver_task, Status.SHIPPED, 8),
    (orders_auto_complete_task, Status.DELIVERED, 4),
], ids=["expire", "deliver", "complete"])
def test_a_fan_out_takes_the_same_few_queries_however_many_orders_are_due(
    clock, django_assert_num_queries, job, status, days
):
    """Listing, and one insert for all the tasks: the orders are moved by the tasks."""
    for count in (1, 6):
        for _ in range(count):
            order_placed(status=status)
        clock.shift(datetime.timedelta(days=days))
        with django_assert_num_queries(4):  # savepoint, due orders, insert, release
            assert job() == count  # the first orders' tasks still wait: not again


@pytest.mark.parametrize(("task", "status", "days", "after", "kind"), [
    (order_expire_task, Status.PENDING_PAYMENT, 2, Status.CANCELLED,
     Event.Kind.ORDER_CANCELLED),
    (order_auto_deliver_task, Status.SHIPPED, 8, Status.DELIVERED, Event.Kind.ORDER_DELIVERED),
    (order_auto_complete_task, Status.DELIVERED, 4, Status.COMPLETED,
     Event.Kind.ORDER_COMPLETED),
], ids=["expire", "deliver", "complete"])
def test_an_order_task_started_twice_moves_the_order_once(
    clock, django_capture_on_commit_callbacks, task, status, days, after, kind
):
    variant = VariantFactory(stock=5)
    order = order_placed(variant=variant, quantity=2, status=status)
    clock.shift(datetime.timedelta(days=days))

    with django_capture_on_commit_callbacks(execute=True):
        twins = [outbox_enqueue(task, order_pk=order.pk) for _ in range(2)]

    assert status_of(order) == [after]
    assert order.events.filter(kind=kind).count() == 1
    assert stock(variant) == (5 if after == Status.CANCELLED else 3)
    assert LedgerEntry.objects.count() == (1 if after == Status.COMPLETED else 0)
    assert {row.status for row in OutboxTask.objects.filter(pk__in=[t.pk for t in twins])} == {
        OutboxTask.Status.DONE}


def test_an_order_task_for_an_order_no_longer_due_changes_nothing(clock, settings):
    order = order_placed()
    clock.shift(datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS - 1))

    assert lifecycle.order_expire(order_pk=order.pk) is False  # not due yet
    clock.shift(datetime.timedelta(hours=2))
    assert lifecycle.order_expire(order_pk=order.pk) is True
    assert lifecycle.order_expire(order_pk=order.pk) is False
    assert order.events.filter(kind=Event.Kind.ORDER_CANCELLED).count() == 1
