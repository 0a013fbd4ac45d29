"""The staff queue (an association's needs still waiting, most pressing first) and the officials'
list (needs put before government in their jurisdiction)."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.access import action_required, scope_of
from core.keyset import page_for, query_without_cursor
from supplies import selectors
from supplies.forms import (
    EscalatedFilterForm,
    EscalatedFilterSet,
    NeedFilterSet,
    NeedQueueFilterForm,
)
from supplies.models import Escalation
from supplies.views.common import PER_PAGE, mark_ages


@action_required("need.queue")
def need_queue_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NeedQueueFilterForm(request.GET)
    needs = selectors.need_queue(user=user)
    filterset = NeedFilterSet(request.GET, queryset=needs)
    shown = filterset.qs if filterset.is_valid() else needs.none()
    # Most pressing first (Need.rank_at), read from the need_queue index page after page.
    page = page_for(request, shown, order=("rank_at", "id"), per_page=PER_PAGE, salt="need-queue")
    mark_ages(page)
    scope = scope_of(user)
    return render(
        request,
        "supplies/need_queue.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": query_without_cursor(request),
            "several_associations": scope.is_admin or len(scope.association_ids) > 1,
        },
    )


@action_required("need.escalated")
def need_escalated_page(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("show", EscalatedFilterForm.AWAITING)
    form = EscalatedFilterForm(data)
    needs = (
        selectors.escalated_list(user=request.user)
        .select_related("enterprise__region__parent")
        .prefetch_related(
            Prefetch(
                "escalations",
                queryset=Escalation.objects.order_by("escalated_at", "id"),
                to_attr="escalation_rows",
            )
        )
    )
    filterset = EscalatedFilterSet(data, queryset=needs)
    shown = filterset.qs if filterset.is_valid() else needs.none()
    page = page_for(
        request, shown, order=("-escalated_at", "-id"), per_page=PER_PAGE, salt="need-escalated"
    )
    for need in page:
        need.latest_escalation = need.escalation_rows[-1] if need.escalation_rows else None
    return render(
        request,
        "supplies/need_escalated.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": query_without_cursor(request),
            "showing_all": data.get("show") == EscalatedFilterForm.ALL,
        },
    )
