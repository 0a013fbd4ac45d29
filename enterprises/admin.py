from django.contrib import admin

from core.admin import EventLogAdmin
from enterprises.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(EventLogAdmin):
    list_display = ["name", "uscc", "region", "industry", "size", "employees"]
    list_filter = ["size", "ownership"]
    search_fields = ["name", "uscc"]
    autocomplete_fields = ["region", "industry"]
