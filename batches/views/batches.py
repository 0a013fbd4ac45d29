"""Pages of resumption batches: staff create, edit, open, close and complete them; enterprise
users see the batches of their associations and whether they may apply."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from associations.selectors import my_association_list
from batches import access, selectors, services
from batches.figures import RESUMED_OF_ELIGIBLE, progress
from batches.forms import BatchForm
from batches.models import Application, Batch
from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.workflow import history_for

A = Application.Status


@action_required("batch.view")
def batch_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_enterprise = scope_of(user).is_enterprise
    batches = selectors.batch_list(user=user).order_by("-opens_at", "-id")
    if not is_enterprise:
        batches = batches.annotate(
            waiting=Count("applications", filter=Q(applications__status=A.SUBMITTED))
        )
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    if is_enterprise:
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
            "is_enterprise": is_enterprise,
            "may_create": access.may_create_batch(user),
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
    if not access.may_manage(request.user, batch):
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
        "allowed_actions": access.batch_actions(request.user, batch),
        "may_see_progress": can(request.user, "progress.view"),
        "is_enterprise": scope_of(request.user).is_enterprise,
    }
    if context["may_see_progress"]:
        context["totals"] = progress(batch=batch)["totals"]
        context["rate_label"] = RESUMED_OF_ELIGIBLE.label
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
