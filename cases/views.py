"""The practice-case library's pages: the library (search in Chinese, filters), a case with the
actions the person may take (cases.access) and their POSTs, the association's forms and review
queue, and a member's suggestion of a case. Reads go through cases.selectors (out of scope
answers 404), writes through cases.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from associations.models import Association, Membership
from cases import access, selectors, services
from cases.forms import CaseFilterForm, CaseForm, SuggestForm
from cases.models import Case, CaseHelped
from cases.search import snippet
from core.access import action_required, can, scope_of
from core.attachments import attachments_of, serve
from core.errors import DomainError
from core.forms import ReasonForm
from core.pagination import CountKeptPaginator
from core.workflow import history_for, read_from_outside

PER_PAGE = 20


class SearchPaginator(Paginator):
    """A search's pages: the page asked for and the count of matches come from the one query
    that ranks them (cases.selectors.found_page), not from a count of its own (decision 0021).
    A page past the last one shows the last, as Paginator.get_page does."""

    def get_page(self, number):
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        rows, self.count = selectors.found_page(
            self.object_list, offset=(number - 1) * self.per_page, limit=self.per_page
        )
        if not rows and number > self.num_pages:
            number = self.num_pages
            rows, self.count = selectors.found_page(
                self.object_list, offset=(number - 1) * self.per_page, limit=self.per_page
            )
        return self._get_page(rows, number, self)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _writes_somewhere(user) -> bool:
    """Works for an association's side (or is an admin): writes, reviews and publishes."""
    scope = scope_of(user)
    return can(user, "case.write") and (scope.is_admin or bool(scope.association_ids))


def _associations_written_for(user) -> QuerySet:
    scope = scope_of(user)
    associations = Association.objects.order_by("name")
    return associations if scope.is_admin else associations.filter(pk__in=scope.association_ids)


def _excerpt(case: Case, text: str):
    """The text around the searched words (title, summary or the rest), words marked."""
    if not text:
        return None
    for field in (case.summary, case.body):
        found = snippet(field, text, width=120)
        if "<mark>" in found:
            return found
    return snippet(case.summary, text, width=120)


@action_required("case.view")
def case_list(request: HttpRequest) -> HttpResponse:
    """Every role reads the published cases, best match first when searching; the association's
    side sees its drafts too and may filter by status."""
    user = request.user
    writes = _writes_somewhere(user)
    form = CaseFilterForm(request.GET, writes=writes)
    arguments = form.selector_arguments()
    found = selectors.library(user, **arguments)
    if arguments["text"]:
        paginator = SearchPaginator(found, PER_PAGE)
    else:
        # the whole library (a million cases nationally: 250 ms to count) counted once a while
        paginator = CountKeptPaginator(found, PER_PAGE, user=user)
    page = paginator.get_page(request.GET.get("page"))
    for case in page:
        case.excerpt = _excerpt(case, arguments["text"])
        case.title_marked = snippet(case.title, arguments["text"], width=200)
    suggestions = []
    if access.may_suggest(user):
        own = access.visible(user).filter(suggested_by_id=user.pk).order_by("-created_at", "-id")
        suggestions = list(own[:20])
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "searched": arguments["text"],
            "writes": writes,
            "may_suggest": access.may_suggest(user),
            "suggestions": suggestions,
        },
    )


def _history(user, case: Case) -> list:
    """The association's side reads every change; the member who suggested the case reads its
    steps (not who acted or why); other readers of a published case need none."""
    if access.writes(user, case):
        return list(history_for(case))
    if case.suggested_by_id == user.pk:
        return read_from_outside(history_for(case), names=False, statuses_only=True)
    return []


def _case_page(request, case: Case, *, reason_form=None, status=200) -> HttpResponse:
    user = request.user
    actions = access.allowed_actions(user, case)
    context = {
        "case": case,
        "tags": case.tags.all(),
        "allowed_actions": actions,
        "transitions": [name for name in access.TRANSITIONS if name in actions],
        "already_helped": CaseHelped.objects.filter(case=case, user_id=user.pk).exists(),
        "attachments": attachments_of(case),
        "history": _history(user, case),
        "shows_history": access.writes(user, case) or case.suggested_by_id == user.pk,
        "reason_form": reason_form or ReasonForm(),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@action_required("case.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, selectors.get_visible(request.user, pk))


@action_required("case.view")
def case_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """An image or document of a case, for whoever may read the case."""
    case = selectors.get_visible(request.user, pk)
    return serve(get_object_or_404(attachments_of(case), pk=attachment_id))


def _files(form) -> list:
    return form.cleaned_data.get("attachments") or []


@action_required("case.write")
def case_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _writes_somewhere(user):
        raise PermissionDenied
    associations = _associations_written_for(user)
    form = CaseForm(request.POST or None, request.FILES or None, associations=associations)
    if request.method == "POST" and form.is_valid():
        created = form.call_service(
            services.case_create,
            actor=user,
            association_id=form.cleaned_data["association"].pk,
            data=form.service_data(),
            tags=form.cleaned_data["tags"],
            files=_files(form),
        )
        if created is not None:
            messages.success(request, _("The case is saved as a draft; review it, then publish."))
            return redirect("case-detail", pk=created.pk)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "title": _("New practice case"), "submit_label": _("Save the draft")},
    )


@action_required("case.write")
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_visible(request.user, pk)
    if "edit" not in access.allowed_actions(request.user, case):
        raise PermissionDenied
    form = CaseForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        saved = form.call_service(
            services.case_update,
            case=case,
            actor=request.user,
            data=form.service_data(),
            tags=form.cleaned_data["tags"],
            files=_files(form),
        )
        if saved is not None:
            messages.success(request, _("The case is saved."))
            return redirect("case-detail", pk=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {
            "form": form,
            "case": case,
            "attachments": attachments_of(case),
            "title": _("Edit the case"),
            "submit_label": _("Save"),
        },
    )


@action_required("case.write")
def review_queue(request: HttpRequest) -> HttpResponse:
    """Drafts and reviewed cases of the user's associations, members' suggestions among them,
    oldest first."""
    if not _writes_somewhere(request.user):
        raise PermissionDenied
    found = selectors.review_queue(request.user).prefetch_related("tags")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "cases/review_queue.html", {"page": page, "query": _query_without_page(request)}
    )


def _member_associations(user) -> QuerySet | None:
    """The associations the user's enterprise is a member of, to send a suggestion to (None
    when it is a member of none: the service says so)."""
    associations = Association.objects.filter(
        memberships__enterprise_id=user.enterprise_id,
        memberships__status__in=Membership.MEMBER,
    ).order_by("name")
    return associations if associations else None


@action_required("case.suggest")
def case_suggest(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.may_suggest(user):
        raise PermissionDenied  # acting for no enterprise yet
    form = SuggestForm(
        request.POST or None, request.FILES or None, associations=_member_associations(user)
    )
    if request.method == "POST" and form.is_valid():
        association = form.cleaned_data.get("association")
        created = form.call_service(
            services.case_suggest,
            actor=user,
            data=form.service_data(),
            tags=form.cleaned_data["tags"],
            files=_files(form),
            association_id=association.pk if association else None,
        )
        if created is not None:
            messages.success(
                request,
                _("Thank you: %(association)s reviews your case before it is published.")
                % {"association": created.association.name},
            )
            return redirect("case-detail", pk=created.pk)
    return render(
        request,
        "cases/case_form.html",
        {
            "form": form,
            "title": _("Suggest a case"),
            "intro": _(
                "How did your enterprise get through? Tell the other members what the problem "
                "was, what you did and what came of it; your association reviews it before it "
                "is published."
            ),
            "submit_label": _("Send the suggestion"),
        },
    )


DONE = {
    "review": gettext_lazy("Reviewed: ready to publish."),
    "publish": gettext_lazy("Published: every member reads it in the library."),
    "archive": gettext_lazy("Archived: it is no longer in the library."),
    "redraft": gettext_lazy("Back to draft: edit it, then have it reviewed again."),
}


@require_POST
@action_required("case.view")
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.get_visible(request.user, pk)
    user = request.user
    if action == "helped":
        _fresh, counted = services.mark_helped(case, actor=user)  # PermissionDenied: 403
        if counted:
            messages.success(request, _("Thank you: the association sees that the case helped."))
        else:
            messages.info(request, _("You had already said that this case helped you."))
        return redirect("case-detail", pk=case.pk)
    if action not in access.TRANSITIONS:
        raise Http404
    if not access.writes(user, case):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.case_transition(
                case, action, actor=user, reason=form.cleaned_data.get("reason", "")
            )
        except DomainError as error:
            if not error.fields:
                messages.error(request, error.message)
                return redirect("case-detail", pk=case.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(DONE[action]))
            return redirect("case-detail", pk=case.pk)
    case.refresh_from_db()
    return _case_page(request, case, reason_form=form, status=400)
