from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DomainErrorFormMixin
from core.models import Role


class ManagerForm(DomainErrorFormMixin, forms.Form):
    """The first manager of a new association: who they are and where the invitation goes."""

    username = forms.RegexField(
        r"^[\w.@+-]{3,150}$",
        label=_("Username"),
        max_length=150,
        help_text=_("3 or more letters, digits or . @ + - _"),
        error_messages={"invalid": _("Use 3 or more letters, digits or . @ + - _ only.")},
    )
    first_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("The invitation with a link to set a password is sent here."),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        required=False,
        help_text=_("Without an e-mail address, the invitation goes by text message."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and "email" not in self.errors:
            self.add_error(
                "email",
                _("Give an e-mail address or a mobile number to send the invitation to."),
            )
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


ACTIVE_CHOICES = [("", _("Active or not")), ("yes", _("Active")), ("no", _("Deactivated"))]


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Find"),
        max_length=100,
        required=False,
        help_text=_("Part of a username, name, e-mail address or phone number."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Every role")), *Role.choices], required=False
    )
    active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)


class AccountReasonForm(forms.Form):
    """The why of a deactivation (required) or a reactivation, and the box that says what
    deactivating does (docs/decisions/0012)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_required = reason_required
        self.fields["reason"].required = reason_required
        if reason_required:
            self.fields["reason"].error_messages["required"] = _(
                "Say why the account is deactivated; the reason is kept in its history."
            )

    def clean_confirm(self):
        confirmed = self.cleaned_data.get("confirm")
        if self.reason_required and not confirmed:
            raise forms.ValidationError(
                _("Nothing was done: tick the box that says what deactivating does.")
            )
        return confirmed
