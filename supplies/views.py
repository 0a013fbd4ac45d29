"""Pages of needs, offers and the supply catalogue: enterprises file needs and post offers, staff
work through the queue (matching, placing, asking, escalating), officials answer what was
escalated, and the answer comes back to the need's page for the enterprise and the staff."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import ReasonForm
from core.models import Role
from core.workflow import history_for
from supplies import selectors, services
from supplies.forms import (
    NEED_FORMS,
    AddInfoForm,
    EscalatedFilterForm,
    EscalatedFilterSet,
    EscalateForm,
    MatchForm,
    NeedFilterSet,
    NeedListFilterForm,
    NeedQueueFilterForm,
    OfferFilterForm,
    OfferForm,
    PlacementForm,
    QuestionForm,
    ReplyForm,
    SupplyItemForm,
)
from supplies.models import Escalation, Need

S = Need.Status
PER_PAGE = 25


def _is_enterprise(user) -> bool:
    return user.role == Role.ENTERPRISE and not user.is_superuser


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _mark_ages(needs) -> None:
    """Days since filing, counted in calendar days of Asia/Shanghai."""
    today = timezone.localdate()
    for need in needs:
        need.age_days = (today - timezone.localtime(need.created_at).date()).days


def _no_enterprise(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "supplies/no_enterprise.html", {"title": title})


# --- the enterprise's needs -------------------------------------------------------------------


@action_required("need.view")
def need_list_page(request: HttpRequest) -> HttpResponse:
    """An enterprise's own needs; for staff and officials every need they may see, closed ones
    included (the queue shows only what still waits)."""
    user = request.user
    form = NeedListFilterForm(request.GET)
    needs = selectors.need_list(user=user)
    if form.is_valid():
        if form.cleaned_data["status"]:
            needs = needs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            needs = needs.filter(kind=form.cleaned_data["kind"])
    page = Paginator(needs.order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supplies/need_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "is_enterprise": _is_enterprise(user),
            "may_file": can(user, "need.file") and bool(user.enterprise_id),
            "may_queue": can(user, "need.queue"),
            "kinds": Need.Kind.choices,
        },
    )


NEED_FILE_TITLES = {
    Need.Kind.SUPPLY: gettext_lazy("Request supplies"),
    Need.Kind.LABOUR: gettext_lazy("Request workers"),
    Need.Kind.DIFFICULTY: gettext_lazy("Report a difficulty"),
}


@action_required("need.file")
def need_file_page(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in NEED_FORMS:
        raise Http404
    user = request.user
    title = str(NEED_FILE_TITLES[kind])
    if not user.enterprise_id:
        return _no_enterprise(request, title)
    form = NEED_FORMS[kind](request.POST or None, enterprise=user.enterprise)
    if form.submitted(request):
        need = form.call_service(services.need_file, actor=user, **form.service_fields())
        if need:
            messages.success(request, _("Your need is filed; the association will take it up."))
            return redirect("need-detail", pk=need.pk)
    return render(
        request,
        "supplies/need_form.html",
        {"form": form, "kind": kind, "title": title, "no_association": form.association_count == 0},
    )


# --- a need's page and what can be done on it -----------------------------------------------


def _allowed(need: Need, to: str) -> bool:
    return to in Need.STATUS_TRANSITIONS.get(need.status, set())


def _what_user_may_do(user, need: Need) -> dict[str, bool]:
    """The actions the page offers: only to who may do them, in the need's current status."""
    own = _is_enterprise(user) and user.enterprise_id == need.enterprise_id
    coordinates = can(user, "need.coordinate") and scope_of(user).works_for(need.association_id)
    workable = need.status in services.WORKABLE
    return {
        "add_info": own and need.is_active,
        "cancel": own and _allowed(need, S.CANCELLED),
        "take": coordinates and _allowed(need, S.IN_PROGRESS),
        "ask_info": coordinates and _allowed(need, S.INFO_REQUESTED),
        "resolve": coordinates and _allowed(need, S.RESOLVED),
        "escalate": coordinates and _allowed(need, S.ESCALATED),
        "match": coordinates
        and workable
        and need.kind == Need.Kind.SUPPLY
        and bool(need.remaining_quantity),
        "place": coordinates
        and workable
        and need.kind == Need.Kind.LABOUR
        and bool(need.remaining_headcount),
        "reply": can(user, "need.reply")
        and need.status == S.ESCALATED
        and services.in_jurisdiction(user, need),
    }


@action_required("need.view")
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    need = get_object_or_404(
        selectors.need_list(user=user).select_related("enterprise__region__parent", "created_by"),
        pk=pk,
    )
    may = _what_user_may_do(user, need)
    offers = []
    if may["match"]:
        offers = list(
            selectors.offers_for(need, user=user).select_related("delivery_region__parent")[:30]
        )
        for offer in offers:
            offer.suggested = min(offer.remaining_quantity, need.remaining_quantity)
    return render(
        request,
        "supplies/need_detail.html",
        {
            "need": need,
            "may": may,
            "is_owner": _is_enterprise(user) and user.enterprise_id == need.enterprise_id,
            "may_queue": can(user, "need.queue"),
            "history": history_for(need),
            "need_messages": need.messages.select_related("author"),
            "matches": need.matches.select_related("offer__enterprise", "matched_by"),
            "placements": need.placements.select_related("recorded_by"),
            "escalations": need.escalations.select_related("escalated_by", "replied_by"),
            "offers": offers,
            "reason_form": ReasonForm(),
            "add_info_form": AddInfoForm(),
            "question_form": QuestionForm(),
            "escalate_form": EscalateForm(),
            "reply_form": ReplyForm(),
            "placement_form": PlacementForm(),
        },
    )


def _take(user, need, data):
    services.need_take(actor=user, need_id=need.pk, reason=data["reason"])


def _ask_info(user, need, data):
    services.need_ask_info(actor=user, need_id=need.pk, question=data["question"])


def _add_info(user, need, data):
    services.need_add_info(actor=user, need_id=need.pk, body=data["body"])


def _resolve(user, need, data):
    services.need_resolve(actor=user, need_id=need.pk, reason=data["reason"])


def _cancel(user, need, data):
    services.need_cancel(actor=user, need_id=need.pk, reason=data["reason"])


def _escalate(user, need, data):
    services.need_escalate(actor=user, need_id=need.pk, summary=data["summary"])


def _reply(user, need, data):
    services.need_reply(actor=user, need_id=need.pk, **data)


def _match(user, need, data):
    services.match_create(
        actor=user,
        need_id=need.pk,
        offer_id=data["offer"],
        quantity=data["quantity"],
        note=data["note"],
    )


def _place(user, need, data):
    services.placement_create(
        actor=user, need_id=need.pk, headcount=data["headcount"], note=data["note"]
    )


# action: (the permission it needs, its form, what it does, what the person is told when done)
NEED_ACTIONS = {
    "take": (
        "need.coordinate",
        ReasonForm,
        _take,
        gettext_lazy("You are working on this need; the enterprise sees it in progress."),
    ),
    "ask-info": (
        "need.coordinate",
        QuestionForm,
        _ask_info,
        gettext_lazy("Your question is sent to the enterprise."),
    ),
    "add-info": (
        "need.file",
        AddInfoForm,
        _add_info,
        gettext_lazy("Your information is added; the association is told."),
    ),
    "resolve": (
        "need.coordinate",
        ReasonForm,
        _resolve,
        gettext_lazy("The need is resolved; the enterprise is told."),
    ),
    "cancel": ("need.file", ReasonForm, _cancel, gettext_lazy("Your need is cancelled.")),
    "escalate": (
        "need.coordinate",
        EscalateForm,
        _escalate,
        gettext_lazy("The need is put before government; you will see the answer here."),
    ),
    "reply": (
        "need.reply",
        ReplyForm,
        _reply,
        gettext_lazy("Your answer is sent to the association and the enterprise."),
    ),
    "match": (
        "need.coordinate",
        MatchForm,
        _match,
        gettext_lazy("Matched: the request and the offer show the new quantities."),
    ),
    "place": (
        "need.coordinate",
        PlacementForm,
        _place,
        gettext_lazy("The placement is recorded."),
    ),
}


def _form_problems(form) -> str:
    return " ".join(
        f"{form[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
        for name, errors in form.errors.items()
    )


@require_POST
@action_required("need.view")
def need_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    need = get_object_or_404(selectors.need_list(user=request.user), pk=pk)
    if action not in NEED_ACTIONS:
        raise Http404
    permission, form_class, perform, done = NEED_ACTIONS[action]
    if not can(request.user, permission):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return redirect("need-detail", pk=need.pk)
    try:
        perform(request.user, need, form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(done))
    return redirect("need-detail", pk=need.pk)


# --- the staff queue and the officials' list ------------------------------------------------


@action_required("need.queue")
def need_queue_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NeedQueueFilterForm(request.GET)
    needs = selectors.need_queue(user=user)
    filterset = NeedFilterSet(request.GET, queryset=needs)
    shown = filterset.qs if filterset.is_valid() else needs.none()
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    _mark_ages(page)
    return render(
        request,
        "supplies/need_queue.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": _query_without_page(request),
            "several_associations": user.is_superuser
            or user.role == Role.ADMIN
            or len(user.association_ids) > 1,
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
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    for need in page:
        need.latest_escalation = need.escalation_rows[-1] if need.escalation_rows else None
    return render(
        request,
        "supplies/need_escalated.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": _query_without_page(request),
            "showing_all": data.get("show") == EscalatedFilterForm.ALL,
        },
    )


# --- offers -----------------------------------------------------------------------------------


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
    return render(
        request,
        "supplies/offer_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "is_enterprise": _is_enterprise(user),
            "may_post": can(user, "offer.post") and bool(user.enterprise_id),
            "may_withdraw": can(user, "offer.withdraw"),
            "today": timezone.localdate(),
        },
    )


@action_required("offer.post")
def offer_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    title = _("Offer supplies to other members")
    if not user.enterprise_id:
        return _no_enterprise(request, title)
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


# --- the supply catalogue ---------------------------------------------------------------------


@action_required("supply_item.view")
def item_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_manage = can(user, "supply_item.manage")
    items = selectors.item_list(user=user, active_only=not may_manage)
    category = request.GET.get("category", "")
    if category not in items.model.Category.values:
        category = ""
    if category:
        items = items.filter(category=category)
    return render(
        request,
        "supplies/item_list.html",
        {
            "items": items.order_by("category", "code"),
            "may_manage": may_manage,
            "edits_all": user.is_superuser or user.role == Role.ADMIN,
            "own_associations": user.association_ids,
            "category": category,
            "categories": items.model.Category.choices,
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
    if not services.may_edit_item(request.user, item):
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
