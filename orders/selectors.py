"""Read queries of orders; every view, export and page starts from these."""

from django.db.models import Prefetch, Q, QuerySet

from events.models import Event
from market.errors import NotFound
from market.models import Cooperative, User
from market.policies import is_platform_admin, officer_scope_q
from orders.models import CartItem, Order, OrderLine, ShippingOption

Kind = Event.Kind
# What the buyer and the cooperative see of an order's events (not stock or ledger).
TIMELINE_KINDS = [
    Kind.ORDER_PLACED, Kind.ORDER_PAID, Kind.ORDER_ACCEPTED, Kind.ORDER_SHIPPED,
    Kind.ORDER_DELIVERED, Kind.ORDER_COMPLETED, Kind.ORDER_CANCELLED,
    Kind.REFUND_REQUESTED, Kind.REFUND_SUCCEEDED, Kind.REFUND_FAILED,
]


def orders_visible_to(user: User) -> QuerySet[Order]:
    """The buyer's own orders, their cooperatives' orders, and (read only) dinas scope."""
    if is_platform_admin(user):
        return Order.objects.all()
    visible = Q(buyer=user) | Q(cooperative__memberships__user=user)
    scope = officer_scope_q(user, field="cooperative__region__code")
    if scope is not None:
        visible |= scope
    return Order.objects.filter(pk__in=Order.objects.filter(visible).values("pk"))


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("cooperative", "buyer", "checkout__payment").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch(
            "events",
            queryset=Event.objects.filter(kind__in=TIMELINE_KINDS).select_related("actor")
            .order_by("at", "pk"),
        ),
    )


def order_list_for(
    *, user: User, cooperative: str = "", status: str = ""
) -> QuerySet[Order]:
    """The caller's orders as a buyer; with `cooperative`, that cooperative's that they may see."""
    if cooperative:
        orders = orders_visible_to(user).filter(cooperative__slug=cooperative)
    else:
        orders = Order.objects.filter(buyer=user)
    if status:
        orders = orders.filter(status=status)
    return _with_details(orders).order_by("-created_at", "-pk")


def order_get_for(*, user: User, number: str) -> Order:
    order = _with_details(orders_visible_to(user)).filter(number=number).first()
    if order is None:
        raise NotFound()
    return order


def cart_for(*, user: User) -> QuerySet[CartItem]:
    return (
        CartItem.objects.filter(user=user)
        .select_related("variant__product", "variant__cooperative")
        .order_by("created_at", "pk")
    )


def shipping_options_of(*, cooperative: Cooperative) -> QuerySet[ShippingOption]:
    return ShippingOption.objects.filter(cooperative=cooperative, is_active=True).order_by("pk")
