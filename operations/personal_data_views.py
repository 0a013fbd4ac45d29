"""The pages of one's own data (docs/decisions/0028): /operations/my-data/ to download it and,
for an enterprise user, to ask for the account's deletion (or withdraw the request);
/operations/deletion-requests/ for the managers and admins who decide.

Who may: the rows `personal_data.download`, `deletion.request` and `deletion.decide` (others
403); which requests: operations.access.decidable (others 404). Every write goes through
operations.deletion.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.access import action_required, can
from core.errors import DomainError
from core.forms import DomainErrorFormMixin
from operations import access, deletion
from operations.models import DeletionRequest
from operations.personal_data import export_chunks

PER_PAGE = 50


class DeletionAskForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        required=False,
        max_length=deletion.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Delete my account once the association confirms: I can no longer sign in, and my "
            "name, e-mail address and phone number are removed."
        ),
        error_messages={"required": gettext_lazy("Tick the box to ask for the deletion.")},
    )


class DeclineForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is declined"),
        max_length=deletion.REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Say why the request is declined; the person reads it.")
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 18 else 0


def _my_data_page(request: HttpRequest, *, ask_form=None, status: int = 200) -> HttpResponse:
    user = request.user
    may_ask = can(user, "deletion.request")
    requests = list(DeletionRequest.objects.filter(user=user).order_by("-asked_at", "-id")[:20])
    pending = next((r for r in requests if r.status == DeletionRequest.Status.PENDING), None)
    return render(
        request,
        "operations/my_data.html",
        {
            "may_ask": may_ask,
            "pending": pending,
            "past_requests": [r for r in requests if r is not pending],
            "ask_form": ask_form or (DeletionAskForm() if may_ask and not pending else None),
        },
        status=status,
    )


@never_cache
@action_required("personal_data.download")
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request)


@never_cache
@action_required("personal_data.download")
def my_data_download(request: HttpRequest) -> StreamingHttpResponse:
    """The JSON, written as it is read (a staff account may have years of events)."""
    now = timezone.now()
    response = StreamingHttpResponse(
        export_chunks(request.user, now=now), content_type="application/json; charset=utf-8"
    )
    filename = f"my-data-{request.user.pk}-{timezone.localtime(now):%Y%m%d-%H%M}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@action_required("deletion.request")
def my_data_delete(request: HttpRequest) -> HttpResponse:
    form = DeletionAskForm(request.POST)
    if form.is_valid() and form.call_service(
        deletion.deletion_request_create, actor=request.user, reason=form.cleaned_data["reason"]
    ):
        messages.success(
            request,
            _("Your request is sent: your association's managers decide, and you are told."),
        )
        return redirect("my-data")
    return _my_data_page(request, ask_form=form, status=400)


@require_POST
@action_required("deletion.request")
def my_data_withdraw(request: HttpRequest) -> HttpResponse:
    try:
        deletion.deletion_request_withdraw(
            actor=request.user, request_id=_number(request.POST.get("request", ""))
        )
    except DeletionRequest.DoesNotExist:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("my-data")
    messages.success(request, _("Your request is withdrawn: your account stays as it is."))
    return redirect("my-data")


def _requests_page(request: HttpRequest, *, failed=None, status: int = 200) -> HttpResponse:
    """The waiting requests the user decides, oldest first; `failed` is (request id, form)."""
    waiting = (
        access.decidable(request.user)
        .filter(status=DeletionRequest.Status.PENDING)
        .select_related("user", "user__enterprise")
        .order_by("asked_at", "id")
    )
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    for item in page:
        fresh = DeclineForm(auto_id=f"id_%s_{item.pk}")
        item.decline_form = failed[1] if failed and failed[0] == item.pk else fresh
    decided = (
        access.decidable(request.user)
        .exclude(status=DeletionRequest.Status.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at", "-id")[:20]
    )
    return render(
        request,
        "operations/deletion_requests.html",
        {"page": page, "decided": decided},
        status=status,
    )


@never_cache
@action_required("deletion.decide")
def deletion_requests(request: HttpRequest) -> HttpResponse:
    return _requests_page(request)


def _decidable_or_404(request: HttpRequest, pk: int) -> DeletionRequest:
    found = access.decidable(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_POST
@action_required("deletion.decide")
def deletion_request_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _decidable_or_404(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Nothing was deleted: tick the box that says what confirming does.")
        )
        return redirect("deletion-requests")
    try:
        deletion.deletion_request_confirm(actor=request.user, request_id=pk)
    except DeletionRequest.DoesNotExist:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("deletion-requests")
    messages.success(request, _("The account is deactivated and its contact data removed."))
    return redirect("deletion-requests")


@require_POST
@action_required("deletion.decide")
def deletion_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    found = _decidable_or_404(request, pk)
    form = DeclineForm(request.POST, auto_id=f"id_%s_{pk}")
    if form.is_valid():
        try:
            deletion.deletion_request_decline(
                actor=request.user, request_id=pk, reason=form.cleaned_data["reason"]
            )
        except DeletionRequest.DoesNotExist:
            raise Http404 from None
        except DomainError as error:
            if error.fields:
                form.add_domain_error(error)
            else:  # its state, not what was typed
                messages.error(request, error.message)
                return redirect("deletion-requests")
        else:
            messages.success(request, _("The request is declined; the person is told why."))
            return redirect("deletion-requests")
    if found.status != DeletionRequest.Status.PENDING:
        messages.error(request, _("This request is decided already."))
        return redirect("deletion-requests")
    return _requests_page(request, failed=(pk, form), status=400)
