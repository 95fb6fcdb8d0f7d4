"""The admin for support staff and the head. Business changes go through the team page (and
its services), so the admin shows people's role and state but does not change them: a
dismissal there would skip the hand-over."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from khata.team.models import Absence, ApiToken, Appointment, TeamSettings, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["name", "role", "time_zone"],
                    "description": "Appoint, dismiss and change roles on the Team page: "
                                   "a dismissal there hands the portfolio over."}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "name", "role", "password1", "password2"]})]

    # Rights change on the Team page only, where every change is recorded.
    readonly_fields = ["role", "is_active", "is_staff", "is_superuser", "last_login",
                       "date_joined"]

    def has_add_permission(self, request):
        return False  # appoint on the Team page: it records who appointed whom


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "starts_at", "ends_at", "reason", "substitute", "created_by"]
    list_select_related = ["user", "substitute", "created_by"]
    list_filter = ["reason"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "by", "at"]
    list_select_related = ["user", "by"]
    list_filter = ["kind"]


@admin.register(TeamSettings)
class TeamSettingsAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "managers_read_all", "updated_at"]
