from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import roles_of


def navigation(request):
    """The navigation bar of the signed-in user: only what their role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = roles_of(user)
    items = [(_("Home"), reverse("dashboard"))]
    if roles & {"staff", "manager", "official", "admin"}:
        items.append((_("Enterprises"), reverse("enterprise-list")))
    items.append((_("API documentation"), reverse("api-docs")))
    if "admin" in roles:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items}
