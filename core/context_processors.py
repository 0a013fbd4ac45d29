from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import can


def navigation(request):
    """The navigation bar of the signed-in user: only what their role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("Home"), reverse("dashboard"))]
    if can(user, "member.list"):
        items.append((_("Members"), reverse("member-list")))
    if can(user, "enterprise.import") and user.association_ids:
        items.append((_("Import"), reverse("member-import")))
    if can(user, "claim.decide"):
        items.append((_("Claims"), reverse("claim-list")))
    if user.role in ("official",) or user.is_superuser:
        items.append((_("Enterprises"), reverse("enterprise-list")))
    if user.role == "enterprise" and user.enterprise_id:
        items.append((_("My enterprise"), reverse("enterprise-detail", args=[user.enterprise_id])))
    items.append((_("API documentation"), reverse("api:api-docs")))
    if user.is_superuser:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items}
