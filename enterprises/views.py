"""Enterprise pages: the list, an enterprise with its memberships and history, editing it;
an enterprise user registering, claiming or asking to join; staff deciding claims."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from associations.selectors import membership_list
from associations.services import membership_request
from core.access import action_required
from core.errors import DomainError
from core.keyset import page_for, query_without_cursor
from core.panels import panels_for
from core.validators import display_phone
from enterprises import access, services
from enterprises.filters import search_enterprises
from enterprises.forms import (
    ClaimForm,
    EnterpriseForm,
    JoinForm,
    ReasonForm,
    RegisterEnterpriseForm,
)
from enterprises.selectors import claim_list, enterprise_history, enterprise_list


@action_required("enterprise.view")
def enterprise_list_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    enterprises = search_enterprises(enterprise_list(user=request.user), "", query)
    # By name, page after page from the enterprise_name index (core.keyset): a province's
    # directory holds tens of thousands.
    page = page_for(request, enterprises, order=("name", "id"), per_page=50, salt="directory")
    return render(
        request,
        "enterprises/list.html",
        {"page": page, "q": query, "query": query_without_cursor(request)},
    )


@action_required("enterprise.view")
def enterprise_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprise_list(user=request.user), pk=pk)
    # Staff see their own associations' side of a shared member, not the others'.
    memberships = membership_list(user=request.user).filter(enterprise=enterprise)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "phone": display_phone(enterprise.contact_phone),
            "memberships": memberships,
            "show_contact": access.may_see_contact_details(request.user),
            "allowed_actions": access.enterprise_actions(request.user, enterprise),
            "history": enterprise_history(user=request.user, enterprise=enterprise),
            # what the apps higher up show on a member's page (complaints, service requests…)
            "panels": panels_for("enterprise", request, enterprise),
        },
    )


@action_required("enterprise.edit")
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprise_list(user=request.user), pk=pk)
    if not access.may_edit(request.user, enterprise):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, instance=enterprise)
    if form.submitted(request) and form.call_service(
        services.enterprise_update,
        actor=request.user,
        enterprise_id=enterprise.pk,
        **form.service_fields(),
    ):
        messages.success(request, _("Saved."))
        return redirect("enterprise-detail", pk=enterprise.pk)
    title = _("Edit %(name)s") % {"name": enterprise.name}
    return render(request, "form_page.html", {"form": form, "title": title})


@action_required("enterprise.claim")
def enterprise_register(request: HttpRequest) -> HttpResponse:
    """An enterprise user registers their enterprise (and may ask to join an association)."""
    if request.user.enterprise_id:
        return redirect("enterprise-detail", pk=request.user.enterprise_id)
    # Who signed up is, most often, the person the association will call.
    contact = {
        "contact_name": request.user.first_name,
        "contact_phone": display_phone(request.user.phone),
    }
    form = RegisterEnterpriseForm(request.POST or None, initial=contact)
    if form.submitted(request):
        association = form.cleaned_data.get("association")
        enterprise = form.call_service(
            services.enterprise_register,
            actor=request.user,
            association_id=association.pk if association else None,
            **form.service_fields(),
        )
        if enterprise:
            messages.success(request, _("Your enterprise is registered."))
            return redirect("enterprise-detail", pk=enterprise.pk)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("Register your enterprise"),
            "submit_label": _("Register"),
            "intro": _(
                "Already registered by an association? Claim it instead of registering it twice."
            ),
            "intro_link": ("enterprise-claim", _("Claim an existing enterprise")),
        },
    )


@action_required("enterprise.claim")
def enterprise_claim(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST or None)
    if form.submitted(request) and form.call_service(
        services.claim_request, actor=request.user, **form.cleaned_data
    ):
        messages.success(
            request,
            _(
                "Your claim is sent; association staff will check it and you will see the "
                "enterprise here once they approve."
            ),
        )
        return redirect("dashboard")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("Claim an existing enterprise"),
            "submit_label": _("Send the claim"),
            "intro": _(
                "If your enterprise is already registered (for example imported by an "
                "association), ask to act for it. Staff of an association it belongs to decide."
            ),
        },
    )


@action_required("membership.request")
def enterprise_join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if form.submitted(request) and form.call_service(
        membership_request,
        actor=request.user,
        association_id=form.cleaned_data["association"].pk,
        note=form.cleaned_data["note"],
    ):
        messages.success(request, _("Your request is sent; staff will decide."))
        return redirect("dashboard")
    return render(
        request,
        "form_page.html",
        {"form": form, "title": _("Join an association"), "submit_label": _("Ask to join")},
    )


@action_required("claim.view")
def claim_list_page(request: HttpRequest) -> HttpResponse:
    return _claims_page(request)


def _claims_page(request: HttpRequest, failed=None, form=None) -> HttpResponse:
    """The claims; after a refused rejection, its row with the reason as typed and the error
    beside it."""
    claims = claim_list(user=request.user).order_by("status", "-created_at")
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    for claim in page:
        claim.allowed_actions = access.claim_actions(request.user, claim)
    context = {"page": page, "form": form or ReasonForm(), "failed_claim": failed}
    return render(request, "enterprises/claims.html", context, status=400 if failed else 200)


@require_POST
@action_required("claim.decide")
def claim_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    claim = get_object_or_404(claim_list(user=request.user), pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        if decision == "approve":
            services.claim_approve(actor=request.user, claim_id=claim.pk)
            messages.success(request, _("The claim is approved."))
        elif decision == "reject":
            services.claim_reject(
                actor=request.user, claim_id=claim.pk, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("The claim is rejected."))
    except DomainError as error:
        if "reason" not in error.fields:  # the claim's state, not what was typed
            messages.error(request, error.message)
            return redirect("claim-list")
        for problem in error.fields["reason"]:
            form.add_error("reason", problem)
        return _claims_page(request, failed=claim.pk, form=form)
    except PermissionDenied:
        messages.error(request, _("You may not decide this claim."))
    return redirect("claim-list")
