"""The services pages: the catalogue (and its keeping by staff), the providers' cards, the
requests (an enterprise's own, the staff's queue) and a request's page with the actions the
person may take on it (`services.access.request_actions`) and their POSTs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import action_required, can, scope_of
from core.attachments import attachments_of, serve
from core.errors import DomainError
from core.forms import ReasonForm
from core.models import User
from core.workflow import history_for
from services import access, selectors, services
from services.forms import (
    AcceptForm,
    AttachForm,
    CatalogueFilterForm,
    ProviderForm,
    RateForm,
    RequestFilterForm,
    RequestForm,
    ServiceForm,
)

PER_PAGE = 25


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _acting_association(request: HttpRequest) -> int:
    """The association a staff member keeps the catalogue for (the first of theirs)."""
    ids = sorted(scope_of(request.user).association_ids or [])
    if not ids:
        raise PermissionDenied
    return ids[0]


# --- the catalogue ------------------------------------------------------------------------


@action_required("service.view")
def catalogue_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CatalogueFilterForm(request.GET)
    found = selectors.catalogue(user)
    if form.is_valid():
        if form.cleaned_data["category"]:
            found = found.filter(category=form.cleaned_data["category"])
        if form.cleaned_data["q"]:
            text = form.cleaned_data["q"]
            found = found.filter(
                Q(title__icontains=text)
                | Q(description__icontains=text)
                | Q(provider__name__icontains=text)
            )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    keeps = can(user, "service.manage") and bool(scope_of(user).association_ids)
    return render(
        request,
        "services/catalogue.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "may_request": access.may_request(user),
            "keeps": keeps,
        },
    )


@action_required("service.view")
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.catalogue(request.user), pk=pk)
    form = None
    if access.may_request(request.user):
        form = RequestForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            created = form.call_service(
                services.request_submit,
                actor=request.user,
                service=service,
                description=form.cleaned_data["description"],
                attachments=form.cleaned_data["attachments"],
            )
            if created is not None:
                messages.success(
                    request,
                    _("Your request is sent; the association answers by %(day)s.")
                    % {"day": created.respond_by.isoformat()},
                )
                return redirect("service-request-detail", pk=created.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "services/service_detail.html",
        {
            "service": service,
            "form": form,
            "regions": list(service.regions.all()),
            "may_edit": access.may_keep_catalogue(request.user, service.association_id),
        },
    )


def _service_form_page(request, *, title, instance=None):
    association_id = instance.association_id if instance else _acting_association(request)
    if not access.may_keep_catalogue(request.user, association_id):
        raise Http404
    providers = selectors.providers_for(request.user).filter(association_id=association_id)
    form = ServiceForm(request.POST or None, instance=instance, providers=providers)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ServiceForm.Meta.fields}
        regions = [r.code for r in form.cleaned_data["regions"]]
        if instance is None:
            saved = form.call_service(
                services.service_create,
                actor=request.user,
                association_id=association_id,
                regions=regions,
                **values,
            )
        else:
            saved = form.call_service(
                services.service_update,
                actor=request.user,
                service_id=instance.pk,
                regions=regions,
                **values,
            )
        if saved is not None:
            messages.success(request, _("The service is saved."))
            return redirect("service-detail", pk=saved.pk)
    context = {"form": form, "title": title, "back": "service-list"}
    context["no_provider"] = not providers.exists()
    return render(request, "services/catalogue_form.html", context)


@action_required("service.manage")
def service_new(request: HttpRequest) -> HttpResponse:
    return _service_form_page(request, title=_("Add a service"))


@action_required("service.manage")
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.catalogue(request.user), pk=pk)
    return _service_form_page(request, title=_("Edit the service"), instance=service)


# --- providers ----------------------------------------------------------------------------


@action_required("service.manage")
def provider_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "services/provider_list.html",
        {"cards": selectors.provider_cards(request.user)},
    )


def _provider_form_page(request, *, title, instance=None):
    association_id = instance.association_id if instance else _acting_association(request)
    form = ProviderForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ProviderForm.Meta.fields}
        if instance is None:
            saved = form.call_service(
                services.provider_create,
                actor=request.user,
                association_id=association_id,
                **values,
            )
        else:
            saved = form.call_service(
                services.provider_update, actor=request.user, provider_id=instance.pk, **values
            )
        if saved is not None:
            messages.success(request, _("The provider is saved."))
            return redirect("service-provider-list")
    return render(
        request,
        "services/catalogue_form.html",
        {"form": form, "title": title, "back": "service-provider-list"},
    )


@action_required("service.manage")
def provider_new(request: HttpRequest) -> HttpResponse:
    return _provider_form_page(request, title=_("Add a provider"))


@action_required("service.manage")
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(selectors.providers_for(request.user), pk=pk)
    return _provider_form_page(request, title=_("Edit the provider"), instance=provider)


# --- requests -----------------------------------------------------------------------------


@action_required("service_request.view")
def request_list(request: HttpRequest) -> HttpResponse:
    """The enterprise's own requests; for the staff side the queue of their associations'."""
    user = request.user
    own = scope_of(user).is_enterprise
    form = RequestFilterForm(request.GET, services=selectors.catalogue(user))
    found = selectors.visible_requests(user)
    if form.is_valid() and form.cleaned_data["status"]:
        found = found.filter(status=form.cleaned_data["status"])
    elif not own:
        found = found.filter(status__in=selectors.OPEN)
    if form.is_valid():
        if form.cleaned_data["overdue"]:
            found = found.filter(selectors.overdue_q())
        if form.cleaned_data["service"]:
            found = found.filter(service=form.cleaned_data["service"])
        if form.cleaned_data["enterprise"]:
            found = found.filter(enterprise_id=form.cleaned_data["enterprise"])
    if own:
        found = found.order_by("-created_at", "-id")
    else:
        found = selectors.staff_queue(user).filter(pk__in=found.values("pk"))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/request_list.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "own": own,
            "offered": [] if own else selectors.offered_next(user),
        },
    )


def _request_page(request, service_request, *, forms=None, status=200):
    user = request.user
    actions = access.request_actions(user, service_request)
    staff = User.objects.filter(
        association_links__association_id=service_request.association_id, is_active=True
    ).order_by("username")
    forms = forms or {}
    context = {
        "req": service_request,
        "allowed_actions": actions,
        "history": history_for(service_request),
        "attachments": attachments_of(service_request),
        "accept_form": forms.get("accept") or AcceptForm(staff=staff),
        "reason_form": forms.get("reason") or ReasonForm(),
        "rate_form": forms.get("rate") or RateForm(),
        "attach_form": forms.get("attach") or AttachForm(),
        "may_attach": (
            access.is_requester(user, service_request) or access.handles(user, service_request)
        )
        and service_request.status in selectors.OPEN,
        "own": access.is_requester(user, service_request),
    }
    return render(request, "services/request_detail.html", context, status=status)


@action_required("service_request.view")
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_object_or_404(selectors.visible_requests(request.user), pk=pk)
    return _request_page(request, service_request)


@action_required("service_request.view")
def request_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    service_request = get_object_or_404(selectors.visible_requests(request.user), pk=pk)
    return serve(get_object_or_404(attachments_of(service_request), pk=attachment_id))


def _reasoned(perform):
    def run(user, req, data):
        return perform(actor=user, request_id=req.pk, reason=data.get("reason", ""))

    return run


# action: (its form key, its form class, what it does, what the person is told)
REQUEST_ACTIONS = {
    "accept": (
        "accept",
        AcceptForm,
        lambda user, req, data: services.request_accept(
            actor=user,
            request_id=req.pk,
            assignee=data.get("assignee"),
            to_provider=data.get("to_provider", False),
        ),
        gettext_lazy("Accepted: the enterprise sees who handles its request."),
    ),
    "start": (
        "reason",
        ReasonForm,
        _reasoned(services.request_start),
        gettext_lazy("The request is in progress."),
    ),
    "resolve": (
        "reason",
        ReasonForm,
        _reasoned(services.request_resolve),
        gettext_lazy("Resolved: the enterprise is asked to rate the help."),
    ),
    "close": ("reason", ReasonForm, _reasoned(services.request_close), gettext_lazy("Closed.")),
    "decline": (
        "reason",
        ReasonForm,
        _reasoned(services.request_decline),
        gettext_lazy("Declined: the enterprise sees your reason."),
    ),
    "reopen": (
        "reason",
        ReasonForm,
        _reasoned(services.request_reopen),
        gettext_lazy("Reopened: the request is back in progress."),
    ),
    "withdraw": (
        "reason",
        ReasonForm,
        _reasoned(services.request_withdraw),
        gettext_lazy("Your request is withdrawn."),
    ),
    "rate": (
        "rate",
        RateForm,
        lambda user, req, data: services.request_rate(
            actor=user, request_id=req.pk, rating=data["rating"], comment=data["comment"]
        ),
        gettext_lazy("Thank you for your rating."),
    ),
    "attach": (
        "attach",
        AttachForm,
        lambda user, req, data: services.request_attach(
            actor=user, request_id=req.pk, attachments=data["attachments"]
        ),
        gettext_lazy("The documents are added."),
    ),
}


ENTERPRISE_ACTIONS = {"withdraw", "rate"}


@require_POST
@action_required("service_request.view")
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service_request = get_object_or_404(selectors.visible_requests(request.user), pk=pk)
    if action not in REQUEST_ACTIONS:
        raise Http404
    key, form_class, perform, done = REQUEST_ACTIONS[action]
    own = access.is_requester(request.user, service_request)
    handling = access.handles(request.user, service_request)
    if not (own if action in ENTERPRISE_ACTIONS else handling or (own and action == "attach")):
        raise PermissionDenied
    if action == "accept":
        staff = User.objects.filter(
            association_links__association_id=service_request.association_id
        )
        form = form_class(request.POST, staff=staff)
    elif action == "attach":
        form = form_class(request.POST, request.FILES)
    else:
        form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(request.user, service_request, form.cleaned_data)
        except DomainError as error:
            if not error.fields:
                # Not the input but the request's state (another person acted first): the form
                # may be gone from the page, so the reason goes in the banner.
                messages.error(request, error.message)
                return redirect("service-request-detail", pk=service_request.pk)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, str(done))
            return redirect("service-request-detail", pk=service_request.pk)
    service_request.refresh_from_db()
    return _request_page(request, service_request, forms={key: form}, status=400)
