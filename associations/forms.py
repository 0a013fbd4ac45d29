from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from core.forms import DomainErrorFormMixin
from core.models import Industry
from core.region_fields import RegionField


class AssociationForm(DomainErrorFormMixin, forms.ModelForm):
    region = RegionField(label=_("Home region"))
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
