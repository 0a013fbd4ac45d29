from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from core.forms import DomainErrorFormMixin
from core.models import Industry, Region


class RegionCodeInput(forms.CharField):
    """A county-level region typed as its code (e.g. 440106), checked against GB/T 2260."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("label", _("Region code"))
        kwargs.setdefault("help_text", _("County-level code of GB/T 2260, e.g. 440106"))
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        region = Region.objects.filter(code=code.strip()).first()
        if region is None:
            raise forms.ValidationError(_("Unknown region code %(code)s."), params={"code": code})
        return region


class AssociationForm(DomainErrorFormMixin, forms.ModelForm):
    region = RegionCodeInput(
        label=_("Home region code"), help_text=_("GB/T 2260 code, e.g. 440100")
    )
    industries = forms.ModelMultipleChoiceField(
        Industry.objects.filter(level=Industry.Level.SECTION).order_by("code"),
        label=_("Industries covered"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Association
        fields = [
            "name",
            "kind",
            "uscc",
            "region",
            "industries",
            "contact_name",
            "contact_phone",
            "email",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id
        self.fields["uscc"].validators = []
        self.fields["contact_phone"].validators = []

    def validate_unique(self):
        pass

    def _post_clean(self):
        pass  # the service checks the values, the same for the pages and the API

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class InviteForm(DomainErrorFormMixin, forms.Form):
    username = forms.RegexField(
        r"^[\w.@+-]{3,150}$",
        label=_("Username"),
        max_length=150,
        help_text=_("3 or more letters, digits or . @ + - _"),
    )
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    is_manager = forms.BooleanField(label=_("Manager of the association"), required=False)
