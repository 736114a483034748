"""Who may move money: platform finance staff hold the `payments.manage_finance` permission."""

from market.models import User


def is_finance_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("payments.manage_finance"))
