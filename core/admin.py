from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.models import Event, Industry, Region, User


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
