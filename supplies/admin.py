from django.contrib import admin

from core.admin import EventLogAdmin
from supplies.models import Escalation, Match, Need, Placement, SupplyItem, SupplyOffer


@admin.register(SupplyItem)
class SupplyItemAdmin(EventLogAdmin):
    list_display = ["code", "name_zh", "name_en", "category", "unit", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Need)
class NeedAdmin(EventLogAdmin):
    list_display = ["id", "kind", "enterprise", "association", "status", "urgency", "needed_by"]
    list_filter = ["kind", "status", "urgency"]
    search_fields = ["enterprise__name", "description", "trade"]
    raw_id_fields = ["enterprise", "association", "item", "work_region", "created_by"]


@admin.register(SupplyOffer)
class SupplyOfferAdmin(EventLogAdmin):
    list_display = ["id", "item", "enterprise", "remaining_quantity", "quantity", "status"]
    list_filter = ["status"]
    raw_id_fields = ["enterprise", "association", "item", "delivery_region", "created_by"]


admin.site.register([Match, Placement, Escalation])
