"""The Django admin for operators: a read-mostly fallback behind allauth sign-in and MFA.

Rows are read, not edited: every change that matters goes through a service so it is audited
(the actions below call them). Only active staff whose session passed the second factor get in
(`config/urls.py` sends the others to allauth's sign-in or to MFA enrolment).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from civicloop.core.mfa import session_passed_mfa
from civicloop.core.models import ApiKey, AuditEvent, Membership, Organization, Person
from civicloop.core.permissions import principal_for_person
from civicloop.core.services import apikey_revoke
from civicloop.people import services
from civicloop.people.models import Invitation


def staff_with_mfa(request: HttpRequest) -> bool:
    """May this request use the admin? Active staff whose session proved the second factor."""
    user = request.user
    return bool(
        user.is_active and user.is_staff and session_passed_mfa(request, user)  # type: ignore[arg-type]
    )


admin.site.has_permission = staff_with_mfa  # type: ignore[method-assign]
admin.site.site_header = "CivicLoop operators"
admin.site.site_title = "CivicLoop admin"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Everything visible, nothing editable or deletable in place."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_with_mfa(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return staff_with_mfa(request)


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "unit", "slug", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "slug")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("organization", "role", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("email", "full_name", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    exclude = ("password", "user_permissions", "groups")
    inlines = (MembershipInline,)
    actions = ("deactivate", "reactivate")

    # The admin runs an action only for someone with change permission; these call services.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and staff_with_mfa(request)

    def get_actions(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_actions(request) if request.user.is_superuser else {}

    @admin.action(description="Deactivate the selected people (audited)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        self._run(request, queryset, services.person_deactivate)

    @admin.action(description="Reactivate the selected people (audited)")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        self._run(request, queryset, services.person_reactivate)

    def _run(self, request: HttpRequest, queryset: QuerySet[Person], service: Any) -> None:
        actor = principal_for_person(request.user)  # type: ignore[arg-type]
        for person in queryset:
            try:
                service(actor=actor, person=person)
            except ValidationError as error:
                self.message_user(request, f"{person}: {' '.join(error.messages)}", messages.ERROR)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("person", "organization", "role", "created_at")
    list_filter = ("role", "organization__kind")
    search_fields = ("person__email", "organization__name")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "organization", "scope", "created_by", "revoked_at")
    list_filter = ("scope",)
    exclude = ("key_hash",)
    actions = ("revoke",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and staff_with_mfa(request)

    def get_actions(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_actions(request) if request.user.is_superuser else {}

    @admin.action(description="Revoke the selected keys (audited)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = principal_for_person(request.user)  # type: ignore[arg-type]
        for key in queryset:
            apikey_revoke(actor=actor, api_key=key)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "occurred_at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("action", "object_id")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at")
    exclude = ("token_hash",)
