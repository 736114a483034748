"""Read queries of orders; every view, export and page starts from these."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from events.models import Event
from market.errors import NotFound
from market.models import Cooperative, Membership, User
from market.policies import is_platform_admin, officer_scope_q
from orders.models import CartItem, Checkout, Order, OrderLine, ShippingOption
from orders.policies import AWAITING_ACCEPTANCE

Kind = Event.Kind
# What the buyer and the cooperative see of an order's events (not stock or ledger).
TIMELINE_KINDS = [
    Kind.ORDER_PLACED, Kind.ORDER_PAID, Kind.ORDER_ACCEPTED, Kind.ORDER_SHIPPED,
    Kind.ORDER_DELIVERED, Kind.ORDER_COMPLETED, Kind.ORDER_CANCELLED,
    Kind.REFUND_REQUESTED, Kind.REFUND_SUCCEEDED, Kind.REFUND_FAILED,
]
PLATFORM_NAME = "Pasar Koperasi"  # a name, the same in every language


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


def _cooperative_orders(*, user: User, cooperative: str) -> QuerySet[Order]:
    return orders_visible_to(user).filter(cooperative__slug=cooperative).select_related(
        "cooperative", "buyer"
    )


def orders_to_accept(*, user: User, cooperative: str) -> QuerySet[Order]:
    """The cooperative's orders waiting to be accepted, oldest first."""
    return _cooperative_orders(user=user, cooperative=cooperative).filter(
        AWAITING_ACCEPTANCE
    ).order_by(
        "created_at", "pk"
    )


def orders_to_ship(*, user: User, cooperative: str) -> QuerySet[Order]:
    """The cooperative's accepted orders, waiting to be handed to a carrier, oldest first."""
    return _cooperative_orders(user=user, cooperative=cooperative).filter(
        status=Order.Status.ACCEPTED
    ).order_by("accepted_at", "pk")


def order_get_for(*, user: User, number: str) -> Order:
    order = _with_details(orders_visible_to(user)).filter(number=number).first()
    if order is None:
        raise NotFound()
    return order


def order_get_for_buyer(*, user: User, number: str) -> Order:
    """The order as its buyer sees it; anyone else's (staff, dinas, admin too) is not found."""
    order = _with_details(Order.objects.filter(buyer_id=user.pk)).filter(number=number).first()
    if order is None:
        raise NotFound()
    return order


def order_timeline_for_buyer(*, order: Order) -> list[tuple[Event, str]]:
    """The order's events (as order_get_for_buyer fetched them), each with who made it.

    In the buyer's words: you, the cooperative (its staff), Pasar Koperasi (anyone
    else acting on an order: finance staff, the platform admin) or the system.
    At most one query, whatever the number of events.
    """
    events = list(order.events.all())
    others = {event.actor_id for event in events} - {None, order.buyer_id}
    staff = set(
        Membership.objects.filter(cooperative_id=order.cooperative_id, user_id__in=others)
        .values_list("user_id", flat=True)
    ) if others else set()

    def by_whom(actor_id: int | None) -> str:
        if actor_id is None:
            return _("the system")
        if actor_id == order.buyer_id:
            return _("you")
        return _("the cooperative") if actor_id in staff else PLATFORM_NAME

    return [(event, by_whom(event.actor_id)) for event in events]


def order_timeline_for_cooperative(*, order: Order) -> list[tuple[Event, str]]:
    """The order's events (as order_list_for fetched them) for the cooperative's staff, each
    with who made it: the buyer, a person by name (as the API shows them to staff) or the
    system. No query."""

    def by_whom(event: Event) -> str:
        if event.actor_id is None:
            return _("the system")
        if event.actor_id == order.buyer_id:
            return _("the buyer")
        return event.actor.name

    return [(event, by_whom(event)) for event in order.events.all()]


def order_line_get_for_buyer(*, user: User, pk: int) -> OrderLine:
    """One line of the buyer's own orders, with its order; another's is not found."""
    line = OrderLine.objects.select_related("order").filter(pk=pk, order__buyer_id=user.pk).first()
    if line is None:
        raise NotFound()
    return line


def last_shipping_address_of(*, user: User) -> dict | None:
    """Where the buyer's latest checkout was sent, to fill in the next one."""
    return (
        Checkout.objects.filter(buyer_id=user.pk).order_by("-created_at", "-pk")
        .values_list("shipping_address", flat=True).first()
    )


def order_pages_for(*, user: User, numbers: list[str]) -> dict[str, tuple[str, str]]:
    """Of these order numbers, those the user has a page for (one query): number ->
    ("buyer", "") for their own purchase, ("staff", cooperative slug) for their
    cooperative's order. Others (out of reach, or only the dinas') are left out."""
    if not numbers:
        return {}
    rows = Order.objects.filter(number__in=numbers).filter(
        Q(buyer=user) | Q(cooperative__memberships__user=user)
    ).values_list("number", "buyer_id", "cooperative__slug").distinct()
    return {number: ("buyer", "") if buyer_id == user.pk else ("staff", slug)
            for number, buyer_id, slug in rows}


def cart_for(*, user: User) -> QuerySet[CartItem]:
    return (
        CartItem.objects.filter(user=user)
        .select_related("variant__product", "variant__cooperative")
        .order_by("created_at", "pk")
    )


def shipping_options_of(*, cooperative: Cooperative) -> QuerySet[ShippingOption]:
    return _offered().filter(cooperative=cooperative)


def _offered() -> QuerySet[ShippingOption]:
    return ShippingOption.objects.filter(is_active=True).order_by("pk")


@dataclass
class CartGroup:
    """A cooperative's part of the cart: the order it becomes at checkout."""

    cooperative: Cooperative
    items: list[CartItem]
    shipping_options: list[ShippingOption]
    # The option chosen, else the first offered (as checkout picks); None: pickup, free.
    shipping_option: ShippingOption | None

    @property
    def subtotal(self) -> int:
        return sum(item.line_total for item in self.items)

    @property
    def shipping_fee(self) -> int:
        return self.shipping_option.fee if self.shipping_option else 0

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee


def cart_groups_for(
    *, user: User, shipping_choices: dict[str, int] | None = None
) -> list[CartGroup]:
    """The cart split as checkout splits it, per cooperative with its shipping; two queries.

    `shipping_choices` is {cooperative slug: option id}; a choice that is no longer
    offered falls back to the first option, as checkout's default does.
    """
    choices = shipping_choices or {}
    items = sorted(cart_for(user=user), key=lambda item: item.variant.cooperative_id)
    cooperative_ids = {item.variant.cooperative_id for item in items}
    options: dict[int, list[ShippingOption]] = {pk: [] for pk in cooperative_ids}
    if cooperative_ids:
        for option in _offered().filter(cooperative_id__in=cooperative_ids):
            options[option.cooperative_id].append(option)
    groups: list[CartGroup] = []
    for item in items:  # sorted stably: within a cooperative, in the cart's order
        cooperative = item.variant.cooperative
        if not groups or groups[-1].cooperative.pk != cooperative.pk:
            offered = options[cooperative.pk]
            chosen = next((o for o in offered if o.pk == choices.get(cooperative.slug)), None)
            groups.append(CartGroup(
                cooperative=cooperative, items=[], shipping_options=offered,
                shipping_option=chosen or (offered[0] if offered else None),
            ))
        groups[-1].items.append(item)
    return groups
