"""Pages of relief: schemes with their ledger, a scheme's eligible enterprises and the batches
proposed from them, a manager's decisions, revocations, the ledger as CSV or Excel, and an
enterprise's own relief."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import action_required, scope_of
from core.downloads import ascii_file_name, csv_download, file_name, xlsx_download
from core.errors import DomainError
from core.replica import replica_reads
from relief import access, selectors, services
from relief.forms_schemes import BatchDecisionForm, SchemeForm
from relief.models import ReliefGrant, ReliefGrantBatch

PER_PAGE = 50


def _totals(rows: list[dict]) -> dict[str, Decimal]:
    zero = Decimal("0.00")
    return {
        key: sum((row[key] for row in rows), zero)
        for key in ("budget", "granted", "revoked", "remaining")
    }


@action_required("relief.view")
def scheme_list(request: HttpRequest) -> HttpResponse:
    """The association's side: its schemes with the ledger. An enterprise user: its relief."""
    user = request.user
    if scope_of(user).is_enterprise:
        return redirect("relief-mine")
    rows = selectors.ledger(selectors.schemes_for(user))
    waiting = selectors.batches_for(user).filter(status=ReliefGrantBatch.Status.PROPOSED)
    return render(
        request,
        "relief/scheme_list.html",
        {
            "rows": rows,
            "totals": _totals(rows),
            "waiting": waiting.order_by("created_at")[:50],
            "keeps": bool(scope_of(user).association_ids),
        },
    )


@action_required("relief.view")
def my_relief(request: HttpRequest) -> HttpResponse:
    grants = selectors.grants_for(request.user).order_by("-id")
    granted = sum(
        (g.amount for g in grants if g.status == ReliefGrant.Status.GRANTED), Decimal("0.00")
    )
    return render(request, "relief/relief_mine.html", {"grants": grants, "granted": granted})


def _scheme_values(form: SchemeForm) -> dict:
    data = dict(form.cleaned_data)
    data["regions"] = [region.code for region in data["regions"]]
    return data


@action_required("relief.manage")
def scheme_new(request: HttpRequest) -> HttpResponse:
    ids = sorted(scope_of(request.user).association_ids)
    if not ids:
        raise PermissionDenied
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = form.call_service(
            services.scheme_create,
            actor=request.user,
            association_id=ids[0],
            **_scheme_values(form),
        )
        if created is not None:
            messages.success(request, _("The scheme is saved; propose grants from its page."))
            return redirect("relief-scheme-detail", pk=created.pk)
    return render(
        request, "relief/scheme_form.html", {"form": form, "title": _("Add a relief scheme")}
    )


@action_required("relief.manage")
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=pk)
    if not access.may_manage(request.user, scheme.association_id):
        raise Http404
    initial = {
        "name": scheme.name,
        "kind": scheme.kind,
        "grades": scheme.grades,
        "sizes": scheme.sizes,
        "regions": "、".join(r.code for r in scheme.regions.all()),
        "industries": "、".join(i.code for i in scheme.industries.all()),
        "budget": scheme.budget,
        "amount_per_grant": scheme.amount_per_grant,
        "active_from": scheme.active_from,
        "active_to": scheme.active_to,
    }
    form = SchemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            services.scheme_update, actor=request.user, scheme_id=scheme.pk, **_scheme_values(form)
        )
        if saved is not None:
            messages.success(request, _("The scheme is saved."))
            return redirect("relief-scheme-detail", pk=scheme.pk)
    return render(
        request,
        "relief/scheme_form.html",
        {"form": form, "title": _("Edit the scheme"), "scheme": scheme},
    )


@action_required("relief.manage")
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = get_object_or_404(selectors.schemes_for(user), pk=pk)
    [row] = selectors.ledger(selectors.schemes_for(user).filter(pk=scheme.pk))
    eligible = Paginator(selectors.eligible_enterprises(scheme), PER_PAGE).get_page(
        request.GET.get("page")
    )
    amounts = services.grant_amounts(scheme, [e.pk for e in eligible])
    for enterprise in eligible:
        enterprise.amount = amounts[enterprise.pk]
    batches = scheme.grant_batches.select_related("proposed_by").order_by("-id")[:20]
    for batch in batches:
        batch.actions = access.batch_actions(user, batch)
        batch.size = batch.grants.count()
        batch.total = sum((g.amount for g in batch.grants.all()), Decimal("0.00"))
    grants = scheme.grants.filter(status__in=["granted", "revoked"]).select_related("enterprise")
    grants = list(grants.order_by("-id")[:200])
    for grant in grants:
        grant.actions = access.grant_actions(user, grant)
    return render(
        request,
        "relief/scheme_detail.html",
        {
            "scheme": scheme,
            "row": row,
            "eligible": eligible,
            "batches": batches,
            "grants": grants,
            "may_manage": access.may_manage(user, scheme.association_id),
            "may_decide": access.may_decide(user, scheme.association_id),
            "regions": list(scheme.regions.all()),
            "industries": list(scheme.industries.all()),
            "reason_form": BatchDecisionForm(),
        },
    )


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if value.isdigit() and 0 < int(value) < 2**63:
            ids.append(int(value))
    return ids


@require_POST
@action_required("relief.manage")
def scheme_propose(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(selectors.schemes_for(request.user), pk=pk)
    try:
        batch = services.grant_batch_propose(
            actor=request.user,
            scheme_id=scheme.pk,
            enterprise_ids=_ids(request.POST.getlist("enterprise")),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(count)d grants proposed; a manager approves or rejects them together.")
            % {"count": batch.grants.count()},
        )
    return redirect("relief-scheme-detail", pk=scheme.pk)


@require_POST
@action_required("relief.decide")
def batch_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches_for(request.user), pk=pk)
    if action not in ("approve", "reject"):
        raise Http404
    form = BatchDecisionForm(request.POST)
    form.is_valid()
    try:
        if action == "approve":
            services.grant_batch_approve(actor=request.user, batch_id=batch.pk)
            messages.success(request, _("Approved: the grants hold."))
        else:
            services.grant_batch_reject(
                actor=request.user, batch_id=batch.pk, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("Rejected: none of the grants is made."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("relief-scheme-detail", pk=batch.scheme_id)


@require_POST
@action_required("relief.decide")
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_for(request.user), pk=pk)
    form = BatchDecisionForm(request.POST)
    form.is_valid()
    try:
        services.grant_revoke(
            actor=request.user, grant_id=grant.pk, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The grant is revoked; the ledger gives its amount back."))
    return redirect("relief-scheme-detail", pk=grant.scheme_id)


def _ledger_rows(user):
    rows = selectors.ledger(selectors.schemes_for(user))
    header = [
        _("Scheme"),
        _("What it gives"),
        _("Budget (yuan)"),
        _("Granted (yuan)"),
        _("Revoked (yuan)"),
        _("Remaining (yuan)"),
    ]
    body = [
        [
            row["scheme"].name,
            row["scheme"].get_kind_display(),
            row["budget"],
            row["granted"],
            row["revoked"],
            row["remaining"],
        ]
        for row in rows
    ]
    totals = _totals(rows)
    body.append(
        [
            _("Total"),
            "",
            totals["budget"],
            totals["granted"],
            totals["revoked"],
            totals["remaining"],
        ]
    )
    return header, body


@action_required("relief.manage")
@replica_reads
def ledger_csv(request: HttpRequest) -> HttpResponse:
    header, body = _ledger_rows(request.user)
    return csv_download(
        header,
        body,
        name=file_name([_("Relief ledger")], "csv"),
        ascii_name=ascii_file_name(["relief-ledger"], "csv"),
    )


@action_required("relief.manage")
@replica_reads
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    header, body = _ledger_rows(request.user)
    return xlsx_download(
        header,
        body,
        name=file_name([_("Relief ledger")], "xlsx"),
        ascii_name=ascii_file_name(["relief-ledger"], "xlsx"),
        sheet_title=_("Relief ledger"),
    )


urlpatterns = [
    path("", scheme_list, name="relief-scheme-list"),
    path("mine/", my_relief, name="relief-mine"),
    path("ledger.csv", ledger_csv, name="relief-ledger-csv"),
    path("ledger.xlsx", ledger_xlsx, name="relief-ledger-xlsx"),
    path("schemes/new/", scheme_new, name="relief-scheme-new"),
    path("schemes/<int:pk>/", scheme_detail, name="relief-scheme-detail"),
    path("schemes/<int:pk>/edit/", scheme_edit, name="relief-scheme-edit"),
    path("schemes/<int:pk>/propose/", scheme_propose, name="relief-scheme-propose"),
    path("batches/<int:pk>/<str:action>/", batch_decide, name="relief-batch-decide"),
    path("grants/<int:pk>/revoke/", grant_revoke, name="relief-grant-revoke"),
]
