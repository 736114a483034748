"""A checkout's money: the only code that sets a payment's status and amounts, a
refund's status, an order's `paid_at`, and writes the cooperatives' ledger.

Every money move locks in one order: the payment, then its orders by primary
key, then the cooperative (for the ledger). The order lifecycle, the Stripe
webhook, finance's actions and the tasks call the functions below, one per
money event, and each writes its event rows in the caller's transaction.

Invariants: a payment's amount is the sum of the totals of its orders not
cancelled before payment; refunded never exceeds paid; a payout never exceeds
what the platform holds for the cooperative (card and bank-transfer sales;
cash on delivery is the cooperative's own, so it only owes the commission).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from events.outbox import outbox_enqueue
from events.record import event_record
from market.errors import Conflict, InvalidInput
from market.models import Cooperative, User
from market.monitoring import rupiah_split
from orders.errors import IdempotencyKeyReused
from orders.models import Checkout, Order, OrderLine
from orders.services.transitions import order_transition
from payments.methods import PaymentMethod
from payments.models import PAYMENT_TRANSITIONS, LedgerEntry, Payment, Payout, Refund
from payments.selectors import ledger_balance
from payments.tasks import payment_amount_changed_task, refund_submit_task

Status = Payment.Status
Kind = Event.Kind
OPEN_STATUSES = (Status.PENDING, Status.FAILED)

# ---------------------------------------------------------------- locks


def lock_payment(payment_pk: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_pk)


def lock_checkout(payment_pk: int) -> tuple[Payment, list[Order]]:
    """The payment, then all its orders by primary key."""
    payment = lock_payment(payment_pk)
    orders = list(
        Order.objects.select_for_update(of=("self",)).select_related("cooperative")
        .filter(checkout_id=payment.checkout_id).order_by("pk")
    )
    return payment, orders


def lock_order_money(order_pk: int) -> tuple[Payment, Order]:
    """For a move of one order that may change money: its payment, then the order."""
    payment = Payment.objects.select_for_update().get(
        checkout_id__in=Order.objects.filter(pk=order_pk).values("checkout_id")
    )
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("cooperative")
        .get(pk=order_pk)
    )
    return payment, order


def _lock_cooperative(cooperative_pk: int) -> Cooperative:
    """Serialize ledger writes of one cooperative, so balance checks hold."""
    return Cooperative.objects.select_for_update().get(pk=cooperative_pk)


def _payment_move(payment: Payment, to: str) -> None:
    if to != payment.status and to not in PAYMENT_TRANSITIONS[payment.status]:
        raise Conflict(_("The payment cannot become %s.") % to)
    payment.status = to


def _refunded_status(payment: Payment) -> str:
    if payment.refunded_amount == 0:
        return Status.SUCCEEDED
    if payment.refunded_amount == payment.amount:
        return Status.REFUNDED
    return Status.PARTIALLY_REFUNDED


# ---------------------------------------------------------------- paying


def payment_create(*, checkout: Checkout, now: datetime.datetime) -> Payment:
    """The one payment of a new checkout, for its whole total (inside its transaction)."""
    return Payment.objects.create(
        checkout=checkout, buyer=checkout.buyer, method=checkout.payment_method,
        amount=checkout.total, created_at=now,
    )


@transaction.atomic
def payment_paid(
    *, payment_pk: int, now: datetime.datetime | None = None, received: int | None = None,
    actor: User | None = None,
) -> Payment:
    """Money received for the whole checkout: its open orders become paid.

    Safe to call again: a payment that already succeeded is left as it is.
    `received` is what the provider says came in, when it says so.
    """
    now = now or timezone.now()
    payment, orders = lock_checkout(payment_pk)
    # Paid at the provider while every order was being cancelled: all of it goes back.
    paid_after_cancel = payment.status == Status.CANCELLED and bool(received)
    if payment.status not in OPEN_STATUSES and not paid_after_cancel:
        return payment
    _payment_move(payment, Status.SUCCEEDED)
    payment.succeeded_at = now
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    event_record(kind=Kind.PAYMENT_SUCCEEDED, at=now, actor=actor, payment=payment,
                 amount=received if received is not None else payment.amount)
    # Paid before a cancellation shrank the amount: the difference goes back.
    excess = received - payment.amount if received is not None else 0
    if excess > 0:
        payment.amount += excess  # what was received counts as paid, then the excess goes back
        payment.save(update_fields=["amount"])
    details = _sale_details(orders)
    # Order by order (by primary key, so by cooperative): the sales figures' lock order.
    for order in orders:
        if order.status == Order.Status.PENDING_PAYMENT:
            order_transition(order=order, to=Order.Status.PAID, actor=None, now=now,
                             paid_at=now, amount=order.total, data=details[order.pk])
        elif order.status == Order.Status.CANCELLED and excess > 0:
            excess -= _refund_excess(payment, order, excess, details[order.pk], now)
    return payment


def _sale_details(orders: list[Order]) -> dict[int, dict]:
    """Per order: items sold, and gross and items per category, for the sales figures
    (one query). Categories are keyed by id as a string, "None" for lines without one."""
    details: dict[int, dict] = {
        order.pk: {"items": 0, "categories": {}, "category_items": {}} for order in orders
    }
    rows = (
        OrderLine.objects.filter(order__in=orders).values("order_id", "category_id")
        .annotate(items=Sum("quantity"), gross=Sum("line_total")).order_by()
    )
    for row in rows:
        detail = details[row["order_id"]]
        detail["items"] += row["items"]
        detail["categories"][str(row["category_id"])] = row["gross"]
        detail["category_items"][str(row["category_id"])] = row["items"]
    return details


def _refund_excess(payment: Payment, order: Order, excess: int, details: dict,
                   now: datetime.datetime) -> int:
    """A cancelled order's money came in after all: a sale, then its refund; what it took."""
    amount = min(excess, order_refundable(order))
    if amount:
        event_record(kind=Kind.ORDER_PAID, at=now, order=order, payment=payment,
                     cooperative_id=order.cooperative_id, status=order.status, amount=amount,
                     data={"after_cancellation": True, "categories": details["categories"]})
        refund_requested(order=order, payment=payment, amount=amount,
                         reason=_("Cancelled before payment"), actor=None, now=now)
    return amount


@transaction.atomic
def payment_failed(*, payment_pk: int, now: datetime.datetime | None = None) -> Payment:
    """The provider says the attempt failed; the buyer may try again."""
    now = now or timezone.now()
    payment = lock_payment(payment_pk)
    if payment.status == Status.PENDING:
        _payment_move(payment, Status.FAILED)
        payment.save(update_fields=["status", "updated_at"])
        event_record(kind=Kind.PAYMENT_FAILED, at=now, payment=payment, amount=payment.amount)
    return payment


def order_dropped(*, payment: Payment, order: Order, now: datetime.datetime) -> Payment:
    """An order was cancelled before payment (both locked): the amount due shrinks by its total."""
    # Cash on delivery: an order delivered and refunded already may leave others unpaid.
    cod_refunded = payment.method == PaymentMethod.COD and payment.status in (
        Status.PARTIALLY_REFUNDED, Status.REFUNDED
    )
    if payment.status not in OPEN_STATUSES and not cod_refunded:
        return payment
    payment.amount -= order.total
    if payment.amount == 0:
        _payment_move(payment, Status.CANCELLED)
    else:
        if cod_refunded:
            _payment_move(payment, _refunded_status(payment))
        if payment.method == PaymentMethod.COD and not _cod_orders_open(payment):
            _cod_payment_complete(payment, now)  # every remaining order was delivered and paid
    payment.save(update_fields=["amount", "status", "succeeded_at", "updated_at"])
    event_record(kind=Kind.PAYMENT_REDUCED, at=now, payment=payment, order=order,
                 cooperative_id=order.cooperative_id, amount=order.total, status=order.status)
    if payment.status == Status.CANCELLED:
        event_record(kind=Kind.PAYMENT_CANCELLED, at=now, payment=payment, amount=0)
    if payment.method == PaymentMethod.STRIPE:
        outbox_enqueue(payment_amount_changed_task, now=now, payment_pk=payment.pk)
    return payment


def _cod_orders_open(payment: Payment) -> bool:
    """Some order of this cash-on-delivery checkout is neither paid nor cancelled."""
    return Order.objects.filter(checkout_id=payment.checkout_id, paid_at__isnull=True).exclude(
        status=Order.Status.CANCELLED
    ).exists()


def cash_collected(*, payment: Payment, order: Order, now: datetime.datetime) -> Payment:
    """Cash on delivery was handed over at the door: the order is paid (both locked)."""
    order.paid_at = now
    order.save(update_fields=["paid_at"])
    event_record(kind=Kind.ORDER_PAID, at=now, order=order, payment=payment,
                 cooperative_id=order.cooperative_id, status=order.status, amount=order.total,
                 data=_sale_details([order])[order.pk])
    if payment.succeeded_at is None and not _cod_orders_open(payment):
        _cod_payment_complete(payment, now)
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    return payment


def _cod_payment_complete(payment: Payment, now: datetime.datetime) -> None:
    """Every order of a cash-on-delivery checkout is paid or cancelled: the payment succeeded
    (its status keeps what refunds of delivered orders made it)."""
    if payment.status == Status.PENDING:
        _payment_move(payment, Status.SUCCEEDED)
    payment.succeeded_at = now
    event_record(kind=Kind.PAYMENT_SUCCEEDED, at=now, payment=payment, amount=payment.amount)


# ---------------------------------------------------------------- refunds


def order_refundable(order: Order) -> int:
    """What is left to refund of an order's total (failed refunds gave theirs back)."""
    refunded = order.refunds.exclude(status=Refund.Status.FAILED).aggregate(
        total=Sum("amount"))["total"] or 0
    return order.total - refunded


def refund_requested(
    *,
    payment: Payment,
    order: Order,
    amount: int,
    reason: str,
    actor: User | None,
    now: datetime.datetime,
    idempotency_key: str = "",
) -> Refund:
    """Give back part or all of a paid order (payment and order locked).

    Card refunds go to Stripe from a task after commit; bank-transfer refunds
    are recorded by the same task for finance to pay back by hand; cash-on-delivery
    refunds were settled by the cooperative in cash, so they are done at once. With a key already
    used for this order, the first refund is answered again.
    """
    if idempotency_key:
        earlier = order.refunds.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if (earlier.amount, earlier.reason) != (amount, reason):
                raise IdempotencyKeyReused()
            return earlier
    refundable = order_refundable(order)
    if amount <= 0 or amount > refundable:
        raise InvalidInput(
            fields={"amount": _("Must be from 1 to %(left)d rupiah (what is left).")
                    % {"left": refundable}}
        )
    if payment.refunded_amount + amount > payment.amount:
        raise Conflict(_("The refund would exceed what was paid."))
    settled_in_cash = payment.method == PaymentMethod.COD
    refund = Refund.objects.create(
        payment=payment, order=order, amount=amount, reason=reason, actor=actor,
        idempotency_key=idempotency_key, created_at=now,
        status=Refund.Status.SUCCEEDED if settled_in_cash else Refund.Status.PENDING,
    )
    payment.refunded_amount += amount
    _payment_move(payment, _refunded_status(payment))
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    if order.completed_at is not None:  # locks the cooperative: before the sales figures
        _ledger_book_refund(payment=payment, order=order, refund=refund, now=now)
    common = {"at": now, "order": order, "payment": payment, "refund": refund,
              "cooperative_id": order.cooperative_id, "status": order.status, "amount": amount}
    # Split across the order's categories as its sale was, for the sales figures.
    split = rupiah_split(amount, _sale_details([order])[order.pk]["categories"])
    event_record(kind=Kind.REFUND_REQUESTED, actor=actor, note=reason,
                 data={"categories": split}, **common)
    if settled_in_cash:
        event_record(kind=Kind.REFUND_SUCCEEDED, data={"settled_by": "cooperative"}, **common)
    else:
        outbox_enqueue(refund_submit_task, now=now, refund_pk=refund.pk)
    return refund


def _lock_refund(refund_pk: int) -> tuple[Payment, Refund]:
    payment = lock_payment(Refund.objects.values("payment_id").get(pk=refund_pk)["payment_id"])
    refund = Refund.objects.select_for_update().select_related("order").get(pk=refund_pk)
    return payment, refund


@transaction.atomic
def refund_succeeded(
    *, refund_pk: int, now: datetime.datetime | None = None, provider_reference: str = ""
) -> Refund:
    """The provider paid the refund back (or finance did, by hand)."""
    now = now or timezone.now()
    payment, refund = _lock_refund(refund_pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    refund.status = Refund.Status.SUCCEEDED
    refund.provider_reference = provider_reference or refund.provider_reference
    refund.save(update_fields=["status", "provider_reference"])
    event_record(kind=Kind.REFUND_SUCCEEDED, at=now, order=refund.order, payment=payment,
                 refund=refund, cooperative_id=refund.order.cooperative_id,
                 status=refund.order.status, amount=refund.amount)
    return refund


@transaction.atomic
def refund_failed(
    *, refund_pk: int, reason: str, now: datetime.datetime | None = None,
    provider_reference: str = "",
) -> Refund:
    """The provider refused the refund: everything it counted is given back, for finance to see."""
    now = now or timezone.now()
    payment, refund = _lock_refund(refund_pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    refund.status = Refund.Status.FAILED
    refund.failure_reason = reason
    refund.provider_reference = provider_reference or refund.provider_reference
    refund.save(update_fields=["status", "failure_reason", "provider_reference"])
    payment.refunded_amount -= refund.amount
    _payment_move(payment, _refunded_status(payment))
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    debit = refund.ledger_entries.filter(kind=LedgerEntry.Kind.REFUND).first()
    if debit is not None:
        cooperative = _lock_cooperative(refund.order.cooperative_id)
        LedgerEntry.objects.create(
            cooperative=cooperative, kind=LedgerEntry.Kind.REFUND_REVERSAL,
            amount=-debit.amount, order=refund.order, refund=refund,
            commission=debit.commission, created_at=now,
        )
        event_record(kind=Kind.LEDGER_REFUND, at=now, order=refund.order, refund=refund,
                     cooperative=cooperative, amount=-debit.amount,
                     data={"reversal": True})
    # Gives back exactly what the request counted, category by category.
    requested = Event.objects.filter(refund=refund, kind=Kind.REFUND_REQUESTED).values_list(
        "data", flat=True).first() or {}
    event_record(kind=Kind.REFUND_FAILED, at=now, order=refund.order, payment=payment,
                 refund=refund, cooperative_id=refund.order.cooperative_id,
                 status=refund.order.status, amount=refund.amount, note=reason,
                 data={"categories": requested.get("categories", {})})
    return refund


# ---------------------------------------------------------------- the ledger


def commission_rate_bp(cooperative: Cooperative) -> int:
    if cooperative.commission_bp is None:
        return settings.PLATFORM_COMMISSION_BP
    return cooperative.commission_bp


def commission_on(amount: int, rate_bp: int) -> int:
    """Commission in whole rupiah, rounded half up."""
    return (amount * rate_bp + 5_000) // 10_000


def order_settled(*, order: Order, now: datetime.datetime) -> LedgerEntry | None:
    """A completed order is booked once: its sale less commission, or for cash on
    delivery (money the cooperative holds) only the commission it owes."""
    cooperative = _lock_cooperative(order.cooperative_id)
    if LedgerEntry.objects.filter(
        order=order, kind__in=[LedgerEntry.Kind.SALE, LedgerEntry.Kind.COMMISSION]
    ).exists():
        return None
    net = order_refundable(order)
    if net == 0:
        return None
    commission = commission_on(net, commission_rate_bp(cooperative))
    if order.is_cash_on_delivery:
        kind, amount, event_kind = LedgerEntry.Kind.COMMISSION, -commission, Kind.COMMISSION_CHARGED
    else:
        kind, amount, event_kind = LedgerEntry.Kind.SALE, net - commission, Kind.SALE_CREDITED
    entry = LedgerEntry.objects.create(
        cooperative=cooperative, kind=kind, amount=amount, order=order, commission=commission,
        created_at=now,
    )
    event_record(kind=event_kind, at=now, order=order, cooperative=cooperative, amount=amount,
                 status=order.status, data={"net": net, "commission": commission})
    return entry


def _ledger_book_refund(*, payment: Payment, order: Order, refund: Refund,
                        now: datetime.datetime) -> LedgerEntry:
    """A refund after completion: the cooperative gives back what the platform paid it for it.

    The commission given back is the sale's commission in proportion to all that
    was refunded since, less what earlier refunds gave back: rounding refund by
    refund could take more than the sale credited. For cash on delivery the
    cooperative paid the buyer back itself, so it only gets that commission back.
    """
    cooperative = _lock_cooperative(order.cooperative_id)
    sale = LedgerEntry.objects.filter(
        order=order, kind__in=[LedgerEntry.Kind.SALE, LedgerEntry.Kind.COMMISSION]
    ).first()
    earlier = _refund_bookings(order, refund)
    commission = 0
    if sale is not None and sale.commission:
        gross = order.total - earlier["refunded_before_sale"]
        refunded = earlier["refunded"] + refund.amount
        commission = (2 * sale.commission * refunded + gross) // (2 * gross) - earlier["returned"]
    if payment.method == PaymentMethod.COD:
        amount = commission
    else:
        amount = -(refund.amount - commission)
        if -amount > ledger_balance(cooperative):
            raise Conflict(_("The cooperative's balance cannot cover this refund."))
    entry = LedgerEntry.objects.create(
        cooperative=cooperative, kind=LedgerEntry.Kind.REFUND, amount=amount, order=order,
        refund=refund, commission=commission, created_at=now,
    )
    event_record(kind=Kind.LEDGER_REFUND, at=now, order=order, refund=refund,
                 cooperative=cooperative, amount=amount, data={"commission": commission})
    return entry


def _refund_bookings(order: Order, refund: Refund) -> dict[str, int]:
    """What the ledger booked of this order's other refunds (failed ones were reversed),
    and what was refunded before completion (never booked: the sale was net of it)."""
    booked = LedgerEntry.objects.filter(
        order=order, kind=LedgerEntry.Kind.REFUND
    ).exclude(refund__status=Refund.Status.FAILED).aggregate(
        refunded=Sum("refund__amount"), returned=Sum("commission")
    )
    before_sale = order.refunds.exclude(status=Refund.Status.FAILED).exclude(pk=refund.pk).filter(
        ~Q(ledger_entries__kind=LedgerEntry.Kind.REFUND)
    ).aggregate(total=Sum("amount"))["total"] or 0
    return {"refunded": booked["refunded"] or 0, "returned": booked["returned"] or 0,
            "refunded_before_sale": before_sale}


def payout_made(
    *, actor: User, cooperative: Cooperative, amount: int, reference: str,
    now: datetime.datetime, idempotency_key: str = "",
) -> Payout:
    """Finance transferred part of what the platform holds to the cooperative's bank account."""
    cooperative = _lock_cooperative(cooperative.pk)
    if idempotency_key:
        earlier = cooperative.payouts.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if (earlier.amount, earlier.reference) != (amount, reference):
                raise IdempotencyKeyReused()
            return earlier
    balance = ledger_balance(cooperative)
    if not 0 < amount <= balance:
        raise InvalidInput(
            fields={"amount": _("Must be from 1 to the balance, %(balance)d rupiah.")
                    % {"balance": max(balance, 0)}}
        )
    payout = Payout.objects.create(
        cooperative=cooperative, amount=amount, reference=reference, actor=actor,
        idempotency_key=idempotency_key, created_at=now,
    )
    LedgerEntry.objects.create(
        cooperative=cooperative, kind=LedgerEntry.Kind.PAYOUT, amount=-amount, payout=payout,
        created_at=now,
    )
    event_record(kind=Kind.PAYOUT_MADE, at=now, actor=actor, cooperative=cooperative,
                 payout=payout, amount=amount, note=reference)
    return payout
