"""Offers: an enterprise posts and withdraws its own; its association's side sees them (to match
them with requests from a need's page) and may withdraw them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import ReasonForm
from supplies import access, selectors, services
from supplies.forms import OfferFilterForm, OfferForm
from supplies.views.common import PER_PAGE, no_enterprise, query_without_page


@action_required("offer.view")
def offer_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = OfferFilterForm(request.GET)
    offers = selectors.offer_list(user=user).select_related("delivery_region__parent")
    if form.is_valid():
        if form.cleaned_data["status"]:
            offers = offers.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["item"]:
            offers = offers.filter(item=form.cleaned_data["item"])
    page = Paginator(offers.order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for offer in page:
        offer.allowed_actions = access.allowed_actions(user, offer)
    return render(
        request,
        "supplies/offer_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "is_enterprise": scope_of(user).is_enterprise,
            "may_post": access.may_post_offer(user),
            "may_withdraw": can(user, "offer.withdraw"),
            "today": timezone.localdate(),
        },
    )


@action_required("offer.post")
def offer_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    title = _("Offer supplies to other members")
    if not user.enterprise_id:
        return no_enterprise(request, title)
    form = OfferForm(request.POST or None, enterprise=user.enterprise)
    if form.submitted(request) and form.call_service(
        services.offer_create, actor=user, **form.service_fields()
    ):
        messages.success(
            request, _("Your offer is posted; the association can match it with requests.")
        )
        return redirect("offer-list")
    return render(request, "supplies/offer_form.html", {"form": form, "title": title})


@require_POST
@action_required("offer.withdraw")
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(selectors.offer_list(user=request.user), pk=pk)
    form = ReasonForm(request.POST)
    if request.POST.get("confirm") != "yes":
        # A withdrawn offer cannot be reopened: the row's box says so and must be ticked.
        messages.error(
            request, _("Nothing was withdrawn: tick the box that says what withdrawing does.")
        )
        return redirect("offer-list")
    try:
        if not form.is_valid():
            raise DomainError(form.errors["reason"][0])
        services.offer_withdraw(
            actor=request.user, offer_id=offer.pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The offer is withdrawn; what is left of it is no longer matched.")
        )
    return redirect("offer-list")
