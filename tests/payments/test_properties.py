"""Money invariants over random sequences of pay, cancel, refund, refund outcomes,
complete (cash on delivery: collected at delivery) and payout.

After every step: the orders not cancelled before payment add up to the payment's
amount; refunds that did not fail never exceed what was paid (per order and in all);
what the platform holds for a cooperative (its ledger without cash-on-delivery
commission) never goes below zero, so no payout ever exceeds it; the ledger balance is
its entries' sum; and the events' money adds up: per order, its paid events are its
total once paid, its refund events net of failures are its refunds; per checkout, a
settled payment's amount is its orders' paid events; per cooperative, the ledger events
are its balance. And what is allowed is not refused: a refund within what is left of a
paid order (with nothing paid out yet) and a payout within the balance go through.

The test's transaction never commits, so the outbox never sends a refund to its
provider: refunds stay pending until a step says they succeeded or failed.
"""

import uuid

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import Event
from market.errors import DomainError
from orders.models import Order
from orders.services import lifecycle
from payments import selectors, services, settlement
from payments.methods import PaymentMethod
from payments.models import LedgerEntry, Payment, Payout, Refund
from tests.payments.conftest import checkout_place, orders_of, shop_open

pytestmark = pytest.mark.django_db

ORDER = st.integers(0, 1)
PERCENT = st.integers(1, 110)  # of what the amount is measured against; above 100 overshoots
STEP = st.one_of(
    st.tuples(st.just("pay")),
    st.tuples(st.just("refund_outcome"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("cancel"), ORDER, st.sampled_from(["buyer", "owner"])),
    st.tuples(st.just("refund"), ORDER, PERCENT),
    st.tuples(st.just("complete"), ORDER),
    st.tuples(st.just("payout"), ORDER, PERCENT),
)


def pay(payment: Payment, finance_staff) -> None:
    if payment.method == PaymentMethod.BANK_TRANSFER:
        services.payment_confirm_transfer(actor=finance_staff, payment=payment)
    # cash on delivery is paid by `complete`, on delivery


def complete(order: Order, owner) -> None:
    """Move the order as far towards completed as it may go."""
    moves = [
        lambda: lifecycle.order_accept(order_pk=order.pk, actor=owner),
        lambda: lifecycle.order_ship(order_pk=order.pk, actor=owner, carrier="JNE",
                                     tracking_number=uuid.uuid4().hex[:10]),
        lambda: lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer),
        lambda: lifecycle.order_complete(order_pk=order.pk),
    ]
    for move in moves:
        try:
            move()
        except DomainError:
            continue


def _sum(queryset, field: str = "amount") -> int:
    return queryset.aggregate(s=Sum(field))["s"] or 0


def assert_invariants(payment: Payment, orders: list[Order], cooperatives) -> None:
    payment.refresh_from_db()
    for order in orders:
        order.refresh_from_db()
    due = sum(o.total for o in orders if not (o.status == "cancelled" and o.paid_at is None))
    assert payment.amount == due
    standing = Refund.objects.exclude(status="failed")
    assert payment.refunded_amount == _sum(standing.filter(payment=payment)) <= payment.amount
    if 0 < payment.refunded_amount < payment.amount:
        assert payment.status == "partially_refunded"
    if 0 < payment.refunded_amount == payment.amount:
        assert payment.status == "refunded"
    paid_events = 0
    for order in orders:
        events = Event.objects.filter(order=order)
        assert _sum(standing.filter(order=order)) <= order.total
        paid = _sum(events.filter(kind="order_paid"))
        assert paid == (order.total if order.paid_at else 0)
        paid_events += paid
        refunded = _sum(events.filter(kind="refund_requested")) - _sum(
            events.filter(kind="refund_failed"))
        assert refunded == _sum(standing.filter(order=order))
        if order.payment_method == "cod" or order.status != "completed":
            continue  # an order never gives back more than it earned
        assert _sum(order.ledger_entries) >= 0
    if payment.succeeded_at is not None:
        assert paid_events == payment.amount
    for cooperative in cooperatives:
        balance = selectors.ledger_balance(cooperative)
        entries = LedgerEntry.objects.filter(cooperative=cooperative)
        assert balance == _sum(entries)
        # What the platform holds: all but cash-on-delivery commission, never below zero.
        held = _sum(entries.exclude(order__payment_method="cod"))
        assert held >= 0
        if not entries.filter(order__payment_method="cod").exists():
            assert balance >= 0
        events = Event.objects.filter(cooperative=cooperative)
        booked = _sum(events.filter(kind__in=["sale_credited", "commission_charged",
                                              "ledger_refund"]))
        assert booked - _sum(events.filter(kind="payout_made")) == balance


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prices=st.tuples(st.integers(1, 90_000), st.integers(1, 90_000)),
    quantities=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    commissions=st.tuples(*[st.sampled_from([None, 0, 250, 333, 1_000])] * 2),
    method=st.sampled_from(["bank_transfer", "cod"]),
    steps=st.lists(STEP, min_size=1, max_size=12),
)
def test_money_adds_up_after_any_sequence_of_steps(
    buyer, finance_staff, prices, quantities, commissions, method, steps
):
    shops = [shop_open(price=price) for price in prices]
    for shop, commission_bp in zip(shops, commissions, strict=True):
        shop.cooperative.commission_bp = commission_bp
        shop.cooperative.save(update_fields=["commission_bp"])
    checkout = checkout_place(
        buyer, {shop.variant: q for shop, q in zip(shops, quantities, strict=True)}, method
    )
    payment = Payment.objects.get(checkout=checkout)
    orders = orders_of(checkout)
    cooperatives = [shop.cooperative for shop in shops]
    assert_invariants(payment, orders, cooperatives)

    for step in steps:
        kind, *args = step
        try:
            if kind == "pay":
                pay(payment, finance_staff)
            elif kind == "refund_outcome":
                index, succeeded = args
                pending = list(Refund.objects.filter(payment=payment, status="pending")
                               .order_by("pk"))
                if pending:
                    refund = pending[index % len(pending)]
                    if succeeded:
                        settlement.refund_succeeded(refund_pk=refund.pk)
                    else:
                        settlement.refund_failed(refund_pk=refund.pk, reason="Ditolak bank")
            elif kind == "cancel":
                index, who = args
                actor = buyer if who == "buyer" else shops[index].owner
                lifecycle.order_cancel(order_pk=orders[index].pk, actor=actor, reason="Batal")
            elif kind == "refund":
                index, percent = args
                order = orders[index]
                left = settlement.order_refundable(order)
                amount = max(1, left * percent // 100)
                allowed = (order.paid_at is not None and amount <= left
                           and not Payout.objects.filter(cooperative=order.cooperative).exists())
                try:
                    lifecycle.order_refund(order_pk=order.pk, actor=shops[index].owner,
                                           amount=amount, reason="Retur")
                except DomainError:
                    assert not allowed, f"a refund of {amount} of {left} left was refused"
                    raise
            elif kind == "complete":
                complete(orders[args[0]], shops[args[0]].owner)
            elif kind == "payout":
                index, percent = args
                balance = selectors.ledger_balance(cooperatives[index])
                amount = max(1, balance * percent // 100)
                try:
                    services.payout_create(actor=finance_staff, cooperative=cooperatives[index],
                                           amount=amount, reference="P")
                except DomainError:
                    assert amount > balance, f"a payout of {amount} of {balance} was refused"
                    raise
        except DomainError:
            pass  # refused: then nothing may have changed, which the invariants check
        assert_invariants(payment, orders, cooperatives)
