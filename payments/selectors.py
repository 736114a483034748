"""Read queries of payments."""

from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from events.models import Event
from market.errors import NotFound
from market.models import Cooperative, User
from market.policies import is_finance_staff, is_platform_admin
from orders.models import Order
from payments.methods import PaymentMethod
from payments.models import LedgerEntry, Payment, Payout, Refund
from payments.policies import can_view_payment_proof


def payment_get_for(*, user: User, pk: int) -> Payment:
    """Its buyer sees a payment; finance staff see all; anyone else gets 404."""
    payments = Payment.objects.all()
    if not (is_platform_admin(user) or is_finance_staff(user)):
        payments = payments.filter(buyer=user)
    payment = payments.filter(pk=pk).first()
    if payment is None:
        raise NotFound()
    return payment


def payment_get_for_buyer(*, user: User, pk: int) -> Payment:
    """The buyer's own payment (the pages' payment page), else 404: even for finance staff."""
    payment = Payment.objects.filter(pk=pk, buyer=user).first() if user.is_authenticated else None
    if payment is None:
        raise NotFound()
    return payment


class BankTransferInstructions(TypedDict):
    bank: str
    account_number: str
    account_name: str
    amount: int
    reference: str


def bank_transfer_instructions(payment: Payment) -> BankTransferInstructions | None:
    """Where the buyer transfers how much, with which reference; None unless a transfer is due."""
    if not payment.awaits_bank_transfer:
        return None
    return {
        "bank": settings.BANK_TRANSFER_BANK,
        "account_number": settings.BANK_TRANSFER_ACCOUNT_NUMBER,
        "account_name": settings.BANK_TRANSFER_ACCOUNT_NAME,
        "amount": payment.amount,
        "reference": payment.transfer_reference,
    }


def payment_proof_get_for(*, user: User, pk: int) -> Payment:
    """The payment whose proof the user may read; 404 when there is none or it is not theirs."""
    payment = payment_get_for(user=user, pk=pk)
    if not (can_view_payment_proof(user, payment) and payment.proof):
        raise NotFound()
    return payment


def ledger_entries_of(*, cooperative: Cooperative) -> QuerySet[LedgerEntry]:
    return cooperative.ledger_entries.select_related("order").order_by("-created_at", "-pk")


def ledger_balance(cooperative: Cooperative) -> int:
    """What the platform holds for the cooperative; negative when it owes commission."""
    return cooperative.ledger_entries.aggregate(total=Sum("amount"))["total"] or 0


# ---------------------------------------------------------------- the finance desk


def _transfers() -> QuerySet[Payment]:
    orders = Order.objects.select_related("cooperative").order_by("pk")
    return (
        Payment.objects.filter(method=PaymentMethod.BANK_TRANSFER)
        .select_related("buyer", "checkout", "confirmed_by")
        .prefetch_related(Prefetch("checkout__orders", queryset=orders))
    )


def transfer_list_for_finance(*, reference_pk: int | None = None) -> QuerySet[Payment]:
    """Bank transfers awaiting confirmation, those with a proof first, newest first.

    With `reference_pk` (read from a pasted transfer reference): that transfer, whatever its
    status, so that finance also finds one confirmed already.
    """
    transfers = _transfers()
    if reference_pk is not None:
        return transfers.filter(pk=reference_pk).order_by("pk")
    waiting = [Payment.Status.PENDING, Payment.Status.FAILED]
    has_proof = Case(When(proof="", then=0), default=1, output_field=IntegerField())
    return (
        transfers.filter(status__in=waiting)
        .annotate(has_proof=has_proof)
        .order_by("-has_proof", "-created_at", "-pk")
    )


def transfer_get_for_finance(*, user: User, pk: int) -> Payment:
    """A bank-transfer payment, to finance staff only; anyone else (its buyer too) gets 404."""
    payment = _transfers().filter(pk=pk).first() if is_finance_staff(user) else None
    if payment is None:
        raise NotFound()
    return payment


def payout_due_list() -> QuerySet[Cooperative]:
    """Cooperatives the platform holds money for (`balance` > 0), most first; `last_payout_at`."""
    last_payout = Payout.objects.filter(cooperative=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Cooperative.objects.annotate(
            balance=Sum("ledger_entries__amount"),
            last_payout_at=Subquery(last_payout.values("created_at")[:1]),
        )
        .filter(balance__gt=0)
        .order_by("-balance", "name", "pk")
    )


def refund_list_failed() -> QuerySet[Refund]:
    """Refunds the provider refused, the latest failure first; `failed_at` from its event."""
    failure = Event.objects.filter(refund=OuterRef("pk"), kind=Event.Kind.REFUND_FAILED)
    return (
        Refund.objects.filter(status=Refund.Status.FAILED)
        .select_related("order__cooperative", "payment")
        .annotate(failed_at=Subquery(failure.order_by("-at", "-pk").values("at")[:1]))
        .order_by(F("failed_at").desc(nulls_last=True), "-pk")
    )


@dataclass(frozen=True)
class LedgerTotals:
    balance: int  # what the platform holds for the cooperative; negative: it owes commission
    commission_owed: int  # cash-on-delivery commission the holdings do not cover yet


def ledger_totals(*, cooperative: Cooperative) -> LedgerTotals:
    """The balance and the commission owed, as GET /cooperatives/{slug}/ledger/ gives them."""
    balance = ledger_balance(cooperative)
    return LedgerTotals(balance=balance, commission_owed=max(0, -balance))


def payouts_received_by(*, cooperative: Cooperative) -> QuerySet[LedgerEntry]:
    """The ledger's payout entries, newest first, each with its payout (the bank reference)."""
    return (
        cooperative.ledger_entries.filter(kind=LedgerEntry.Kind.PAYOUT)
        .select_related("payout").order_by("-created_at", "-pk")
    )
