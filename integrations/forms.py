"""The forms of the webhook pages; integrations.services checks the rules (the URL's address,
the event types, whose account)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.forms import DomainErrorFormMixin
from integrations import feed, subjects
from integrations.models import Delivery, Endpoint

EVERY_EVENT = "*"
LEFT_SCOPE = "enterprise.left_scope"


def pattern_choices() -> list[tuple[str, str]]:
    """`*`, `<object>.*` for every kind of object the feed follows, and the left-scope message."""
    choices = [(EVERY_EVENT, _("* — every event"))]
    choices += [(f"{name}.*", f"{name}.*") for name in sorted(subjects.subjects())]
    choices.append((LEFT_SCOPE, _("enterprise.left_scope — an enterprise left your sight")))
    return choices


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,，、;；]+", text) if part]


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker (its value as 2026-12-05T14:30)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class EndpointForm(DomainErrorFormMixin, forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the portal posts the events; https unless it is on your intranet."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=200,
        required=False,
        help_text=_("To recognise it later, e.g. the system that receives it."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exact_types = forms.CharField(
        label=_("Or exact event types"),
        max_length=1000,
        required=False,
        help_text=_("Separated by commas or spaces, e.g. report.submitted, need.resolved."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = pattern_choices()

    def clean_exact_types(self) -> list[str]:
        typed = _split(self.cleaned_data["exact_types"])
        if typed:
            try:
                feed.check_patterns(typed)
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return typed

    def clean(self):
        cleaned = super().clean()
        ticked = cleaned.get("event_types") or []
        typed = cleaned.get("exact_types") or []
        if "event_types" in cleaned and "exact_types" in cleaned and not ticked + typed:
            self.add_error("event_types", _("Tick the events to send, or type their types."))
        return cleaned

    def patterns(self) -> list[str]:
        """The event types as integrations.services takes them."""
        return list(
            dict.fromkeys([*self.cleaned_data["event_types"], *self.cleaned_data["exact_types"]])
        )

    @classmethod
    def initial_of(cls, endpoint: Endpoint) -> dict:
        offered = {value for value, _label in pattern_choices()}
        return {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": [p for p in endpoint.event_types if p in offered],
            "exact_types": ", ".join(p for p in endpoint.event_types if p not in offered),
        }


class NewEndpointForm(EndpointForm):
    account = forms.TypedChoiceField(label=_("Account"), coerce=int)

    field_order = ["url", "description", "event_types", "exact_types", "account"]

    def __init__(self, *args, accounts: list, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {account.pk: account for account in accounts}
        choices = []
        for account in accounts:
            label = account.get_full_name() or account.username
            if account.pk == user.pk:
                label = _("%(name)s (you)") % {"name": label}
            elif label != account.username:
                label = f"{label} ({account.username})"
            choices.append((account.pk, label))
        field = self.fields["account"]
        field.choices = choices
        field.help_text = _(
            "Whose eyes the messages see with: each carries only what this account may see."
        )
        field.initial = (
            user.pk if user.pk in self.accounts else (choices[0][0] if choices else None)
        )
        if len(choices) == 1:
            field.widget = forms.HiddenInput()

    def chosen_account(self):
        return self.accounts[self.cleaned_data["account"]]


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Every delivery")), *Delivery.Status.choices],
    )


class RedeliverRangeForm(DomainErrorFormMixin, forms.Form):
    since = forms.DateTimeField(label=_("Given up from"), widget=DateTimeLocalInput())
    until = forms.DateTimeField(label=_("Given up until"), widget=DateTimeLocalInput())

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", _("The end must come after the start."))
        return cleaned
