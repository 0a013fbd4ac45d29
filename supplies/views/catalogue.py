"""The supply catalogue: everyone reads it; the staff side adds items for their association and
edits those it keeps, administrators the platform's own."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.access import action_required, can
from supplies import access, selectors, services
from supplies.forms import SupplyItemForm
from supplies.models import SupplyItem


@action_required("supply_item.view")
def item_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_manage = can(user, "supply_item.manage")
    items = selectors.item_list(user=user, active_only=not may_manage)
    category = request.GET.get("category", "")
    if category not in SupplyItem.Category.values:
        category = ""
    if category:
        items = items.filter(category=category)
    items = list(items.order_by("category", "code"))
    for item in items:
        item.allowed_actions = access.allowed_actions(user, item)
    return render(
        request,
        "supplies/item_list.html",
        {
            "items": items,
            "may_manage": may_manage,
            "category": category,
            "categories": SupplyItem.Category.choices,
        },
    )


@action_required("supply_item.manage")
def item_new(request: HttpRequest) -> HttpResponse:
    form = SupplyItemForm(request.POST or None)
    if form.submitted(request) and form.call_service(
        services.item_create, actor=request.user, **form.service_fields()
    ):
        messages.success(request, _("The item is added to the catalogue."))
        return redirect("supply-item-list")
    return render(
        request, "supplies/item_form.html", {"form": form, "title": _("New catalogue item")}
    )


@action_required("supply_item.manage")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.item_list(user=request.user), pk=pk)
    if not access.may_edit_item(request.user, item):
        raise PermissionDenied  # the platform's items, or another association's
    form = SupplyItemForm(request.POST or None, instance=item)
    if form.submitted(request) and form.call_service(
        services.item_update, actor=request.user, item_id=item.pk, **form.service_fields()
    ):
        messages.success(request, _("Saved."))
        return redirect("supply-item-list")
    return render(
        request,
        "supplies/item_form.html",
        {"form": form, "item": item, "title": _("Edit %(name)s") % {"name": item.name}},
    )
