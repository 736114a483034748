"""Checkouts racing on PostgreSQL: never oversold, never deadlocked, never doubled.

Each thread has its own database connection, and a barrier releases them at
the same moment, so the row locks really are contended.
"""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from catalog.errors import InsufficientStock
from catalog.models import Variant
from events.models import OutboxTask
from orders.models import Checkout, Order, OrderLine
from orders.services import lifecycle
from orders.tasks import order_expire_task, orders_expire_unpaid_task
from payments import settlement
from payments.models import Payment, Refund
from tests.factories import (
    SHIPPING_ADDRESS,
    UserFactory,
    VariantFactory,
    checkout_placed,
    order_placed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work) -> list:
    """Run `work(i)` for i in range(count), each in its own thread and connection, all at once.

    Returns what each call returned, or the exception it raised.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            connection.ensure_connection()  # connect first, so that the start is even
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a checkout hung"
    return results


def test_thirty_buyers_racing_for_five_units_buy_exactly_five():
    variant = VariantFactory(stock=5)
    buyers = [UserFactory() for _ in range(30)]

    results = run_together(30, lambda i: checkout_placed(buyers[i], [(variant, 1)]))

    placed = [result for result in results if isinstance(result, Checkout)]
    refused = [result for result in results if isinstance(result, InsufficientStock)]
    assert (len(placed), len(refused)) == (5, 25), [r for r in results if r not in placed]
    assert all(error.variant_ids == [variant.pk] for error in refused)
    assert Variant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == 5
    assert OrderLine.objects.aggregate(sold=Sum("quantity"))["sold"] == 5
    assert (Checkout.objects.count(), Payment.objects.count()) == (5, 5)
    assert set(Order.objects.values_list("checkout", flat=True)) == {c.pk for c in placed}


def test_checkouts_taking_two_variants_in_opposite_order_do_not_deadlock():
    kopi, madu = VariantFactory(stock=100), VariantFactory(stock=100)
    buyers = [UserFactory() for _ in range(20)]

    def buy(index: int) -> Checkout:
        items = [(kopi, 1), (madu, 2)] if index % 2 else [(madu, 2), (kopi, 1)]
        return checkout_placed(buyers[index], items)

    results = run_together(20, buy)

    assert all(isinstance(result, Checkout) for result in results), results
    assert Variant.objects.get(pk=kopi.pk).stock == 80
    assert Variant.objects.get(pk=madu.pk).stock == 60
    assert (Checkout.objects.count(), Order.objects.count()) == (20, 40)


def test_ten_identical_checkouts_with_one_key_make_one_checkout():
    buyer = UserFactory()
    kopi, madu = VariantFactory(stock=10), VariantFactory(stock=10)
    body = {
        "items": [{"variant": kopi.pk, "quantity": 2}, {"variant": madu.pk, "quantity": 1}],
        "shipping_address": SHIPPING_ADDRESS,
        "payment_method": "bank_transfer",
    }

    def post(index: int):
        client = APIClient()
        client.force_authenticate(buyer)
        response = client.post("/api/v1/checkout/", body, format="json",
                               headers={"Idempotency-Key": "bersamaan"})
        return response.status_code, response.json()

    answers = run_together(10, post)

    assert all(isinstance(answer, tuple) for answer in answers), answers
    assert {status for status, _ in answers} == {201}, answers
    checkout = Checkout.objects.get()
    assert {body["id"] for _, body in answers} == {checkout.pk}
    assert all(body == answers[0][1] for _, body in answers)
    assert Order.objects.count() == 2
    assert Payment.objects.count() == 1
    assert Variant.objects.get(pk=kopi.pk).stock == 8
    assert Variant.objects.get(pk=madu.pk).stock == 9


def test_the_same_key_racing_through_the_service_answers_with_one_checkout():
    buyer = UserFactory()
    variant = VariantFactory(stock=10)

    results = run_together(
        10, lambda i: checkout_placed(buyer, [(variant, 1)], key="layanan-bersamaan")
    )

    assert all(isinstance(result, Checkout) for result in results), results
    assert {result.pk for result in results} == {Checkout.objects.get().pk}
    assert Order.objects.count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 9


def pay_and_cancel_at_once() -> None:
    """A checkout of two orders: its payment arrives while the buyer cancels one order."""
    buyer = UserFactory()
    kept, dropped = VariantFactory(price=25_000), VariantFactory(price=80_000, stock=10)
    checkout = checkout_placed(buyer, [(kept, 1), (dropped, 1)])
    kept_order = checkout.orders.get(cooperative=kept.cooperative)
    dropped_order = checkout.orders.get(cooperative=dropped.cooperative)
    moves = [
        lambda: settlement.payment_paid(payment_pk=checkout.payment.pk),
        lambda: lifecycle.order_cancel(order_pk=dropped_order.pk, actor=buyer, reason="batal"),
    ]

    results = run_together(2, lambda i: moves[i]())

    assert not [r for r in results if isinstance(r, Exception)], results
    # Whichever came first, the buyer pays for the order kept and nothing more.
    assert Order.objects.get(pk=kept_order.pk).status == Order.Status.PAID
    assert Order.objects.get(pk=dropped_order.pk).status == Order.Status.CANCELLED
    payment = Payment.objects.get(pk=checkout.payment.pk)
    assert payment.amount - payment.refunded_amount == kept_order.total
    assert Variant.objects.get(pk=dropped.pk).stock == 10


def test_a_payment_arriving_while_the_buyer_cancels_does_not_deadlock():
    for _ in range(10):
        pay_and_cancel_at_once()


def backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def start_thread(work, results: list) -> threading.Thread:
    """Run `work()` in a thread of its own connection; what it returns goes into `results`."""

    def run() -> None:
        try:
            results.append(work())
        except Exception as error:  # reported by the test
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_order_paid_while_the_expiry_job_runs_is_not_cancelled():
    """The job lists the overdue orders and starts a task per order; one paid in between stays.

    The payment's row is held while the job starts, so that the job has listed the
    order as unpaid and its task (run in-process after the job's commit) waits for
    the row; then the payment is recorded and committed, and the task finds it paid.
    """
    variant = VariantFactory(stock=10)
    placed_at = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(placed_at, tick=False):
        order = order_placed(variant=variant, quantity=2)
    payment_pk = order.checkout.payment.pk
    payment_held, job_waiting = threading.Event(), threading.Event()

    def pay() -> Payment:
        with transaction.atomic():
            settlement.lock_payment(payment_pk)
            payment_held.set()
            job_waiting.wait(timeout=20)
            return settlement.payment_paid(payment_pk=payment_pk)

    def expire() -> int:
        payment_held.wait(timeout=20)
        return orders_expire_unpaid_task()

    paid, expired = [], []
    with time_machine.travel(placed_at + datetime.timedelta(hours=25)):
        threads = [start_thread(pay, paid), start_thread(expire, expired)]
        for _ in range(200):  # until the job waits for the payment's row (at most ~10 s)
            if backends_waiting_for_a_lock():
                break
            time.sleep(0.05)
        job_waiting.set()
        for thread in threads:
            thread.join(timeout=60)

    assert isinstance(paid[0], Payment), paid
    assert expired == [1]  # the order's task was started, and found nothing to do
    task = OutboxTask.objects.get(name=order_expire_task.name)
    assert (task.kwargs, task.status) == ({"order_pk": order.pk}, OutboxTask.Status.DONE)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Variant.objects.get(pk=variant.pk).stock == 8
    assert not Refund.objects.exists()
    assert Payment.objects.get(pk=payment_pk).status == Payment.Status.SUCCEEDED
