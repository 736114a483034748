"""Read queries of payments."""

from typing import TypedDict

from django.conf import settings
from django.db.models import QuerySet, Sum

from market.errors import NotFound
from market.models import Cooperative, User
from market.policies import is_finance_staff, is_platform_admin
from payments.models import LedgerEntry, Payment
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
