"""The complaints pages: filing, the list (one's own, the association's, those about one's
enterprise), a complaint's page with the actions the person may take (market.access) and their
POSTs, and its evidence for who sees it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import action_required, scope_of
from core.attachments import attachments_of, serve
from core.errors import DomainError
from core.forms import ReasonForm
from core.workflow import history_for, read_from_outside
from market import access, complaints, selectors
from market.forms import (
    AnswerForm,
    ComplaintFilterForm,
    ComplaintForm,
    DecideForm,
    HandOffForm,
    TriageForm,
)
from market.models import Complaint

PER_PAGE = 25


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@action_required("complaint.view")
def complaint_list(request: HttpRequest) -> HttpResponse:
    """For the association's side, its queue (the open complaints, the nearest time limit first;
    any status on request) and the complaints they filed; for others, the complaints they filed
    and those about their enterprise, newest first."""
    user = request.user
    scope = scope_of(user)
    handles = bool(scope.association_ids) or scope.is_admin
    form = ComplaintFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status", "")
    if handles and status == "":
        found = selectors.queue(user)
    else:
        found = selectors.visible_complaints(user)
        if status not in ("", "all"):
            found = found.filter(status=status)
        order = ("resolve_by", "created_at", "id") if handles else ("-created_at", "-id")
        found = found.order_by(*order)
    if data.get("category"):
        found = found.filter(category=data["category"])
    if data.get("overdue"):
        found = found.filter(selectors.overdue_q())
    if data.get("respondent"):
        found = found.filter(respondent_id=data["respondent"])
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "market/complaint_list.html",
        {"form": form, "page": page, "query": _query_without_page(request), "handles": handles},
    )


@action_required("complaint.file")
def complaint_new(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        association = data["association"]
        created = form.call_service(
            complaints.complaint_file,
            actor=request.user,
            respondent_name=data["respondent_name"],
            respondent_credit_code=data["respondent_credit_code"],
            respondent_region=data["respondent_region"].code,
            association_id=association.pk if association else None,
            category=data["category"],
            what_happened=data["what_happened"],
            happened_on=data["happened_on"],
            place=data["place"],
            show_identity=data["show_identity"],
            attachments=data["attachments"],
        )
        if created is not None:
            messages.success(
                request,
                _("Your complaint is filed with %(association)s; it is looked at by %(day)s.")
                % {"association": created.association.name, "day": created.verify_by.isoformat()},
            )
            return redirect("complaint-detail", pk=created.pk)
    return render(request, "market/complaint_form.html", {"form": form})


def _pledges_breached(complaint: Complaint) -> list:
    """The pledges the business had signed when what was upheld happened: the breach links back
    to its signature on the pledge's public page."""
    if not complaint.upheld or complaint.respondent_id is None:
        return []
    return [
        signature
        for signature in selectors.pledges_signed_by(complaint.respondent_id)
        if timezone.localtime(signature.signed_at).date() <= complaint.happened_on
    ]


def _complaint_page(request, complaint, *, forms=None, status=200):
    user = request.user
    handling = access.handles(user, complaint)
    history = list(history_for(complaint))
    if not handling and not access.is_complainant(user, complaint):
        # the respondent reads the steps, not who acted or the staff's notes
        history = read_from_outside(history, names=False, statuses_only=True)
    forms = forms or {}
    context = {
        "complaint": complaint,
        "allowed_actions": access.complaint_actions(user, complaint),
        "history": history,
        "attachments": attachments_of(complaint),
        "hand_offs": complaint.hand_offs.all(),
        "breached": _pledges_breached(complaint),
        "handling": handling,
        "sees_evidence": handling or access.is_complainant(user, complaint),
        "show_complainant": handling
        or access.is_complainant(user, complaint)
        or complaint.show_identity,
        "triage_form": forms.get("triage") or TriageForm(),
        "decide_form": forms.get("decide") or DecideForm(),
        "hand_off_form": forms.get("hand-off") or HandOffForm(),
        "answer_form": forms.get("answer") or AnswerForm(),
        "reason_form": forms.get("reason") or ReasonForm(),
    }
    return render(request, "market/complaint_detail.html", context, status=status)


@action_required("complaint.view")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(selectors.visible_complaints(request.user), pk=pk)
    return _complaint_page(request, complaint)


@action_required("complaint.view")
def complaint_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    complaint = get_object_or_404(selectors.visible_complaints(request.user), pk=pk)
    if not (
        access.handles(request.user, complaint) or access.is_complainant(request.user, complaint)
    ):
        raise Http404  # the evidence is between the complainant and the association
    return serve(get_object_or_404(attachments_of(complaint), pk=attachment_id))


def _reasoned(to):
    def run(user, complaint, data):
        return complaints.complaint_move(
            actor=user, complaint_id=complaint.pk, to=to, reason=data.get("reason", "")
        )

    return run


S = Complaint.Status

# action: (its form key, its form class, what it does, what the person is told)
ACTIONS = {
    "triage": (
        "triage",
        TriageForm,
        lambda user, c, data: complaints.complaint_triage(
            actor=user,
            complaint_id=c.pk,
            outcome=data["outcome"],
            referral=data["referral"],
            duplicate_of=data["duplicate_of"],
        ),
        gettext_lazy("Triaged: the complainant sees the outcome."),
    ),
    "start": ("reason", ReasonForm, _reasoned(S.INVESTIGATING), gettext_lazy("Investigating.")),
    "mediate": ("reason", ReasonForm, _reasoned(S.MEDIATION), gettext_lazy("In mediation.")),
    "close": ("reason", ReasonForm, _reasoned(S.CLOSED), gettext_lazy("Closed.")),
    "decide": (
        "decide",
        DecideForm,
        lambda user, c, data: complaints.complaint_decide(
            actor=user, complaint_id=c.pk, upheld=data["upheld"], decision=data["decision"]
        ),
        gettext_lazy("Decided: the complainant and the business read the decision."),
    ),
    "extend": (
        "reason",
        ReasonForm,
        lambda user, c, data: complaints.complaint_extend(
            actor=user, complaint_id=c.pk, reason=data["reason"]
        ),
        gettext_lazy("The time limit is extended to 30 working days."),
    ),
    "reopen": (
        "reason",
        ReasonForm,
        lambda user, c, data: complaints.complaint_reopen(
            actor=user, complaint_id=c.pk, reason=data["reason"]
        ),
        gettext_lazy("Reopened: the association looks at it again."),
    ),
    "hand-off": (
        "hand-off",
        HandOffForm,
        lambda user, c, data: complaints.complaint_hand_off(actor=user, complaint_id=c.pk, **data),
        gettext_lazy("The hand-off to market regulation is recorded."),
    ),
    "answer": (
        "answer",
        AnswerForm,
        lambda user, c, data: complaints.complaint_answer(
            actor=user, complaint_id=c.pk, answer=data["answer"]
        ),
        gettext_lazy("Your answer is sent to the association."),
    ),
}


@require_POST
@action_required("complaint.view")
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = get_object_or_404(selectors.visible_complaints(request.user), pk=pk)
    if action not in ACTIONS:
        raise Http404
    key, form_class, perform, done = ACTIONS[action]
    user = request.user
    if action == "answer":
        may = access.is_respondent(user, complaint)
    elif action == "reopen":
        may = access.handles(user, complaint) or access.is_complainant(user, complaint)
    else:
        may = access.handles(user, complaint)
    if not may:
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(user, complaint, form.cleaned_data)
        except DomainError as error:
            if not error.fields:
                messages.error(request, error.message)
                return redirect("complaint-detail", pk=complaint.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(done))
            return redirect("complaint-detail", pk=complaint.pk)
    complaint.refresh_from_db()
    return _complaint_page(request, complaint, forms={key: form}, status=400)
