from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class DateInput(forms.DateInput):
    """The browser's date picker, its value written as ISO dates (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ReasonForm(forms.Form):
    """The why of a decision, kept in the history (a form, so that what cannot be stored —
    a NUL character, a novel — is refused with a message rather than a 500)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _picking(errors) -> bool:
    return any(error.code == "picking" for error in errors)


class DomainErrorFormMixin:
    """Shows a service's DomainError on the form: each field's messages beside the field, the
    rest at the top."""

    def submitted(self, request) -> bool:
        return request.method == "POST" and self.is_valid()

    def full_clean(self) -> None:
        super().full_clean()
        # A region picker's "next level" button sent the form back to show the next list, not
        # to save it (core.region_fields): the fields not filled in yet are not wrong.
        errors = self._errors.as_data() if self._errors else {}
        picking = [name for name, found in errors.items() if _picking(found)]
        if picking:
            for name in [name for name in errors if name not in picking]:
                del self._errors[name]

    def call_service(self, service, /, **kwargs):
        """Run a service with this form's input; on a DomainError show it on the form and
        answer None, so the view renders the form again."""
        try:
            return service(**kwargs)
        except DomainError as error:
            self.add_domain_error(error)
            return None

    def add_domain_error(self, error: DomainError) -> None:
        if not error.fields:
            self.add_error(None, error.message)
            return
        for field, messages in error.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class SecondFactorForm(DomainErrorFormMixin, forms.Form):
    """The second step of a login: a code of the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("One-time code"),
        max_length=32,
        help_text=_(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class AuthenticatorConfirmForm(DomainErrorFormMixin, forms.Form):
    """The first code of a new authenticator, which shows that the app holds the secret."""

    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SignupStartForm(DomainErrorFormMixin, forms.Form):
    """The first step of signing up: where to send the code."""

    contact = forms.CharField(
        label=_("Mobile number or e-mail address"),
        max_length=254,
        help_text=_("We send a six-digit code there, to check that it is yours."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class SignupFinishForm(DomainErrorFormMixin, forms.Form):
    """The second step: the code received, and the account's username, name and password."""

    code = forms.CharField(
        label=_("Code received"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What you will log in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
    first_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shown to association staff who handle your enterprise's requests."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits, not like your username or address."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", _("The two passwords differ; type the same one twice."))
        return data


class IndustryListField(forms.CharField):
    """Industry codes of GB/T 4754-2017 (sections A–T or divisions), separated by 、 or commas;
    the cleaned value is the list of codes, each unknown one named in the error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault(
            "help_text", _("Section letters or division codes of GB/T 4754-2017, e.g. C、H62.")
        )
        super().__init__(**kwargs)

    def clean(self, value) -> list[str]:
        from core.models import Industry
        from core.region_fields import split_list

        text = super().clean(value)
        codes = [code.strip().upper() for code in split_list(text)]
        known = set(Industry.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise forms.ValidationError(
                _("Unknown industry codes: %(codes)s.") % {"codes": "、".join(unknown)}
            )
        return codes
