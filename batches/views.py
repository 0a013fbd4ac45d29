"""Pages of resumption batches and applications: staff open batches and review applications,
enterprise users apply and confirm that they resumed, staff and officials follow the progress."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from associations.selectors import my_association_list
from batches import selectors, services
from batches.forms import (
    ApplicationFilterForm,
    ApplicationFilterSet,
    ApplicationForm,
    BatchForm,
    ResumeForm,
)
from batches.models import Application, Batch
from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import ReasonForm
from core.models import Region, Role
from core.workflow import history_for

A = Application.Status


def _is_enterprise(user) -> bool:
    return user.role == Role.ENTERPRISE and not user.is_superuser


def _acts_for_associations(user) -> bool:
    """Staff (or an admin) who may act for at least one association."""
    return user.is_superuser or user.role == Role.ADMIN or bool(user.association_ids)


def _may_manage(user, batch: Batch) -> bool:
    return can(user, "batch.manage") and scope_of(user).works_for(batch.association_id)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- batches ------------------------------------------------------------------------------


@action_required("batch.view")
def batch_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    batches = selectors.batch_list(user=user).order_by("-opens_at", "-id")
    if not _is_enterprise(user):
        batches = batches.annotate(
            waiting=Count("applications", filter=Q(applications__status=A.SUBMITTED))
        )
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    if _is_enterprise(user):
        may_apply = {batch.pk for batch in selectors.open_batches_for(user=user)}
        mine = {
            application.batch_id: application
            for application in selectors.application_list(user=user).filter(
                status__in=Application.LIVE
            )
        }
        for batch in page:
            batch.may_apply = batch.pk in may_apply
            batch.my_application = mine.get(batch.pk)
    return render(
        request,
        "batches/batch_list.html",
        {
            "page": page,
            "is_enterprise": _is_enterprise(user),
            "may_create": can(user, "batch.manage") and _acts_for_associations(user),
        },
    )


def _batch_form_page(request: HttpRequest, form: BatchForm, title: str) -> HttpResponse:
    return render(request, "batches/batch_form.html", {"form": form, "title": title})


@action_required("batch.manage")
def batch_new(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, associations=my_association_list(user=request.user))
    if form.submitted(request):
        batch = form.call_service(
            services.batch_create,
            actor=request.user,
            association_id=form.cleaned_data["association"].pk,
            regions=form.cleaned_data["regions"],
            industries=form.cleaned_data["industries"],
            **form.service_fields(),
        )
        if batch:
            messages.success(
                request,
                _("The batch is saved as a draft. Open it when members may start applying."),
            )
            return redirect("batch-detail", pk=batch.pk)
    return _batch_form_page(request, form, _("New resumption batch"))


@action_required("batch.manage")
def batch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        selectors.batch_list(user=request.user).prefetch_related("regions", "industries"), pk=pk
    )
    if not scope_of(request.user).works_for(batch.association_id):
        raise PermissionDenied
    form = BatchForm(request.POST or None, batch=batch)
    if form.submitted(request) and form.call_service(
        services.batch_update,
        actor=request.user,
        batch_id=batch.pk,
        regions=form.cleaned_data["regions"],
        industries=form.cleaned_data["industries"],
        **form.service_fields(),
    ):
        messages.success(request, _("Saved."))
        return redirect("batch-detail", pk=batch.pk)
    return _batch_form_page(request, form, _("Edit %(name)s") % {"name": batch.name})


def _enterprise_view_of(request: HttpRequest, batch: Batch) -> dict:
    """What the batch page tells an enterprise user: their application, or whether they may
    apply and if not why."""
    user = request.user
    application = (
        selectors.application_list(user=user)
        .filter(batch=batch, status__in=Application.LIVE)
        .first()
    )
    reason = None
    if application is None and user.enterprise_id:
        reason = services.window_reason(batch) or services.ineligibility_reason(
            batch, user.enterprise
        )
    return {"my_application": application, "apply_refused": reason}


@action_required("batch.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        selectors.batch_list(user=request.user).prefetch_related("regions", "industries"), pk=pk
    )
    context = {
        "batch": batch,
        "history": history_for(batch),
        "mandatory": [str(Application.CHECKLIST[item]) for item in batch.mandatory_items],
        "may_manage": _may_manage(request.user, batch),
        "may_see_progress": can(request.user, "progress.view"),
        "is_enterprise": _is_enterprise(request.user),
    }
    if context["may_see_progress"]:
        context["totals"] = selectors.progress(batch=batch)["totals"]
        context["waiting"] = batch.applications.filter(status=A.SUBMITTED).count()
    if context["is_enterprise"]:
        context.update(_enterprise_view_of(request, batch))
    return render(request, "batches/batch_detail.html", context)


BATCH_TRANSITIONS = {
    "open": (services.batch_open, gettext_lazy("The batch is open: eligible members may apply.")),
    "close": (services.batch_close, gettext_lazy("The batch is closed to new applications.")),
    "complete": (services.batch_complete, gettext_lazy("The batch is completed.")),
}


@require_POST
@action_required("batch.manage")
def batch_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    if action not in BATCH_TRANSITIONS:
        raise Http404
    service, done = BATCH_TRANSITIONS[action]
    try:
        service(actor=request.user, batch_id=batch.pk, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(done))
    return redirect("batch-detail", pk=batch.pk)


# --- progress -----------------------------------------------------------------------------


def _percent(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


def _progress_context(request: HttpRequest, base: dict, **scope) -> dict:
    """The progress table of a batch or of an association's batches, by region (drilling down
    from provinces) or by industry section, with the links that keep `base` parameters."""
    by = "industry" if request.GET.get("by") == "industry" else "region"
    within = None
    code = request.GET.get("within", "").strip()
    if code:
        within = get_object_or_404(Region.objects.only("code", "path", "level"), code=code)
    figures = selectors.progress(by=by, within=within, **scope)

    def link(**params) -> str:
        return "?" + urlencode({**base, **{k: v for k, v in params.items() if v}})

    for row in [*figures["rows"], figures["totals"]]:
        row["percent"] = _percent(row["rate"])
        if row.get("drill"):
            row["drill_url"] = link(within=row["code"])
    crumbs = []
    if within is not None:
        codes = within.path.strip("/").split("/")
        ancestors = {region.code: region for region in Region.objects.filter(code__in=codes)}
        crumbs = [
            {"name": ancestors[c].name, "url": link(by=by if by == "industry" else "", within=c)}
            for c in codes
            if c in ancestors
        ]
    return {
        "figures": figures,
        "by": by,
        "within": within,
        "crumbs": crumbs,
        "top_url": link(by="industry" if by == "industry" else ""),
        "by_region_url": link(within=code),
        "by_industry_url": link(by="industry", within=code),
    }


@action_required("progress.view")
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    context = _progress_context(request, {}, batch=batch)
    context.update(batch=batch, title=_("Progress of %(name)s") % {"name": batch.name})
    return render(request, "batches/progress.html", context)


@action_required("progress.view")
def association_progress(request: HttpRequest) -> HttpResponse:
    associations = list(my_association_list(user=request.user).order_by("name"))
    chosen = request.GET.get("association", "")
    association = next((a for a in associations if str(a.pk) == chosen), None)
    if association is None and associations:
        association = associations[0]
    context: dict = {"associations": associations, "association": association}
    if association is not None:
        base = {"association": association.pk} if len(associations) > 1 else {}
        context.update(_progress_context(request, base, association_id=association.pk))
        context["batches"] = (
            selectors.batch_list(user=request.user)
            .filter(association=association)
            .order_by("-opens_at", "-id")[:20]
        )
        context["title"] = _("Resumption progress of %(name)s") % {"name": association.name}
    else:
        context["title"] = _("Resumption progress")
    return render(request, "batches/progress.html", context)


# --- applications -------------------------------------------------------------------------


@action_required("application.view")
def application_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    applications = selectors.with_overdue(
        selectors.application_list(user=user).select_related("enterprise__region__parent")
    )
    if _is_enterprise(user):
        page = Paginator(applications.order_by("-created_at", "-id"), 50).get_page(
            request.GET.get("page")
        )
        return render(request, "batches/my_applications.html", {"page": page})
    data = request.GET.copy()
    data.setdefault("status", A.SUBMITTED)  # the queue: what waits for a decision
    batches = selectors.batch_list(user=user).order_by("-opens_at", "-id")
    form = ApplicationFilterForm(data, batches=batches)
    filterset = ApplicationFilterSet(data, queryset=applications)
    shown = filterset.qs if filterset.is_valid() else applications.none()
    page = Paginator(shown.order_by("submitted_at", "id"), 50).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "batches/queue.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": query.urlencode(),
            "may_decide": can(user, "application.decide") and _acts_for_associations(user),
        },
    )


@require_POST
@action_required("application.decide")
def application_bulk_approve(request: HttpRequest) -> HttpResponse:
    back = _safe_next(request, reverse("application-list"))
    try:
        ids = sorted({int(value) for value in request.POST.getlist("ids")})
    except ValueError:
        ids = None
    if not ids:
        messages.error(request, _("Select the applications to approve."))
        return redirect(back)
    visible = selectors.application_list(user=request.user).filter(pk__in=ids).count()
    if visible != len(ids):
        # Out of scope looks the same as not there at all.
        messages.error(request, _("Some of the selected applications do not exist."))
        return redirect(back)
    try:
        approved = services.application_bulk_approve(actor=request.user, application_ids=ids)
    except DomainError as error:
        messages.error(request, _("Nothing was approved. %(reason)s") % {"reason": error.message})
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d application approved.",
                "%(count)d applications approved.",
                len(approved),
            )
            % {"count": len(approved)},
        )
    return redirect(back)


def _checklist(application: Application) -> list[dict]:
    mandatory = set(application.batch.mandatory_items or [])
    notes = application.checklist_notes or {}
    return [
        {
            "label": label,
            "value": getattr(application, item),
            "yes_no": isinstance(getattr(application, item), bool),
            "note": notes.get(item, ""),
            "mandatory": item in mandatory,
        }
        for item, label in Application.CHECKLIST.items()
    ]


@action_required("application.view")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    application = get_object_or_404(
        selectors.with_overdue(
            selectors.application_list(user=user).select_related("enterprise__region__parent")
        ),
        pk=pk,
    )
    own = _is_enterprise(user) and user.enterprise_id == application.enterprise_id
    status = application.status
    return render(
        request,
        "batches/application_detail.html",
        {
            "application": application,
            "batch": application.batch,
            "checklist": _checklist(application),
            "history": history_for(application),
            "may_edit": own and status in (A.DRAFT, A.RETURNED),
            "may_withdraw": own and status in (A.DRAFT, A.SUBMITTED, A.RETURNED),
            "may_resume": own and status == A.APPROVED,
            "may_decide": status == A.SUBMITTED
            and can(user, "application.decide")
            and scope_of(user).works_for(application.batch.association_id),
            "reason_form": ReasonForm(),
            "resume_form": ResumeForm(),
        },
    )


def _application_form_page(request, form, batch, application=None) -> HttpResponse:
    return render(
        request,
        "batches/application_form.html",
        {"form": form, "batch": batch, "application": application},
    )


def _submit_after_saving(request: HttpRequest, application: Application) -> HttpResponse:
    """Submit a just-saved application; if the batch refuses it, it stays a draft and the
    person sees why on the form."""
    try:
        services.application_submit(actor=request.user, application_id=application.pk)
    except DomainError as error:
        messages.error(
            request,
            _("Saved, but not submitted: %(reason)s") % {"reason": error.message},
        )
        return redirect("application-edit", pk=application.pk)
    messages.success(request, _("Your application is submitted; the association will review it."))
    return redirect("application-detail", pk=application.pk)


@action_required("application.apply")
def application_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    batch = get_object_or_404(selectors.batch_list(user=user), pk=pk)
    existing = (
        selectors.application_list(user=user)
        .filter(batch=batch, status__in=Application.LIVE)
        .first()
    )
    if existing is not None:
        messages.info(request, _("Your enterprise already has an application in this batch."))
        return redirect("application-detail", pk=existing.pk)
    refused = services.window_reason(batch)
    if refused is None and user.enterprise_id:
        refused = services.ineligibility_reason(batch, user.enterprise)
    if refused is None and not user.enterprise_id:
        refused = _("Register or claim your enterprise first; then it can apply.")
    if refused:
        return render(request, "batches/apply_refused.html", {"batch": batch, "reason": refused})
    form = ApplicationForm(request.POST or None, batch=batch)
    if form.submitted(request):
        application = form.call_service(
            services.application_create, actor=user, batch_id=batch.pk, **form.service_fields()
        )
        if application:
            if "submit" in request.POST:
                return _submit_after_saving(request, application)
            messages.success(request, _("Saved as a draft. Submit it when it is complete."))
            return redirect("application-detail", pk=application.pk)
    return _application_form_page(request, form, batch)


@action_required("application.apply")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    if application.status not in (A.DRAFT, A.RETURNED):
        messages.error(
            request,
            _("This application cannot be changed while it is “%(status)s”.")
            % {"status": application.get_status_display()},
        )
        return redirect("application-detail", pk=application.pk)
    form = ApplicationForm(request.POST or None, instance=application, batch=application.batch)
    if form.submitted(request) and form.call_service(
        services.application_update,
        actor=request.user,
        application_id=application.pk,
        **form.service_fields(),
    ):
        if "submit" in request.POST:
            return _submit_after_saving(request, application)
        messages.success(request, _("Saved."))
        return redirect("application-detail", pk=application.pk)
    return _application_form_page(request, form, application.batch, application)


def _resume(request: HttpRequest, application: Application) -> None:
    form = ResumeForm(request.POST)
    if not form.is_valid():
        problems = [
            f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
        ]
        raise DomainError(" ".join(problems))
    services.application_resume(
        actor=request.user, application_id=application.pk, **form.cleaned_data
    )


def _with_reason(service):
    def perform(request: HttpRequest, application: Application) -> None:
        reason = request.POST.get("reason", "")
        service(actor=request.user, application_id=application.pk, reason=reason)

    return perform


def _submit(request: HttpRequest, application: Application) -> None:
    services.application_submit(actor=request.user, application_id=application.pk)


# action: (the permission it needs, what it does, what the person is told when it is done)
APPLICATION_ACTIONS = {
    "submit": (
        "application.apply",
        _submit,
        gettext_lazy("Your application is submitted; the association will review it."),
    ),
    "withdraw": (
        "application.apply",
        _with_reason(services.application_withdraw),
        gettext_lazy("Your application is withdrawn."),
    ),
    "resume": (
        "application.apply",
        _resume,
        gettext_lazy("Thank you: your enterprise is recorded as resumed."),
    ),
    "approve": (
        "application.decide",
        _with_reason(services.application_approve),
        gettext_lazy("The application is approved; the enterprise is told."),
    ),
    "reject": (
        "application.decide",
        _with_reason(services.application_reject),
        gettext_lazy("The application is rejected; the enterprise is told why."),
    ),
    "return": (
        "application.decide",
        _with_reason(services.application_return),
        gettext_lazy("The application is returned for revision; the enterprise is told why."),
    ),
}


@require_POST
@action_required("application.view")
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    if action not in APPLICATION_ACTIONS:
        raise Http404
    permission, perform, done = APPLICATION_ACTIONS[action]
    if not can(request.user, permission):
        raise PermissionDenied
    try:
        perform(request, application)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(done))
    return redirect(_safe_next(request, reverse("application-detail", args=[application.pk])))
