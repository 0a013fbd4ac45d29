"""The notification centre's pages: the list (filters by kind and read or not, pages, mark all
read), opening one (marks it read, then goes where it points) and the e-mail preferences.
Everything is the signed-in user's own (core.notification_centre)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import notification_centre as centre
from core.access import action_required
from core.errors import DomainError
from core.models import Delivery, Notification

PAGE_SIZE = 30


class NotificationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *Notification.Kind.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Read and unread")),
            ("unread", gettext_lazy("Unread")),
            ("read", gettext_lazy("Read")),
        ],
    )

    def filters(self) -> dict:
        """The arguments of notification_centre.notification_list (none while invalid)."""
        if not self.is_valid():
            return {}
        status = self.cleaned_data["status"]
        return {
            "kind": self.cleaned_data["kind"] or None,
            "unread": {"unread": True, "read": False}.get(status),
        }


class PreferencesForm(forms.Form):
    """One choice per kind that may wait (the always urgent kinds have none)."""

    def __init__(self, *args, preferences: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        for entry in preferences:
            if entry["always_urgent"]:
                continue
            self.fields[entry["kind"]] = forms.ChoiceField(
                label=entry["label"],
                choices=Delivery.choices,
                initial=entry["delivery"],
                help_text=entry["note"],
            )

    def rows(self) -> list[dict]:
        """Each kind with its field (None for an always urgent kind)."""
        return [
            {**entry, "field": None if entry["always_urgent"] else self[entry["kind"]]}
            for entry in self.preferences
        ]


@action_required("notification.view")
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, filtered by kind and read or not."""
    form = NotificationFilterForm(request.GET)
    filters = form.filters()
    rows = centre.notification_list(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "core/notifications.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "kind": filters.get("kind") or "",
            "filtered": any(v is not None for v in filters.values()),
        },
    )


@action_required("notification.view")
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification marks it read, then goes to what it is about (or back to the
    list when it points nowhere)."""
    try:
        notification = centre.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notification-list")


@action_required("notification.view")
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read without opening anything (one that points nowhere)."""
    try:
        centre.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    return redirect(_back_to_list(request))


@action_required("notification.view")
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all unread notifications read (of the kind shown, when the list was filtered)."""
    kind = request.POST.get("kind") or None
    if kind not in (None, *Notification.Kind.values):
        kind = None
    count = centre.notifications_mark_all_read(user=request.user, kind=kind)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect(_back_to_list(request))


@action_required("notification.view")
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """How the e-mails of each kind come: at once, in a daily digest, or not at all."""
    preferences = centre.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        try:
            centre.preferences_set(user=request.user, choices=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect("notification-preferences")
    return render(request, "core/notification_preferences.html", {"form": form})


def _back_to_list(request: HttpRequest) -> str:
    """The list as it was (`next`, a path of this site), or the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("notification-list")
