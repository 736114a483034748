from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from market.admin_support import ReadOnlyAdmin
from market.errors import DomainError
from payments import services
from payments.methods import PaymentMethod
from payments.models import (
    LedgerEntry,
    Payment,
    Payout,
    Refund,
    StripeEvent,
    payment_pk_of_transfer_reference,
)


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = ["order", "amount", "reason", "status", "provider_reference", "actor",
                       "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "transfer_reference", "buyer", "method", "status", "amount",
                    "refunded_amount", "created_at"]
    list_filter = ["method", "status", "created_at"]
    # Also by the transfer reference (PK000123) the buyer wrote: see get_search_results.
    search_fields = ["buyer__email", "provider_reference", "checkout__orders__number"]
    list_select_related = ["buyer"]
    inlines = [RefundInline]
    actions = ["confirm_bank_transfers"]
    # The proof is private: linked to its download view, which checks who asks.
    exclude = ["proof"]
    readonly_fields = ["proof_download"]

    @admin.display(description=_("transfer reference"), ordering="pk")
    def transfer_reference(self, payment):
        return payment.transfer_reference if payment.method == PaymentMethod.BANK_TRANSFER else "—"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        referenced = payment_pk_of_transfer_reference(search_term)
        if referenced is not None:
            found |= queryset.filter(pk=referenced, method=PaymentMethod.BANK_TRANSFER)
        return found, may_have_duplicates

    @admin.display(description=_("transfer proof"))
    def proof_download(self, payment):
        if not payment.proof:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("payment-proof", args=[payment.pk]), _("Download")
        )

    @admin.action(description=_("Confirm the selected bank transfers as received"))
    def confirm_bank_transfers(self, request, queryset):
        confirmed = 0
        for payment in queryset.order_by("pk"):
            try:
                services.payment_confirm_transfer(actor=request.user, payment=payment)
                confirmed += 1
            except DomainError as error:
                self.message_user(request, f"{payment}: {error.message}", messages.ERROR)
        self.message_user(request, _("%d transfers confirmed.") % confirmed, messages.SUCCESS)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["pk", "order", "amount", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "provider_reference"]
    list_select_related = ["order"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "kind", "amount", "commission", "order", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["cooperative__name", "order__number"]
    list_select_related = ["cooperative", "order"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "amount", "reference", "actor", "created_at"]
    search_fields = ["cooperative__name", "reference"]
    list_select_related = ["cooperative", "actor"]
