"""Who may act on an order. Seeing an order at all is orders.selectors' rule."""

from market.models import User
from market.policies import is_cooperative_staff, is_platform_admin
from orders.models import Order

BUYER_CANCELLABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PAID}
STAFF_CANCELLABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.ACCEPTED}


def is_order_buyer(user: User, order: Order) -> bool:
    return is_platform_admin(user) or order.buyer_id == user.pk


def can_fulfil_order(user: User, order: Order) -> bool:
    """Accept, ship, cancel, refund: staff of the order's cooperative."""
    return is_cooperative_staff(user, order.cooperative)


def cancellable_statuses_for(user: User, order: Order) -> set[str]:
    """Buyers cancel before acceptance, staff before shipping; others never."""
    statuses: set[str] = set()
    if is_order_buyer(user, order):
        statuses |= BUYER_CANCELLABLE
    if can_fulfil_order(user, order):
        statuses |= STAFF_CANCELLABLE
    return statuses
