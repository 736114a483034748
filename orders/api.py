"""HTTP API of cart, checkout and orders: parse, call a service or selector, serialize."""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import MAX_PRICE, MAX_STOCK
from market import selectors as market_selectors
from market.api_support import (
    IDEMPOTENCY_KEY_OPTIONAL,
    IDEMPOTENCY_KEY_SCHEMA,
    MAX_ID,
    PageNumberPagination,
    idempotency_key_of,
    paginated_response,
    paginated_schema,
    validated,
)
from market.schema import conflict_response, error_response
from market.throttles import PER_CLIENT_AND_USER
from orders import selectors
from orders.models import Checkout, Order, ShippingOption
from orders.policies import buyer_contact_visible
from orders.services import cart, checkout, lifecycle, shipping
from payments import selectors as payment_selectors
from payments.api import BankTransferInstructionsSerializer
from payments.methods import PaymentMethod

# ---------------------------------------------------------------- cart


class CartItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    variant = serializers.IntegerField(source="variant_id")
    product_name = serializers.CharField(source="variant.product.name")
    variant_name = serializers.CharField(source="variant.name")
    cooperative = serializers.CharField(source="variant.cooperative.slug")
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField(source="variant.price")
    line_total = serializers.IntegerField()


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True)
    total = serializers.IntegerField()


class CartItemAddSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_STOCK)


class CartItemQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_STOCK)


class CartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your cart", responses=CartSerializer)
    def get(self, request):
        items = list(selectors.cart_for(user=request.user))
        total = sum(item.line_total for item in items)
        return Response(CartSerializer({"items": items, "total": total}).data)


class CartItemListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Put a variant in your cart", request=CartItemAddSerializer,
                   responses={201: CartItemSerializer})
    def post(self, request):
        data = validated(CartItemAddSerializer, request.data)
        item = cart.cart_item_add(
            user=request.user, variant_pk=data["variant"], quantity=data["quantity"]
        )
        item = selectors.cart_for(user=request.user).get(pk=item.pk)
        return Response(CartItemSerializer(item).data, status=status.HTTP_201_CREATED)


class CartItemDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Change the quantity of a cart item",
                   request=CartItemQuantitySerializer, responses=CartItemSerializer)
    def patch(self, request, pk):
        data = validated(CartItemQuantitySerializer, request.data)
        cart.cart_item_update(user=request.user, item_pk=pk, quantity=data["quantity"])
        item = selectors.cart_for(user=request.user).get(pk=pk)
        return Response(CartItemSerializer(item).data)

    @extend_schema(summary="Take an item out of your cart", responses={204: None})
    def delete(self, request, pk):
        cart.cart_item_remove(user=request.user, item_pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- shipping options


class ShippingOptionSerializer(serializers.ModelSerializer):
    fee = serializers.IntegerField(min_value=0, max_value=MAX_PRICE)

    class Meta:
        model = ShippingOption
        fields = ["id", "name", "kind", "fee"]


class ShippingOptionListView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @paginated_schema(ShippingOptionSerializer, summary="List a cooperative's shipping options")
    def get(self, request, slug):
        cooperative = market_selectors.cooperative_get_for(user=request.user, slug=slug)
        options = selectors.shipping_options_of(cooperative=cooperative)
        return paginated_response(request, self, options, ShippingOptionSerializer)

    @extend_schema(summary="Add a shipping option", request=ShippingOptionSerializer,
                   responses={201: ShippingOptionSerializer})
    def post(self, request, slug):
        cooperative = market_selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(ShippingOptionSerializer, request.data)
        option = shipping.shipping_option_add(actor=request.user, cooperative=cooperative, **data)
        return Response(ShippingOptionSerializer(option).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- checkout


class CheckoutItemSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_STOCK)


class ShippingAddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    phone = serializers.RegexField(r"^\+?[0-9 ()-]{6,20}$", max_length=20)
    line1 = serializers.CharField(max_length=300)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.RegexField(r"^[0-9]{5}$", required=False, allow_blank=True)


class CheckoutInputSerializer(serializers.Serializer):
    items = CheckoutItemSerializer(many=True, required=False, allow_empty=False, max_length=100)
    shipping_address = ShippingAddressSerializer()
    shipping_options = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class CheckoutOrderSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.slug")

    class Meta:
        model = Order
        fields = ["number", "cooperative", "status", "subtotal", "shipping_fee", "total"]


class CheckoutPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField()
    client_secret = serializers.CharField(allow_null=True)
    instructions = BankTransferInstructionsSerializer(allow_null=True)


class CheckoutOutputSerializer(serializers.ModelSerializer):
    orders = CheckoutOrderSerializer(many=True)
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Checkout
        fields = ["id", "total", "orders", "payment"]

    @extend_schema_field(CheckoutPaymentSerializer)
    def get_payment(self, checkout) -> dict:
        payment = checkout.payment
        return CheckoutPaymentSerializer({
            "id": payment.pk, "method": payment.method, "status": payment.status,
            "amount": payment.amount, "client_secret": payment.client_secret or None,
            "instructions": payment_selectors.bank_transfer_instructions(payment),
        }).data


class CheckoutView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "checkout"

    @extend_schema(
        summary="Check out: the cart (or the items given) becomes orders and one payment",
        request=CheckoutInputSerializer,
        responses={
            201: CheckoutOutputSerializer,
            409: conflict_response("own_cooperative", "insufficient_stock", "not_available"),
            422: error_response("The Idempotency-Key was used before with a different body."),
            503: error_response(
                "The card provider cannot be reached (`code`: payment_provider_unavailable); "
                "the checkout is kept and the same key again answers 201 once it is back.",
                "ServiceUnavailable",
            ),
        },
        parameters=[OpenApiParameter(
            "Idempotency-Key", IDEMPOTENCY_KEY_SCHEMA, location="header", required=True,
            description="Any string up to 255 characters, made once per checkout attempt.",
        )],
    )
    def post(self, request):
        key = idempotency_key_of(request, required=True)
        data = validated(CheckoutInputSerializer, request.data)
        placed = checkout.checkout_place(buyer=request.user, idempotency_key=key, **data)
        placed = Checkout.objects.select_related("payment").prefetch_related(
            Prefetch("orders", queryset=Order.objects.select_related("cooperative").order_by("pk"))
        ).get(pk=placed.pk)
        return Response(CheckoutOutputSerializer(placed).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- orders


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The line to name in POST /api/v1/reviews/.")
    product_name = serializers.CharField()
    variant_name = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    line_total = serializers.IntegerField()


class OrderEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_actor(self, event) -> str | None:
        return event.actor.name if event.actor else None


class OrderSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.slug")
    cooperative_name = serializers.CharField(source="cooperative.name")
    buyer = serializers.CharField(source="buyer.name")
    lines = OrderLineSerializer(many=True)
    events = OrderEventSerializer(many=True)
    payment_status = serializers.CharField(source="checkout.payment.status", default=None)

    class Meta:
        model = Order
        fields = [
            "number", "status", "cooperative", "cooperative_name", "buyer", "lines", "subtotal",
            "shipping_fee", "total", "payment_method", "payment_status", "shipping_method",
            "shipping_address", "carrier", "tracking_number", "created_at", "events",
        ]


class OrderMonitoringEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField(help_text="buyer, cooperative, or null: the system")

    def get_actor(self, event) -> str | None:
        if event.actor_id is None:
            return None
        return "buyer" if event.actor_id == event.order.buyer_id else "cooperative"


@extend_schema_field({"type": "string", "nullable": True, "description": "Withheld: null."})
class WithheldField(serializers.Field):
    """A field of the contract that this caller may not see: always null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return None

    def to_representation(self, value):
        return None


class OrderMonitoringSerializer(OrderSerializer):
    """An order as a dinas officer sees it: the trade, not who bought it or where they live.

    No buyer, no address, no tracking number (a courier's tracking page shows the
    recipient), no free-text notes; the city stays, for monitoring by area. The
    contract's `buyer` and `tracking_number` keys stay, as null.
    """

    buyer = WithheldField()
    tracking_number = WithheldField()
    events = OrderMonitoringEventSerializer(many=True)
    shipping_city = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [
            "shipping_city" if name == "shipping_address" else name
            for name in OrderSerializer.Meta.fields
        ]

    def get_shipping_city(self, order) -> str:
        return order.shipping_address.get("city", "")


def orders_as_seen_by(user, orders) -> list[dict]:
    """Each order in full, or without its buyer's contact details (orders.policies decides)."""
    orders = list(orders)
    with_contact = buyer_contact_visible(user, orders)
    return [
        (OrderSerializer if order.pk in with_contact else OrderMonitoringSerializer)(order).data
        for order in orders
    ]


def order_as_seen_by(user, order: Order) -> dict:
    return orders_as_seen_by(user, [order])[0]


# The schema of what order_as_seen_by() answers: one of the two.
_ORDER_AS_SEEN = {
    "component_name": "OrderAsSeen",
    "serializers": [OrderSerializer, OrderMonitoringSerializer],
    "resource_type_field_name": None,
}
ORDER_AS_SEEN = PolymorphicProxySerializer(**_ORDER_AS_SEEN)
ORDER_AS_SEEN_LIST = PolymorphicProxySerializer(**_ORDER_AS_SEEN, many=True)


class OrderListQuerySerializer(serializers.Serializer):
    # Blank is no filter, as a query string from a form has it.
    cooperative = serializers.CharField(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(
        choices=Order.Status.choices, required=False, allow_blank=True
    )


class OrderListView(APIView):
    permission_classes = [IsAuthenticated]

    @paginated_schema(
        ORDER_AS_SEEN_LIST, parameters=[OrderListQuerySerializer],
        summary="List your orders (or, as its staff, a cooperative's)",
    )
    def get(self, request):
        filters = validated(OrderListQuerySerializer, request.query_params)
        orders = selectors.order_list_for(user=request.user, **filters)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(orders_as_seen_by(request.user, page))


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Get an order and its timeline", responses=ORDER_AS_SEEN)
    def get(self, request, number):
        order = selectors.order_get_for(user=request.user, number=number)
        return Response(order_as_seen_by(request.user, order))


class ShipInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class RefundInputSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=MAX_PRICE * 1000)
    reason = serializers.CharField(max_length=1000)


class EmptySerializer(serializers.Serializer):
    pass


class OrderActionView(APIView):
    """POST /orders/{number}/<action>/: parse, then one lifecycle service."""

    permission_classes = [IsAuthenticated]
    input_serializer: type[serializers.Serializer] = EmptySerializer

    def act(self, **kwargs) -> Order:
        raise NotImplementedError

    def extra_arguments(self, request) -> dict:
        """What the action takes from the request besides its body."""
        return {}

    def post(self, request, number):
        order = selectors.order_get_for(user=request.user, number=number)
        data = validated(self.input_serializer, request.data)
        self.act(order_pk=order.pk, actor=request.user, **data, **self.extra_arguments(request))
        order = selectors.order_get_for(user=request.user, number=number)
        return Response(order_as_seen_by(request.user, order))


def _action_schema(summary, input_serializer=EmptySerializer, conflicts=("invalid_transition",)):
    return extend_schema_view(post=extend_schema(
        summary=summary, request=input_serializer,
        responses={200: OrderSerializer, 409: conflict_response(*conflicts)},
    ))


@_action_schema("Accept an order (its cooperative's staff)")
class OrderAcceptView(OrderActionView):
    def act(self, **kwargs):
        return lifecycle.order_accept(**kwargs)


@_action_schema("Ship an order, with its carrier and tracking number", ShipInputSerializer)
class OrderShipView(OrderActionView):
    input_serializer = ShipInputSerializer

    def act(self, **kwargs):
        return lifecycle.order_ship(**kwargs)


@_action_schema("Confirm an order delivered (its buyer)")
class OrderDeliverView(OrderActionView):
    def act(self, **kwargs):
        return lifecycle.order_deliver(**kwargs)


@_action_schema(
    "Cancel an order (stock returns; a paid order is refunded)", CancelInputSerializer,
    conflicts=("invalid_transition", "conflict"),
)
class OrderCancelView(OrderActionView):
    input_serializer = CancelInputSerializer

    def act(self, **kwargs):
        return lifecycle.order_cancel(**kwargs)


@extend_schema_view(post=extend_schema(
    summary="Refund an order, in part or in full (owner, manager)",
    request=RefundInputSerializer, parameters=[IDEMPOTENCY_KEY_OPTIONAL],
    responses={
        200: OrderSerializer,
        409: conflict_response("invalid_transition", "conflict"),
        422: error_response("The Idempotency-Key was used before with a different body."),
    },
))
class OrderRefundView(OrderActionView):
    input_serializer = RefundInputSerializer

    def act(self, **kwargs):
        return lifecycle.order_refund(**kwargs)

    def extra_arguments(self, request) -> dict:
        return {"idempotency_key": idempotency_key_of(request)}
