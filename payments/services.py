"""Write use cases of payments: paying, refunding, the ledger and payouts.

Invariants: a payment's amount is the sum of the totals of its checkout's
orders that were not cancelled before payment; refunded never exceeds paid;
a cooperative's ledger balance never goes below zero.
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from market.errors import Conflict, InvalidInput
from market.images import InvalidImage, image_clean
from market.models import Cooperative, User
from market.policies import ensure, is_finance_staff
from orders.models import Checkout, Order
from payments.models import LedgerEntry, Payment, Payout, Refund
from payments.providers import methods_available, provider_for
from payments.tasks import payment_amount_changed_task, refund_submit_task

Status = Payment.Status


def lock_payments() -> QuerySet[Payment]:
    return Payment.objects.select_for_update().order_by("pk")


def payment_method_check(method: str) -> None:
    if method not in methods_available():
        raise InvalidInput(
            fields={"payment_method": _("Not offered here. Choose one of: %s")
                    % ", ".join(methods_available())}
        )


def payment_create(*, checkout: Checkout) -> Payment:
    """The one payment of a new checkout, for its whole total (inside its transaction)."""
    return Payment.objects.create(
        checkout=checkout, buyer=checkout.buyer, method=checkout.payment_method,
        amount=checkout.total,
    )


def payment_start(*, payment_pk: int) -> Payment:
    """Prepare the payment at its provider once (a Stripe PaymentIntent); outside transactions."""
    payment = Payment.objects.get(pk=payment_pk)
    if payment.provider_reference or payment.status != Status.PENDING:
        return payment
    provider_for(payment.method).start(payment)
    if payment.provider_reference:  # offline methods have nothing to record
        Payment.objects.filter(pk=payment.pk, provider_reference="").update(
            provider_reference=payment.provider_reference, client_secret=payment.client_secret
        )
    return payment


@transaction.atomic
def payment_succeed(*, payment_pk: int, received: int | None = None) -> Payment:
    """Money received for the whole checkout: its open orders become paid.

    Safe to call again: a payment that already succeeded is left as it is.
    """
    from orders.services.lifecycle import order_mark_paid

    payment = lock_payments().get(pk=payment_pk)
    # Paid at the provider while every order was being cancelled: all of it goes back.
    paid_after_cancel = payment.status == Status.CANCELLED and bool(received)
    if payment.status not in (Status.PENDING, Status.FAILED) and not paid_after_cancel:
        return payment
    payment.status = Status.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    orders = Order.objects.filter(checkout_id=payment.checkout_id).order_by("pk")
    for order in orders.filter(status=Order.Status.PENDING_PAYMENT):
        order_mark_paid(order_pk=order.pk)
    if received is not None and received > payment.amount:
        # Paid before a cancellation shrank the amount: send the difference back.
        _refund_excess(payment, received - payment.amount)
    return payment


def _refund_excess(payment: Payment, excess: int) -> None:
    """The buyer paid the amount due before a cancellation shrank it: return the difference."""
    payment.amount += excess  # what was received counts as paid, then the excess goes back
    payment.save(update_fields=["amount"])
    cancelled = Order.objects.filter(
        checkout_id=payment.checkout_id, status=Order.Status.CANCELLED
    ).order_by("pk")
    for order in cancelled:
        amount = min(excess, order_refundable(order))
        if amount:
            refund_create(order=order, amount=amount, reason=_("Cancelled before payment"),
                          actor=None)
            excess -= amount


@transaction.atomic
def payment_fail(*, payment_pk: int) -> Payment:
    """The provider says the attempt failed; the buyer may try again."""
    payment = lock_payments().get(pk=payment_pk)
    if payment.status == Status.PENDING:
        payment.status = Status.FAILED
        payment.save(update_fields=["status", "updated_at"])
    return payment


@transaction.atomic
def payment_proof_upload(*, actor: User, payment: Payment, upload: UploadedFile) -> Payment:
    """The buyer uploads the bank-transfer receipt for finance to check."""
    ensure(payment.buyer_id == actor.pk)
    payment = lock_payments().get(pk=payment.pk)
    if payment.method != Payment.Method.BANK_TRANSFER or payment.status not in (
        Status.PENDING, Status.FAILED
    ):
        raise Conflict(_("Only a pending bank transfer takes a proof."))
    try:
        cleaned = image_clean(upload)
    except InvalidImage as error:
        raise InvalidInput(fields={"image": str(error)}) from error
    payment.proof.save(cleaned.name, cleaned, save=False)
    payment.save(update_fields=["proof", "updated_at"])
    return payment


@transaction.atomic
def payment_confirm_transfer(*, actor: User, payment: Payment) -> Payment:
    """Finance staff saw the transfer arrive in the bank account."""
    ensure(is_finance_staff(actor))
    payment = lock_payments().get(pk=payment.pk)
    if payment.method != Payment.Method.BANK_TRANSFER:
        raise Conflict(_("Only bank transfers are confirmed by hand."))
    if payment.status not in (Status.PENDING, Status.FAILED):
        raise Conflict(_("This payment is %s.") % payment.get_status_display())
    payment.confirmed_by = actor
    payment.save(update_fields=["confirmed_by"])
    return payment_succeed(payment_pk=payment.pk)


@transaction.atomic
def payment_cod_collected(*, order: Order) -> Payment:
    """Cash collected at delivery: the order is paid; the payment succeeds when none is open."""
    payment = lock_payments().get(checkout_id=order.checkout_id)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now())
    still_open = Order.objects.filter(checkout_id=order.checkout_id).exclude(
        status__in=[Order.Status.DELIVERED, Order.Status.COMPLETED, Order.Status.CANCELLED]
    )
    if payment.status == Status.PENDING and not still_open.exists():
        payment.status = Status.SUCCEEDED
        payment.succeeded_at = timezone.now()
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    return payment


@transaction.atomic
def payment_order_dropped(*, order: Order) -> Payment:
    """An order was cancelled before payment: the amount due shrinks by its total."""
    payment = lock_payments().get(checkout_id=order.checkout_id)
    # Cash on delivery: an order delivered and refunded already may leave others unpaid.
    cod_refunded = payment.method == Payment.Method.COD and payment.status in (
        Status.PARTIALLY_REFUNDED, Status.REFUNDED
    )
    if payment.status not in (Status.PENDING, Status.FAILED) and not cod_refunded:
        return payment
    payment.amount -= order.total
    fields = ["amount", "updated_at"]
    if payment.amount == 0:
        payment.status = Status.CANCELLED
        fields.append("status")
    elif cod_refunded:
        payment.status = (
            Status.REFUNDED if payment.refunded_amount == payment.amount
            else Status.PARTIALLY_REFUNDED
        )
        fields.append("status")
    elif payment.method == Payment.Method.COD and not Order.objects.filter(
        checkout_id=order.checkout_id, paid_at__isnull=True
    ).exclude(status=Order.Status.CANCELLED).exists():
        payment.status = Status.SUCCEEDED  # every remaining order was delivered and paid
        payment.succeeded_at = timezone.now()
        fields += ["status", "succeeded_at"]
    payment.save(update_fields=fields)
    payment_amount_changed_task.delay_on_commit(payment_pk=payment.pk)
    return payment


def order_refundable(order: Order) -> int:
    """What is left to refund of an order's total."""
    refunded = order.refunds.aggregate(total=Sum("amount"))["total"] or 0
    return order.total - refunded


@transaction.atomic
def refund_create(
    *, order: Order, amount: int, reason: str, actor: User | None
) -> Refund:
    """Give back part or all of a paid order; sent to the provider after commit."""
    payment = lock_payments().get(checkout_id=order.checkout_id)
    refundable = order_refundable(order)
    if amount <= 0 or amount > refundable:
        raise InvalidInput(
            fields={"amount": _("Must be from 1 to %(left)d rupiah (what is left).")
                    % {"left": refundable}}
        )
    if payment.refunded_amount + amount > payment.amount:
        raise Conflict(_("The refund would exceed what was paid."))
    refund = Refund.objects.create(
        payment=payment, order=order, amount=amount, reason=reason, actor=actor
    )
    payment.refunded_amount += amount
    payment.status = (
        Status.REFUNDED if payment.refunded_amount == payment.amount
        else Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    if order.completed_at is not None:
        _ledger_debit_refund(order=order, refund=refund)
    refund_submit_task.delay_on_commit(refund_pk=refund.pk)
    return refund


def refund_submit(*, refund_pk: int) -> Refund:
    """Send a recorded refund to its provider once (runs in a task, retried on network errors)."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment", "order").get(
            pk=refund_pk
        )
        if refund.status != Refund.Status.PENDING or refund.provider_reference:
            return refund
    provider_for(refund.payment.method).refund(refund)
    Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
        status=refund.status, provider_reference=refund.provider_reference
    )
    return refund


# ---------------------------------------------------------------- ledger


def commission_rate_bp(cooperative: Cooperative) -> int:
    if cooperative.commission_bp is None:
        return settings.PLATFORM_COMMISSION_BP
    return cooperative.commission_bp


def commission_on(amount: int, rate_bp: int) -> int:
    """Commission in whole rupiah, rounded half up."""
    return (amount * rate_bp + 5_000) // 10_000


def _lock_cooperative(cooperative_pk: int) -> Cooperative:
    """Serialize ledger writes of one cooperative, so balance checks hold."""
    return Cooperative.objects.select_for_update().get(pk=cooperative_pk)


def ledger_balance(cooperative: Cooperative) -> int:
    return cooperative.ledger_entries.aggregate(total=Sum("amount"))["total"] or 0


@transaction.atomic
def ledger_credit_sale(*, order: Order) -> LedgerEntry | None:
    """A completed order earns its cooperative its net total minus commission, once."""
    cooperative = _lock_cooperative(order.cooperative_id)
    existing = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE).first()
    if existing:
        return existing
    net = order_refundable(order)
    if net == 0:
        return None
    commission = commission_on(net, commission_rate_bp(cooperative))
    return LedgerEntry.objects.create(
        cooperative=cooperative, kind=LedgerEntry.Kind.SALE, amount=net - commission,
        order=order, commission=commission,
    )


def _ledger_debit_refund(*, order: Order, refund: Refund) -> LedgerEntry:
    cooperative = _lock_cooperative(order.cooperative_id)
    # The commission given back is the sale's commission in proportion to all that was
    # refunded since, less what earlier refunds gave back: rounding refund by refund could
    # take from the cooperative more than the sale credited it.
    sale = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE).first()
    earlier = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REFUND).aggregate(
        refunded=Sum("refund__amount"), returned=Sum("commission")
    )
    commission = 0
    if sale is not None and sale.commission:
        gross = sale.amount + sale.commission
        refunded = (earlier["refunded"] or 0) + refund.amount
        commission = (2 * sale.commission * refunded + gross) // (2 * gross) - (
            earlier["returned"] or 0
        )
    debit = refund.amount - commission
    if debit > ledger_balance(cooperative):
        raise Conflict(_("The cooperative's balance cannot cover this refund."))
    return LedgerEntry.objects.create(
        cooperative=cooperative, kind=LedgerEntry.Kind.REFUND, amount=-debit, order=order,
        refund=refund, commission=commission,
    )


@transaction.atomic
def payout_create(*, actor: User, cooperative: Cooperative, amount: int, reference: str) -> Payout:
    """Finance staff transfer a cooperative's earnings to its bank account."""
    ensure(is_finance_staff(actor))
    cooperative = _lock_cooperative(cooperative.pk)
    balance = ledger_balance(cooperative)
    if not 0 < amount <= balance:
        raise InvalidInput(
            fields={"amount": _("Must be from 1 to the balance, %(balance)d rupiah.")
                    % {"balance": balance}}
        )
    payout = Payout.objects.create(
        cooperative=cooperative, amount=amount, reference=reference, actor=actor
    )
    LedgerEntry.objects.create(
        cooperative=cooperative, kind=LedgerEntry.Kind.PAYOUT, amount=-amount, payout=payout
    )
    return payout
