from django.contrib import admin

from events.models import Event
from orders.models import CartItem, Checkout, Order, OrderLine, ShippingOption


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["product_name", "variant_name", "sku", "unit_price", "quantity",
                       "line_total", "variant", "category"]


class OrderEventInline(admin.TabularInline):
    model = Event
    fk_name = "order"
    extra = 0
    can_delete = False
    fields = ["at", "kind", "status", "amount", "quantity", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the lifecycle services (API and pages)."""

    list_display = ["number", "cooperative", "buyer", "status", "payment_method", "total",
                    "created_at"]
    list_filter = ["status", "payment_method", "created_at", "cooperative__region"]
    search_fields = ["number", "buyer__email", "buyer__name", "cooperative__name",
                     "tracking_number"]
    list_select_related = ["cooperative", "buyer"]
    autocomplete_fields = ["cooperative"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Order._meta.fields]
    inlines = [OrderLineInline, OrderEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ["pk", "buyer", "total", "payment_method", "created_at"]
    list_filter = ["payment_method", "created_at"]
    search_fields = ["buyer__email", "idempotency_key", "orders__number"]
    list_select_related = ["buyer"]
    readonly_fields = [field.name for field in Checkout._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ShippingOption)
class ShippingOptionAdmin(admin.ModelAdmin):
    list_display = ["name", "cooperative", "kind", "fee", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "cooperative__name"]
    list_select_related = ["cooperative"]
    autocomplete_fields = ["cooperative"]


@admin.register(CartItem)
class CartItemAdmin(admin.ModelAdmin):
    list_display = ["user", "variant", "quantity", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user", "variant__product"]
    raw_id_fields = ["user", "variant"]
