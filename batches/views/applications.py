"""Pages of applications: enterprise users apply, revise, submit, withdraw and confirm that they
resumed; staff review the queue and decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from batches import access, selectors, services
from batches.forms import ApplicationFilterForm, ApplicationFilterSet, ApplicationForm, ResumeForm
from batches.models import Application
from batches.views.common import safe_next
from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import ReasonForm
from core.keyset import page_for, query_without_cursor
from core.workflow import history_for

A = Application.Status
QUEUE_PER_PAGE = 50


@action_required("application.view")
def application_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    applications = selectors.with_overdue(
        selectors.application_list(user=user).select_related("enterprise__region__parent")
    )
    if scope_of(user).is_enterprise:
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
    # Oldest handed in first, page after page from where the last one stopped (core.keyset).
    page = page_for(
        request, shown, order=("submitted_at", "id"), per_page=QUEUE_PER_PAGE, salt="review"
    )
    for application in page:
        application.allowed_actions = access.application_actions(user, application)
        # Flagged to the reviewer: the counted items short of the batch's minimum.
        application.short_items = [
            str(Application.CHECKLIST[item])
            for item in Application.COUNTED
            if services.below_minimum(application, item)
        ]
    return render(
        request,
        "batches/queue.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": query_without_cursor(request),
            "may_decide": access.may_decide_any(user),
        },
    )


@require_POST
@action_required("application.decide")
def application_bulk_approve(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("application-list"))
    try:
        ids = sorted({int(value) for value in request.POST.getlist("ids")})
    except ValueError:
        ids = None
    if not ids:
        messages.error(request, _("Select the applications to approve."))
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Nothing was approved: tick the box that says approving cannot be undone."),
        )
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
            "minimum": (application.batch.checklist_minimums or {}).get(item),
            "below_minimum": services.below_minimum(application, item),
        }
        for item, label in Application.CHECKLIST.items()
    ]


def _visible_application(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        selectors.with_overdue(
            selectors.application_list(user=request.user).select_related(
                "enterprise__region__parent"
            )
        ),
        pk=pk,
    )


@action_required("application.view")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible_application(request, pk))


def _detail_page(request: HttpRequest, application: Application, *, action="", form=None):
    """The application's page; after a refused action, that action's form as it was sent, its
    errors at their fields, so that a reason typed is not lost."""
    user = request.user
    allowed_actions = access.application_actions(user, application)
    return render(
        request,
        "batches/application_detail.html",
        {
            "application": application,
            "batch": application.batch,
            "checklist": _checklist(application),
            "history": history_for(application),
            "allowed_actions": allowed_actions,
            # The applicant's next step, with its buttons, when there is one.
            "applicant_steps": bool({"edit", "withdraw", "resume"} & set(allowed_actions)),
            "decides": bool(set(access.DECISIONS) & set(allowed_actions)),
            "reason_form": form if action and action != "resume" else ReasonForm(),
            "resume_form": form if action == "resume" else ResumeForm(),
            "failed_action": action,
        },
        status=400 if action else 200,
    )


def _application_form_page(request, form, batch, application=None) -> HttpResponse:
    return render(
        request,
        "batches/application_form.html",
        {"form": form, "batch": batch, "application": application},
    )


def _submit_after_saving(request: HttpRequest, application: Application, form) -> HttpResponse:
    """Submit a just-saved application; if the batch refuses it, it stays a draft and the
    form comes back as it was sent, each item the batch asks for marked at its field (the form
    then saves to the draft, also when it was a new application)."""
    try:
        services.application_submit(actor=request.user, application_id=application.pk)
    except DomainError as error:
        form.add_error(None, _("Saved, but not submitted: %(reason)s") % {"reason": error.message})
        for field, problems in error.fields.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _application_form_page(request, form, application.batch, application)
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
                return _submit_after_saving(request, application, form)
            messages.success(request, _("Saved as a draft. Submit it when it is complete."))
            return redirect("application-detail", pk=application.pk)
    return _application_form_page(request, form, batch)


@action_required("application.apply")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    if not access.application_editable(application):
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
            return _submit_after_saving(request, application, form)
        messages.success(request, _("Saved."))
        return redirect("application-detail", pk=application.pk)
    return _application_form_page(request, form, application.batch, application)


def _resume(request: HttpRequest, application: Application, form) -> None:
    services.application_resume(
        actor=request.user, application_id=application.pk, **form.cleaned_data
    )


def _with_reason(service):
    def perform(request: HttpRequest, application: Application, form) -> None:
        reason = form.cleaned_data["reason"]
        service(actor=request.user, application_id=application.pk, reason=reason)

    return perform


def _submit(request: HttpRequest, application: Application, form) -> None:
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


# Decisions that cannot be undone go through only with the box beside their button ticked,
# which says what will happen (the page's forms require it; this refuses a request without it).
FINAL_ACTIONS = {
    "reject": gettext_lazy(
        "Tick the box to confirm the rejection: it is final, the enterprise cannot revise it."
    ),
    "withdraw": gettext_lazy(
        "Tick the box to confirm: a withdrawn application cannot be submitted again."
    ),
}


@require_POST
@action_required("application.view")
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = _visible_application(request, pk)
    if action not in APPLICATION_ACTIONS:
        raise Http404
    permission, perform, done = APPLICATION_ACTIONS[action]
    if not can(request.user, permission):
        raise PermissionDenied
    form = (ResumeForm if action == "resume" else ReasonForm)(request.POST)
    if not form.is_valid():
        return _detail_page(request, application, action=action, form=form)
    if action in FINAL_ACTIONS and request.POST.get("confirm") != "yes":
        form.add_error(None, str(FINAL_ACTIONS[action]))
        return _detail_page(request, application, action=action, form=form)
    try:
        perform(request, application, form)
    except DomainError as error:
        at_fields = {name: found for name, found in error.fields.items() if name in form.fields}
        if not at_fields or request.POST.get("next"):
            # Not what was typed but the application's state (someone decided first, an item
            # the batch asks for is missing), or sent from the queue: the reason goes in the
            # banner.
            messages.error(request, error.message)
            return redirect(
                safe_next(request, reverse("application-detail", args=[application.pk]))
            )
        for field, problems in at_fields.items():
            for problem in problems:
                form.add_error(field, problem)
        return _detail_page(request, application, action=action, form=form)
    else:
        messages.success(request, str(done))
        if action in DECISIONS and not request.POST.get("next"):
            following = _next_waiting(request.user, application)
            if following is not None:
                messages.info(
                    request,
                    _("Next in the queue: %(enterprise)s.")
                    % {"enterprise": following.enterprise.name},
                )
                return redirect("application-detail", pk=following.pk)
    return redirect(safe_next(request, reverse("application-detail", args=[application.pk])))


DECISIONS = ("approve", "return", "reject")


def _next_waiting(user, decided: Application) -> Application | None:
    """After a decision, the reviewer goes on with the application that has waited longest
    (the queue's order), one they may decide; none when the queue is empty."""
    waiting = (
        selectors.application_list(user=user)
        .filter(status=A.SUBMITTED)
        .exclude(pk=decided.pk)
        .select_related("enterprise")
        .order_by("submitted_at", "id")
    )
    for candidate in waiting[:20]:
        if "approve" in access.application_actions(user, candidate):
            return candidate
    return None
