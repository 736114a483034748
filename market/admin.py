from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from market import selectors
from market.admin_support import ReadOnlyAdmin
from market.errors import DomainError
from market.models import (
    Cooperative,
    DailySales,
    DinasOfficer,
    Invitation,
    Membership,
    Notification,
    NotificationDelivery,
    RatMeeting,
    Region,
    User,
)
from market.notifications import services as notifications
from market.services import cooperatives, members


class ServiceRefusalsAsMessages:
    """A service's refusal while saving or deleting undoes the whole change and says why.

    The admin's add, change and delete views run in one transaction, and so do actions
    here, so a DomainError raised by a service (the last owner, say) rolls back
    everything the form or the action did.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as error:  # raised by an action (bulk delete), rolled back whole
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        # An action's changes and its log entries ("deleted ...") commit together or not at all.
        with transaction.atomic():
            return super().response_action(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )


@admin.register(User)
class UserAdmin(ServiceRefusalsAsMessages, DjangoUserAdmin):
    """Deleting goes through members.user_delete: a cooperative's last owner stays."""

    ordering = ["email"]
    list_display = ["email", "name", "phone", "email_verified_at", "is_staff", "is_superuser",
                    "is_active", "date_joined"]
    list_filter = [("email_verified_at", admin.EmptyFieldListFilter), "is_staff",
                   "is_superuser", "is_active", "groups"]
    # Set only by following the mailed link; a changed address is unverified again.
    readonly_fields = ["email_verified_at"]
    search_fields = ["email", "name", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "phone", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "email_verified_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]

    def get_deleted_objects(self, objs, request):
        # A last owner is shown as protected: the delete page and the bulk action then
        # refuse, as they do for any protected row, before anything is deleted.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for user in objs:
            last_owned = list(selectors.cooperative_list_last_owned_by(user=user))
            if last_owned:
                message = members.last_owner_message(user=user, cooperatives=last_owned)
                self.message_user(request, message, messages.ERROR)
                protected = [*protected, *(
                    _("%(cooperative)s (cooperative): %(user)s is its last owner")
                    % {"cooperative": cooperative.name, "user": user}
                    for cooperative in last_owned
                )]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        members.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        # In the action's transaction (response_action): a refusal rolls back the others too.
        with transaction.atomic():
            for user in queryset.order_by("pk"):
                members.user_delete(user=user)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A membership changes role or ends; it never passes to another person.
            self.fields["user"].disabled = True


class MembershipInline(admin.TabularInline):
    """Saved by CooperativeAdmin.save_formset through the membership services."""

    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cooperative)
class CooperativeAdmin(ServiceRefusalsAsMessages, admin.ModelAdmin):
    list_display = ["name", "nik", "kind", "region", "status", "members_count", "last_rat_date",
                    "created_at"]
    list_filter = ["status", "kind", "region", "last_rat_date"]
    search_fields = ["name", "slug", "nik", "legal_number", "phone", "email"]
    list_select_related = ["region"]
    readonly_fields = ["status", "status_note", "status_changed_at", "status_changed_by",
                       "created_at", "updated_at"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]
    ordering = ["name"]
    actions = ["verify_selected", "suspend_selected"]

    @admin.action(description=_("Verify the selected cooperatives"))
    def verify_selected(self, request, queryset):
        self._decide(request, queryset, Cooperative.Status.VERIFIED)

    @admin.action(description=_("Suspend the selected cooperatives"))
    def suspend_selected(self, request, queryset):
        self._decide(request, queryset, Cooperative.Status.SUSPENDED)

    def _decide(self, request, queryset, decision):
        done = 0
        for cooperative in queryset:
            try:
                cooperatives.cooperative_verify(
                    actor=request.user, cooperative=cooperative, decision=decision
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{cooperative}: {error.message}", messages.ERROR)
        self.message_user(request, _("%d cooperatives updated.") % done, messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        cooperative = form.instance
        formset.save(commit=False)
        for membership in formset.new_objects:
            membership.save()
        # Promotions first, so that someone is owner before anyone stops being one.
        changed = sorted(
            (membership for membership, fields in formset.changed_objects if "role" in fields),
            key=lambda membership: membership.role != Membership.Role.OWNER,
        )
        for membership in changed:
            members.membership_role_set(actor=request.user, cooperative=cooperative,
                                         membership_pk=membership.pk, role=membership.role)
        for membership in formset.deleted_objects:
            members.membership_remove(actor=request.user, cooperative=cooperative,
                                       membership_pk=membership.pk)
        return None


@admin.register(Membership)
class MembershipAdmin(ServiceRefusalsAsMessages, admin.ModelAdmin):
    """Role changes and removals go through the services: a cooperative keeps an owner."""

    list_display = ["user", "cooperative", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "cooperative__name"]
    list_select_related = ["user", "cooperative"]
    autocomplete_fields = ["user", "cooperative"]
    actions = ["remove_selected"]

    def get_readonly_fields(self, request, obj=None):
        # A membership changes role or ends; it never moves to another person or cooperative.
        return ["user", "cooperative"] if obj is not None else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes rows without the last-owner rule
        return actions

    def save_model(self, request, obj, form, change):
        if change and "role" in form.changed_data:
            members.membership_role_set(actor=request.user, cooperative=obj.cooperative,
                                         membership_pk=obj.pk, role=obj.role)
        elif not change:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        members.membership_remove(actor=request.user, cooperative=obj.cooperative,
                                   membership_pk=obj.pk)

    @admin.action(description=_("Remove the selected memberships"), permissions=["delete"])
    def remove_selected(self, request, queryset):
        done = 0
        for membership in queryset.select_related("user", "cooperative").order_by("pk"):
            try:
                members.membership_remove(actor=request.user, cooperative=membership.cooperative,
                                           membership_pk=membership.pk)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{membership}: {error.message}", messages.ERROR)
        self.message_user(request, _("%d memberships removed.") % done, messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent, answered and cancelled through the services."""

    list_display = ["email", "cooperative", "role", "status", "invited_by", "created_at",
                    "expires_at", "answered_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "cooperative__name"]
    list_select_related = ["cooperative", "invited_by"]
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DinasOfficer)
class DinasOfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "title"]
    search_fields = ["user__email", "user__name", "title"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["regions"]


@admin.register(RatMeeting)
class RatMeetingAdmin(admin.ModelAdmin):
    list_display = ["cooperative", "held_on", "attendance", "members_total", "has_minutes"]
    list_filter = ["held_on"]
    search_fields = ["cooperative__name"]
    list_select_related = ["cooperative"]
    autocomplete_fields = ["cooperative"]
    date_hierarchy = "held_on"
    # The minutes are private and checked on upload (the RAT API): linked, never a form field.
    exclude = ["minutes"]
    readonly_fields = ["minutes_download"]

    @admin.display(description=_("minutes"), boolean=True)
    def has_minutes(self, meeting) -> bool:
        return bool(meeting.minutes)

    @admin.display(description=_("minutes"))
    def minutes_download(self, meeting):
        if not meeting.minutes:
            return "—"
        url = reverse("cooperative-rat-minutes", args=[meeting.cooperative.slug, meeting.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    # Recorded by the cooperative's owner or manager through rat_record, which also keeps
    # the cooperative's last RAT date; a row typed in here would skip that.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DailySales)
class DailySalesAdmin(ReadOnlyAdmin):
    """Read-only: the figures come from the sale and refund events alone (market.monitoring)."""

    list_display = ["day", "cooperative", "category", "orders", "items", "gross", "refunds",
                    "net"]
    list_filter = [("cooperative__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["cooperative__name"]
    list_select_related = ["cooperative", "category"]
    date_hierarchy = "day"
    ordering = ["-day", "cooperative__name", "pk"]
    show_full_result_count = False  # a row per day, cooperative and category adds up

    @admin.display(description=_("net (rupiah)"))
    def net(self, row: DailySales) -> int:
        return row.net


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    """Every notification sent or to send, per recipient and channel; failed ones retried here."""

    list_display = ["pk", "created_at", "kind", "channel", "recipient", "status", "attempts",
                    "sent_at", "source"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient__email", "source", "last_error"]
    list_select_related = ["recipient"]
    readonly_fields = [field.name for field in NotificationDelivery._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=NotificationDelivery.Status.FAILED)
                      .order_by("pk").values_list("pk", flat=True))
        for pk in failed:
            notifications.notification_retry(delivery_pk=pk)
        self.message_user(request, _("%d notifications sent again.") % len(failed),
                          messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "title", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__email", "title"]
    list_select_related = ["recipient"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
