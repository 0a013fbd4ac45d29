import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from associations.models import Membership
from associations.selectors import my_association_list
from associations.services import membership_request
from core.access import action_required
from core.errors import DomainError
from core.validators import display_phone
from enterprises import imports, services
from enterprises.filters import search_enterprises
from enterprises.forms import (
    AddExistingMemberForm,
    ClaimForm,
    EnterpriseForm,
    ImportForm,
    JoinForm,
    NewMemberForm,
    ReasonForm,
    RegisterEnterpriseForm,
)
from enterprises.models import ImportJob
from enterprises.selectors import (
    claim_list,
    enterprise_list,
    import_job_list,
    may_see_contact_details,
)


@action_required("enterprise.view")
def enterprise_list_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    enterprises = search_enterprises(enterprise_list(user=request.user), "", query)
    page = Paginator(enterprises.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "enterprises/list.html", {"page": page, "q": query})


@action_required("enterprise.view")
def enterprise_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprise_list(user=request.user), pk=pk)
    memberships = Membership.objects.filter(enterprise=enterprise).select_related("association")
    if request.user.association_ids:
        # Staff see their own associations' side of a shared member, not the others'.
        memberships = memberships.filter(association_id__in=request.user.association_ids)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "phone": display_phone(enterprise.contact_phone),
            "memberships": memberships,
            "show_contact": may_see_contact_details(request.user),
            "may_edit": services.may_edit(request.user, enterprise),
        },
    )


@action_required("enterprise.edit")
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(enterprise_list(user=request.user), pk=pk)
    if not services.may_edit(request.user, enterprise):
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


@action_required("member.add")
def member_new(request: HttpRequest) -> HttpResponse:
    """Staff register a new enterprise as a member, or add one already registered."""
    associations = my_association_list(user=request.user)
    posted = request.POST.get("form")
    new_form = NewMemberForm(request.POST if posted == "new" else None, associations=associations)
    existing_form = AddExistingMemberForm(
        request.POST if posted == "existing" else None, associations=associations
    )
    if new_form.is_bound and new_form.submitted(request):
        enterprise = new_form.call_service(
            services.enterprise_create_member,
            actor=request.user,
            association_id=new_form.cleaned_data["association"].pk,
            member_number=new_form.cleaned_data["member_number"],
            **new_form.service_fields(),
        )
        if enterprise:
            messages.success(request, _("%(name)s is now a member.") % {"name": enterprise.name})
            return redirect("enterprise-detail", pk=enterprise.pk)
    if existing_form.is_bound and existing_form.submitted(request):
        membership = existing_form.call_service(
            services.member_add_registered,
            actor=request.user,
            association_id=existing_form.cleaned_data["association"].pk,
            uscc=existing_form.cleaned_data["uscc"],
            member_number=existing_form.cleaned_data["member_number"],
        )
        if membership:
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.enterprise.name}
            )
            return redirect("membership-detail", pk=membership.pk)
    return render(
        request,
        "enterprises/member_new.html",
        {"new_form": new_form, "existing_form": existing_form},
    )


@action_required("enterprise.claim")
def enterprise_register(request: HttpRequest) -> HttpResponse:
    """An enterprise user registers their enterprise (and may ask to join an association)."""
    if request.user.enterprise_id:
        return redirect("enterprise-detail", pk=request.user.enterprise_id)
    form = RegisterEnterpriseForm(request.POST or None)
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
    return render(request, "form_page.html", {"form": form, "title": _("Join an association")})


@action_required("claim.view")
def claim_list_page(request: HttpRequest) -> HttpResponse:
    claims = claim_list(user=request.user).order_by("status", "-created_at")
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    return render(request, "enterprises/claims.html", {"page": page, "form": ReasonForm()})


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
        messages.error(request, error.message)
    except PermissionDenied:
        messages.error(request, _("You may not decide this claim."))
    return redirect("claim-list")


# --- import -------------------------------------------------------------------------------


@action_required("enterprise.import")
def member_import(request: HttpRequest) -> HttpResponse:
    associations = my_association_list(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, associations=associations)
    refused = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            imports.check_size(uploaded.size)
            job = imports.start_import(
                actor=request.user,
                association_id=form.cleaned_data["association"].pk,
                file_name=uploaded.name,
                content=uploaded.read(),
            )
        except imports.ImportRefused as error:
            refused = error
        else:
            return redirect("member-import-job", pk=job.pk)
    jobs = import_job_list(user=request.user).select_related("created_by")[:10]
    return render(
        request,
        "enterprises/import.html",
        {"form": form, "refused": refused, "jobs": jobs},
    )


@action_required("enterprise.import")
def member_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(import_job_list(user=request.user), pk=pk)
    errors = [error for error in job.errors if error.get("row") is not None]
    summary = next((error["message"] for error in job.errors if error.get("row") is None), "")
    return render(
        request,
        "enterprises/import_job.html",
        {
            "job": job,
            "errors": errors,
            "summary": summary,
            "processed": imports.live_processed_rows(job),
            "finished": job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
        },
    )


@action_required("enterprise.import")
def member_import_template(request: HttpRequest, extension: str) -> HttpResponse:
    """The import template: the header (English or Chinese, as the page language) and one
    example row."""
    chinese = request.GET.get("lang", "zh") != "en"
    by_key = {key: title for title, key in imports.CHINESE_HEADERS.items()}
    keys = list(imports.REQUIRED) + list(imports.OPTIONAL)
    header = [by_key[key] if chinese else key for key in keys]
    example = [imports.TEMPLATE_EXAMPLE[key] for key in keys]
    if extension == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "members"
        sheet.append(header)
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerow(example)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="member-import-template.{extension}"'
    return response
