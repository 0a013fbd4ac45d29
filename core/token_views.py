"""The page of API tokens, /account/tokens/ (core.tokens): the tokens one manages — one's own, and
for a manager those of the partner accounts of their associations — with when each was last used
and from where; a form to make one (its key shown once, on the answer to that form); a revoke
button beside each, behind a ticked box (docs/decisions/0012)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import tokens as services
from core.access import action_required
from core.forms import DomainErrorFormMixin
from core.tokens import ApiToken

LIFETIMES = (30, 90, 180, 365)


class ApiTokenForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=services.NAME_MAX_LENGTH,
        help_text=gettext_lazy("To recognise it later, e.g. the system that will use it."),
    )
    user = forms.TypedChoiceField(
        label=gettext_lazy("Account"), coerce=int, required=False, empty_value=None
    )
    access = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=ApiToken.Access.choices,
        initial=ApiToken.Access.READ_WRITE,
        help_text=gettext_lazy("Read only: the token can look but not change anything."),
    )
    days = forms.TypedChoiceField(label=gettext_lazy("Works for"), coerce=int, initial=90)

    def __init__(self, *args, owners: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in LIFETIMES
        ]
        you = _("%(username)s (you)") % {"username": owners[0].username}
        self.fields["user"].choices = [
            (owners[0].pk, you),
            *((owner.pk, owner.username) for owner in owners[1:]),
        ]
        self.fields["user"].initial = owners[0].pk
        if len(owners) == 1:
            self.fields["user"].widget = forms.HiddenInput()
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})


def _page(request: HttpRequest, form: ApiTokenForm, *, created=None, status: int = 200):
    tokens = list(services.token_list(user=request.user).select_related("created_by")[:500])
    return render(
        request,
        "core/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "created": created,
            "others": any(token.user_id != request.user.pk for token in tokens)
            or len(form.fields["user"].choices) > 1,
            "now": timezone.now(),
        },
        status=status,
    )


@never_cache
@action_required("token.manage")
def token_list(request: HttpRequest) -> HttpResponse:
    owners = services.token_owners_for(request.user)
    if request.method != "POST":
        return _page(request, ApiTokenForm(owners=owners))
    form = ApiTokenForm(request.POST, owners=owners)
    made = form.submitted(request) and form.call_service(
        services.token_create,
        actor=request.user,
        name=form.cleaned_data["name"],
        access=form.cleaned_data["access"],
        expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
        owner_id=form.cleaned_data["user"],
    )
    if not made:
        return _page(request, form, status=400)
    token, key = made
    token.key = key
    # The key is on this answer only: a fresh form, and nothing kept that could show it again.
    return _page(request, ApiTokenForm(owners=owners), created=token)


@require_POST
@action_required("token.manage")
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(services.token_list(user=request.user), pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Nothing was revoked: tick the box that says what revoking does.")
        )
        return redirect("api-tokens")
    services.token_revoke(actor=request.user, token_id=token.pk)
    messages.success(
        request,
        _("The token “%(name)s” of %(username)s is revoked: it no longer works.")
        % {"name": token.name, "username": token.user.username},
    )
    return redirect("api-tokens")
