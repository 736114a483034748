from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from market import services
from market.errors import DomainError
from market.models import (
    Cooperative,
    DinasOfficer,
    Invitation,
    Membership,
    RatMeeting,
    Region,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "phone", "is_staff", "is_superuser", "is_active",
                    "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "phone"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
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
                services.cooperative_verify(
                    actor=request.user, cooperative=cooperative, decision=decision
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{cooperative}: {error.message}", messages.ERROR)
        self.message_user(request, _("%d cooperatives updated.") % done, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cooperative", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "cooperative__name"]
    list_select_related = ["user", "cooperative"]
    autocomplete_fields = ["user", "cooperative"]


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
    list_display = ["cooperative", "held_on", "attendance", "members_total"]
    list_filter = ["held_on"]
    search_fields = ["cooperative__name"]
    list_select_related = ["cooperative"]
    autocomplete_fields = ["cooperative"]
    date_hierarchy = "held_on"
