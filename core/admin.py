from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.models import ApiToken, Event, Industry, Region, User
from core.tokens import token_revoke
from core.workflow import action_name, diff, record_event, snapshot


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "enterprise", "jurisdiction", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    autocomplete_fields = ["enterprise", "jurisdiction"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role in the portal"), {"fields": ["role", "enterprise", "jurisdiction", "phone"]}),
    )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]

    def has_change_permission(self, request, obj=None):
        return False  # reference data comes from the standard files only


@admin.register(Industry)
class IndustryAdmin(RegionAdmin):
    pass


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "action",
        "content_type",
        "object_id",
        "from_status",
        "to_status",
        "actor",
    ]
    list_filter = ["content_type", "action"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventLogAdmin(admin.ModelAdmin):
    """An admin for a domain record: an edit made here is in the record's history like any other
    (`<model>.created` / `<model>.updated` with the changed fields' old and new values). Deleting
    is left to the portal's workflows (ending a membership, retiring an item), which keep
    history; the admin may not delete."""

    def save_model(self, request, obj, form, change):
        stored_fields = {field.name for field in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in stored_fields]
        before = {}
        if change and fields:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            before = snapshot(stored, fields)
        super().save_model(request, obj, form, change)
        if not change:
            record_event(obj, action_name(obj, "created"), actor=request.user)
        elif fields and (changes := diff(before, obj)):
            record_event(obj, action_name(obj, "updated"), actor=request.user, changes=changes)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read only: tokens are made by their owners (the page /account/tokens/, the API), and only
    a key's hash is kept, never shown. Revoking goes through the service, with its event."""

    list_display = [
        "name",
        "user",
        "prefix",
        "access",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    list_filter = ["access", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    fields = [
        "user",
        "name",
        "prefix",
        "access",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        for pk in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            token_revoke(actor=request.user, token_id=pk)
