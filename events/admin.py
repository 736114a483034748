from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from events.models import Event, OutboxTask
from events.outbox import outbox_retry
from market.admin_support import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The audit trail: written by the services only, never edited."""

    list_display = ["at", "kind", "cooperative", "order", "amount", "quantity", "actor"]
    list_filter = ["kind", "at"]
    search_fields = ["order__number", "cooperative__name", "actor__email"]
    list_select_related = ["cooperative", "order", "actor"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["pk", "name", "status", "attempts", "created_at", "next_attempt_at",
                    "finished_at"]
    list_filter = ["status", "name"]
    search_fields = ["name", "last_error"]
    readonly_fields = [field.name for field in OutboxTask._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Run the selected failed tasks again"))
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=OutboxTask.Status.FAILED).values_list("pk", flat=True))
        for pk in failed:
            outbox_retry(outbox_pk=pk)
        self.message_user(request, _("%d tasks sent again.") % len(failed), messages.SUCCESS)
