"""Who may do what with a payment; the marketplace-wide rules are in market.policies."""

from market.models import User
from market.policies import is_finance_staff, is_platform_admin
from payments.models import Payment


def can_upload_payment_proof(user: User, payment: Payment) -> bool:
    """The buyer sends the receipt of their own transfer (a platform admin may too)."""
    if not user.is_authenticated:
        return False
    return payment.buyer_id == user.pk or is_platform_admin(user)


def can_view_payment_proof(user: User, payment: Payment) -> bool:
    """The buyer, and platform finance who check it; never the cooperatives or the dinas."""
    if not user.is_authenticated:
        return False
    return payment.buyer_id == user.pk or is_finance_staff(user) or is_platform_admin(user)
