"""Who may act on an order, and who sees its buyer. Seeing an order at all is
orders.selectors' rule."""

from collections.abc import Iterable

from django.db.models import Q

from market.models import Membership, User
from market.policies import can_manage_cooperative, is_cooperative_staff, is_platform_admin
from orders.models import TRANSITIONS, Order
from payments.methods import PaymentMethod

BUYER_CANCELLABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PAID}
STAFF_CANCELLABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.ACCEPTED}


def is_order_buyer(user: User, order: Order) -> bool:
    return is_platform_admin(user) or order.buyer_id == user.pk


def can_fulfil_order(user: User, order: Order) -> bool:
    """Accept, ship, cancel, refund: staff of the order's cooperative."""
    return is_cooperative_staff(user, order.cooperative)


# Paid, or cash on delivery not paid yet (paid at the door): the cooperative accepts it
# next (lifecycle.order_accept refuses anything else). The rule for one order, and as a
# filter (orders.selectors.orders_to_accept): keep the two together.
AWAITING_ACCEPTANCE = Q(status=Order.Status.PAID) | Q(
    status=Order.Status.PENDING_PAYMENT, payment_method=PaymentMethod.COD
)


def awaits_acceptance(order: Order) -> bool:
    return order.status == Order.Status.PAID or (
        order.status == Order.Status.PENDING_PAYMENT and order.is_cash_on_delivery
    )


def can_accept_now(user: User, order: Order) -> bool:
    return can_fulfil_order(user, order) and awaits_acceptance(order)


def can_ship_now(user: User, order: Order) -> bool:
    """Staff hand an accepted order to a carrier (lifecycle.order_ship)."""
    return Order.Status.SHIPPED in TRANSITIONS[order.status] and can_fulfil_order(user, order)


def can_refund(user: User, order: Order) -> bool:
    """Owner or manager, of an order whose money came in (lifecycle.order_refund); how much
    is left to refund is payments.settlement.order_refundable."""
    return order.paid_at is not None and can_manage_cooperative(user, order.cooperative)


def cancellable_statuses_for(user: User, order: Order) -> set[str]:
    """Buyers cancel before acceptance, staff before shipping; others never."""
    statuses: set[str] = set()
    if is_order_buyer(user, order):
        statuses |= BUYER_CANCELLABLE
    if can_fulfil_order(user, order):
        statuses |= STAFF_CANCELLABLE
    return statuses


def can_confirm_receipt(user: User, order: Order) -> bool:
    """The buyer may say the goods arrived now (orders.services.lifecycle.order_deliver)."""
    return is_order_buyer(user, order) and Order.Status.DELIVERED in TRANSITIONS[order.status]


def can_cancel_now(user: User, order: Order) -> bool:
    """The user may cancel the order in its current status (lifecycle.order_cancel)."""
    return order.status in cancellable_statuses_for(user, order)


def can_pay_now(order: Order) -> bool:
    """The order waits to be paid online (cash on delivery is paid at the door instead)."""
    return order.status == Order.Status.PENDING_PAYMENT and not order.is_cash_on_delivery


def buyer_contact_visible(user: User, orders: Iterable[Order]) -> set[int]:
    """The orders (primary keys) whose buyer the user may see: name, address, phone.

    The buyer, the cooperative's staff and the platform admin. A dinas officer
    sees the trade of their regions, not who bought what or where they live.
    One query whatever the number of orders.
    """
    orders = list(orders)
    if is_platform_admin(user):
        return {order.pk for order in orders}
    if not user.is_authenticated:
        return set()
    staff_of = set(
        Membership.objects.filter(
            user=user, cooperative_id__in={order.cooperative_id for order in orders}
        ).values_list("cooperative_id", flat=True)
    )
    return {
        order.pk for order in orders
        if order.buyer_id == user.pk or order.cooperative_id in staff_of
    }


def can_see_buyer_contact(user: User, order: Order) -> bool:
    return order.pk in buyer_contact_visible(user, [order])
