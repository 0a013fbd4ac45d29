"""The webhook pages, /webhooks/: the endpoints one may see, registering one (its secret shown
once), an endpoint's page (edit, on and off, a new secret, a test message, delete) and its
delivery log with redelivery of one delivery or of those given up in a time range.

Who may: the `webhook.manage` row (others 403); which endpoints: integrations.access.visible
(others 404). Every write goes through integrations.services.

A secret is shown once: the view that makes it keeps it in the session under the endpoint's id
and redirects; the endpoint's page takes it out as it shows it, so a reload shows it no more.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.access import action_required
from core.errors import DomainError
from integrations import access, services
from integrations.forms import EndpointForm, LogFilterForm, NewEndpointForm, RedeliverRangeForm
from integrations.models import Delivery, Endpoint

PER_PAGE = 50
ACCOUNTS_SHOWN = 500


def _secret_key(endpoint_id: int) -> str:
    return f"webhook-secret-{endpoint_id}"


def _keep_secret_for_one_display(request: HttpRequest, endpoint: Endpoint) -> None:
    request.session[_secret_key(endpoint.pk)] = endpoint.secret


def _endpoint(request: HttpRequest, pk: int) -> Endpoint:
    endpoints = access.visible(request.user).select_related("account", "association")
    return get_object_or_404(endpoints, pk=pk)


@action_required("webhook.manage")
def endpoint_list(request: HttpRequest) -> HttpResponse:
    latest = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    endpoints = (
        access.visible(request.user)
        .select_related("account", "association")
        .annotate(
            last_status=Subquery(latest.values("status")[:1]),
            last_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(endpoints, PER_PAGE).get_page(request.GET.get("page"))
    statuses = dict(Delivery.Status.choices)
    for endpoint in page:
        endpoint.last_status_display = statuses.get(endpoint.last_status, "")
    return render(request, "integrations/endpoint_list.html", {"page": page})


def _accounts(user) -> list:
    return list(access.accounts_for(user).order_by("username")[:ACCOUNTS_SHOWN])


@never_cache
@action_required("webhook.manage")
def endpoint_new(request: HttpRequest) -> HttpResponse:
    accounts = _accounts(request.user)
    form = NewEndpointForm(request.POST or None, accounts=accounts, user=request.user)
    if form.submitted(request):
        endpoint = form.call_service(
            services.endpoint_register,
            actor=request.user,
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.patterns(),
            account=form.chosen_account(),
        )
        if endpoint is not None:
            _keep_secret_for_one_display(request, endpoint)
            messages.success(request, _("The endpoint is registered."))
            return redirect("webhook-detail", pk=endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "integrations/endpoint_new.html",
        {"form": form, "no_accounts": not accounts},
        status=status,
    )


def _page(
    request: HttpRequest,
    endpoint: Endpoint,
    *,
    edit_form=None,
    range_form=None,
    status: int = 200,
) -> HttpResponse:
    filter_form = LogFilterForm(request.GET or None)
    wanted = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    deliveries = (
        Delivery.objects.filter(endpoint=endpoint)
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")
    )
    if wanted:
        deliveries = deliveries.filter(status=wanted)
    page = Paginator(deliveries, PER_PAGE).get_page(request.GET.get("page"))
    secret = request.session.pop(_secret_key(endpoint.pk), None)
    return render(
        request,
        "integrations/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "secret": secret,
            "rotated": secret is not None and bool(endpoint.previous_secret),
            "edit_form": edit_form or EndpointForm(initial=EndpointForm.initial_of(endpoint)),
            "range_form": range_form or RedeliverRangeForm(),
            "filter_form": filter_form,
            "page": page,
            "query": f"status={wanted}" if wanted else "",
        },
        status=status,
    )


@never_cache
@action_required("webhook.manage")
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _endpoint(request, pk))


@require_POST
@action_required("webhook.manage")
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    form = EndpointForm(request.POST)
    if form.is_valid() and form.call_service(
        services.endpoint_update,
        actor=request.user,
        endpoint_id=endpoint.pk,
        url=form.cleaned_data["url"],
        description=form.cleaned_data["description"],
        event_types=form.patterns(),
    ):
        messages.success(request, _("The endpoint is saved."))
        return redirect("webhook-detail", pk=endpoint.pk)
    return _page(request, endpoint, edit_form=form, status=400)


def _state_refusal(request: HttpRequest, endpoint: Endpoint, error: DomainError) -> HttpResponse:
    """Refused because of the endpoint's state, not of anything typed: a banner."""
    messages.error(request, error.message)
    return redirect("webhook-detail", pk=endpoint.pk)


@require_POST
@action_required("webhook.manage")
def endpoint_switch(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    active = request.POST.get("active") == "on"
    try:
        services.endpoint_switch(actor=request.user, endpoint_id=endpoint.pk, active=active)
    except DomainError as error:
        return _state_refusal(request, endpoint, error)
    if active:
        messages.success(request, _("Turned on: the deliveries waiting go out again."))
    else:
        messages.success(request, _("Turned off: new events wait until it is turned on."))
    return redirect("webhook-detail", pk=endpoint.pk)


@require_POST
@action_required("webhook.manage")
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("No new secret: tick the box that says what a new secret does."))
        return redirect("webhook-detail", pk=endpoint.pk)
    endpoint = services.endpoint_rotate_secret(actor=request.user, endpoint_id=endpoint.pk)
    _keep_secret_for_one_display(request, endpoint)
    return redirect("webhook-detail", pk=endpoint.pk)


def _outcome(message: Delivery) -> str:
    attempt = message.attempt_log.first()
    duration = attempt.duration_ms if attempt else 0
    if message.status == Delivery.Status.DELIVERED:
        return _("The receiver took the test message: %(status)s in %(ms)d ms.") % {
            "status": message.last_status_code,
            "ms": duration,
        }
    if message.last_status_code:
        return _("The receiver refused the test message: %(status)s in %(ms)d ms.") % {
            "status": message.last_status_code,
            "ms": duration,
        }
    return _("The test message did not arrive after %(ms)d ms: %(error)s") % {
        "ms": duration,
        "error": attempt.error if attempt else "—",
    }


@require_POST
@action_required("webhook.manage")
def endpoint_ping(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    message = services.ping(actor=request.user, endpoint_id=endpoint.pk)
    text = _outcome(message)
    if message.status == Delivery.Status.DELIVERED:
        messages.success(request, text)
    else:
        messages.error(request, text)
    return redirect("webhook-detail", pk=endpoint.pk)


@require_POST
@action_required("webhook.manage")
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Nothing was deleted: tick the box that says what deleting does.")
        )
        return redirect("webhook-detail", pk=endpoint.pk)
    services.endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)
    messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
    return redirect("webhook-list")


def _redelivered(request: HttpRequest, count: int) -> None:
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing to send again: none was given up then."))


@require_POST
@action_required("webhook.manage")
def endpoint_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    """One delivery again (`delivery`), or those given up in a time range (`since`, `until`)."""
    endpoint = _endpoint(request, pk)
    if "delivery" in request.POST:
        one = get_object_or_404(
            Delivery.objects.filter(endpoint=endpoint), pk=_number(request.POST["delivery"])
        )
        services.redeliver(actor=request.user, endpoint_id=endpoint.pk, delivery_id=one.pk)
        messages.success(request, _("%(id)s will be sent again shortly.") % {"id": one.message_id})
        return redirect("webhook-detail", pk=endpoint.pk)
    form = RedeliverRangeForm(request.POST)
    if form.is_valid():
        count = form.call_service(
            services.redeliver,
            actor=request.user,
            endpoint_id=endpoint.pk,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
        if count is not None:
            _redelivered(request, count)
            return redirect("webhook-detail", pk=endpoint.pk)
    return _page(request, endpoint, range_form=form, status=400)


def _number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 18 else 0
