"""seed_sales_history: a synthetic order history whose rows add up as the services leave
them, whose daily figures equal the orders' own sums, topped up or reset on a later run."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from events.models import Event
from market.models import DailySales
from orders.management.commands.seed_sales_history import synthetic_orders
from orders.models import Order, OrderLine
from payments.methods import PaymentMethod
from payments.models import Payment, Refund

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

Status = Order.Status


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_sales_history", stdout=out, cooperatives=4, days=60, **options)
    return out.getvalue()


def figures_total() -> dict:
    totals = DailySales.objects.aggregate(orders=Sum("orders"), items=Sum("items"),
                                          gross=Sum("gross"), refunds=Sum("refunds"))
    return {name: value or 0 for name, value in totals.items()}


def orders_total() -> dict:
    """The same figures straight from the orders: paid ones, their lines, all refunds."""
    paid = synthetic_orders().filter(paid_at__isnull=False)
    sales = paid.aggregate(orders=Count("pk"), gross=Sum("total"))
    totals = {
        **sales,
        "items": OrderLine.objects.filter(order__in=paid).aggregate(n=Sum("quantity"))["n"],
        "refunds": Refund.objects.filter(order__in=synthetic_orders()).aggregate(
            n=Sum("amount"))["n"],
    }
    # A small random history may hold no refund at all: no rows sum to None, zero rows to 0.
    return {name: value or 0 for name, value in totals.items()}


def test_a_history_adds_up_as_the_services_would_have_left_it():
    output = seed(orders=400, batch=150)

    orders = synthetic_orders()
    assert orders.count() == 400
    assert "Added 400 orders" in output
    assert "peak memory" in output
    statuses = set(orders.values_list("status", flat=True))
    assert {Status.COMPLETED, Status.CANCELLED} <= statuses
    assert set(orders.values_list("payment_method", flat=True)) == {
        PaymentMethod.STRIPE, PaymentMethod.BANK_TRANSFER, PaymentMethod.COD}
    for order in orders.prefetch_related("lines", "refunds").select_related("checkout__payment"):
        payment = order.checkout.payment
        refunded = sum(refund.amount for refund in order.refunds.all())
        assert sum(line.line_total for line in order.lines.all()) == order.subtotal
        assert payment.refunded_amount == refunded <= payment.amount
        if order.paid_at is None:  # never paid: the amount due fell to 0 if cancelled
            assert payment.amount == (0 if order.status == Status.CANCELLED else order.total)
            assert not refunded
        else:
            assert payment.amount == order.total
        if order.is_cash_on_delivery and order.paid_at is not None:
            assert order.paid_at == order.delivered_at  # paid at the door
        if order.status == Status.COMPLETED:
            assert order.delivered_at < order.completed_at
    # One sale event per paid order, at its paid_at, for its total; one request per refund.
    paid = dict(orders.filter(paid_at__isnull=False).values_list("pk", "paid_at"))
    sales = Event.objects.filter(kind=Event.Kind.ORDER_PAID).values_list("order_id", "at")
    assert dict(sales) == paid
    assert sales.count() == len(paid)
    requested = Event.objects.filter(kind=Event.Kind.REFUND_REQUESTED)
    assert requested.count() == Refund.objects.count()
    assert requested.aggregate(n=Sum("amount"))["n"] == orders_total()["refunds"]
    # The daily figures (rebuilt from the events) are the orders' own sums.
    assert figures_total() == orders_total()
    assert orders_total()["refunds"] > 0


def test_a_second_run_tops_up_and_a_reset_starts_afresh():
    seed(orders=120)
    first = set(synthetic_orders().values_list("pk", flat=True))

    assert "already" in seed(orders=100)  # never fewer without --reset
    seed(orders=300)

    assert synthetic_orders().count() == 300
    assert first < set(synthetic_orders().values_list("pk", flat=True))
    assert figures_total() == orders_total()

    seed(orders=50, reset=True)

    assert synthetic_orders().count() == 50
    assert not synthetic_orders().filter(pk__in=first).exists()
    assert Payment.objects.count() == 50
    assert Event.objects.exclude(order__in=synthetic_orders()).exclude(
        payment__checkout__orders__in=synthetic_orders()).count() == 0
    assert figures_total() == orders_total()
