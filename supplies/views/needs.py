"""A need's pages: the enterprise's needs and filing forms, a need's page with the actions the
person may take on it (`supplies.access.allowed_actions`), and those actions' POSTs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import action_required, can, scope_of
from core.errors import DomainError
from core.forms import ReasonForm
from core.validators import display_phone
from core.workflow import history_for
from enterprises.access import may_see_contact_details
from supplies import access, selectors, services
from supplies.forms import (
    NEED_FORMS,
    AddInfoForm,
    EscalateForm,
    MatchForm,
    NeedListFilterForm,
    PlacementForm,
    QuestionForm,
    ReplyForm,
)
from supplies.models import Need
from supplies.views.common import PER_PAGE, no_enterprise, query_without_page

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
            "query": query_without_page(request),
            "is_enterprise": scope_of(user).is_enterprise,
            "may_file": access.may_file(user),
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
        return no_enterprise(request, title)
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


@action_required("need.view")
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(
        selectors.need_list(user=request.user).select_related(
            "enterprise__region__parent", "created_by"
        ),
        pk=pk,
    )
    return _need_page(request, need)


def _need_page(request: HttpRequest, need, *, action: str = "", form=None):
    """The need's page; after a refused action, that action's form as it was sent, with each
    error at its field, so that nothing typed is lost."""
    user = request.user
    allowed_actions = access.allowed_actions(user, need)
    offers = []
    if "match" in allowed_actions:
        offers = list(
            selectors.offers_for(need, user=user).select_related("delivery_region__parent")[:30]
        )
        for offer in offers:
            offer.suggested = min(offer.remaining_quantity, need.remaining_quantity)
    matches = list(
        need.matches.select_related("offer__enterprise", "offer__delivery_region", "matched_by")
    )
    for match in matches:
        match.supplier_phone = display_phone(match.offer.enterprise.contact_phone)
    forms = {
        "reason_form": ReasonForm(),
        "add_info_form": AddInfoForm(),
        "question_form": QuestionForm(),
        "escalate_form": EscalateForm(),
        "reply_form": ReplyForm(),
        "placement_form": PlacementForm(),
    }
    if form is not None and action in FORM_OF_ACTION:
        forms[FORM_OF_ACTION[action]] = form
    return render(
        request,
        "supplies/need_detail.html",
        {
            "need": need,
            "allowed_actions": allowed_actions,
            "way_back": access.need_way_back(user, need),
            "history": history_for(need),
            "need_messages": need.messages.select_related("author"),
            "matches": matches,
            # The supplier's contact and delivery details, to arrange the delivery: for the
            # enterprise that asked and its association, not for readers of a jurisdiction.
            "show_contacts": may_see_contact_details(user),
            "placements": need.placements.select_related("recorded_by"),
            "escalations": need.escalations.select_related("escalated_by", "replied_by"),
            "offers": offers,
            "failed_action": action,
            **forms,
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


# action: (the role table's row it needs, its form, what it does, what the person is told when
# done). Whether this person may do it to this need now is the service's to say (it asks
# supplies.access, as the page's buttons do).
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


# The page's form each action is sent from (a match is sent from its offer's row).
FORM_OF_ACTION = {
    "take": "reason_form",
    "resolve": "reason_form",
    "cancel": "reason_form",
    "ask-info": "question_form",
    "add-info": "add_info_form",
    "escalate": "escalate_form",
    "reply": "reply_form",
    "place": "placement_form",
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
    if action == "cancel" and request.POST.get("confirm") != "yes":
        form.is_valid()
        form.add_error(None, _("Tick the box to confirm: a cancelled need is closed for good."))
    elif form.is_valid():
        try:
            perform(request.user, need, form.cleaned_data)
        except DomainError as error:
            if not error.fields:
                # Not the input but the need's state (another person acted first): the form
                # may be gone from the page, so the reason goes in the banner.
                messages.error(request, error.message)
                return redirect("need-detail", pk=need.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(done))
            return redirect("need-detail", pk=need.pk)
    if action not in FORM_OF_ACTION:  # a match is decided inline, beside its offer
        messages.error(request, _form_problems(form))
        return redirect("need-detail", pk=need.pk)
    # The page again, the form as it was sent and its errors at their fields.
    return _need_page(request, need, action=action, form=form)
