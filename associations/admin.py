from django.contrib import admin

from associations.models import Association, AssociationUser, Membership
from core.admin import EventLogAdmin


class AssociationUserInline(admin.TabularInline):
    model = AssociationUser
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Association)
class AssociationAdmin(EventLogAdmin):
    list_display = ["name", "kind", "uscc", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "uscc"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["industries"]
    inlines = [AssociationUserInline]


@admin.register(Membership)
class MembershipAdmin(EventLogAdmin):
    list_display = ["enterprise", "association", "status", "member_number", "joined_on"]
    list_filter = ["status", "association"]
    search_fields = ["enterprise__name", "enterprise__uscc", "member_number"]
    autocomplete_fields = ["enterprise", "association"]
    readonly_fields = ["status"]  # status changes go through the workflow, which keeps history
