from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from core.forms import DomainErrorFormMixin
from core.models import Industry, Region
from core.region_fields import RegionField
from core.text import with_aside
from enterprises.models import Enterprise

__all__ = [
    "ClaimForm",
    "EnterpriseForm",
    "JoinForm",
    "OwnAssociationMixin",
    "ReasonForm",
    "RegisterEnterpriseForm",
    "industry_choices",
]


def industry_choices(divisions_only: bool) -> list:
    """Industries grouped by section, for a select: (section, [(code, label), ...])."""
    industries = list(Industry.objects.order_by("code"))
    groups: dict[str, list] = {}
    labels = {}
    for industry in industries:
        if industry.level == Industry.Level.SECTION:
            labels[industry.code] = f"{industry.code} {industry.name}"
            groups[industry.code] = (
                []
                if divisions_only
                else [
                    (
                        industry.code,
                        with_aside(f"{industry.code} {industry.name}", _("whole section")),
                    )
                ]
            )
    for industry in industries:
        if industry.level == Industry.Level.DIVISION:
            groups[industry.parent_id].append((industry.code, f"{industry.code} {industry.name}"))
    return [("", "—"), *((labels[code], options) for code, options in sorted(groups.items()))]


class OwnAssociationMixin:
    """An `association` field limited to the user's associations; hidden and filled in when
    the user works for only one."""

    def _limit_associations(self, associations) -> None:
        field = self.fields["association"]
        field.queryset = associations
        self.only_association = associations[0] if len(associations) == 1 else None
        if self.only_association is not None:
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_association(self):
        return self.cleaned_data.get("association") or self.only_association


class EnterpriseForm(DomainErrorFormMixin, forms.ModelForm):
    region = RegionField(levels=(Region.Level.COUNTY,))
    industry = forms.ChoiceField(label=_("Industry"))

    class Meta:
        model = Enterprise
        fields = list(Enterprise.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices(divisions_only=True)
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id
            self.initial["industry"] = self.instance.industry_id
        self.fields["uscc"].validators = []  # checked (with a better message) by the service
        self.fields["contact_phone"].validators = []

    def clean_industry(self):
        return Industry.objects.filter(code=self.cleaned_data["industry"]).first()

    def validate_unique(self):
        pass  # the service answers a taken credit code with what to do instead

    def _post_clean(self):
        pass  # field values are checked by the service, in one place for pages and API

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RegisterEnterpriseForm(EnterpriseForm):
    association = forms.ModelChoiceField(
        Association.objects.order_by("name"),
        label=_("Ask to join this association"),
        required=False,
    )


class ClaimForm(DomainErrorFormMixin, forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=32)
    note = forms.CharField(
        label=_("Note for the association staff"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("E.g. your position in the enterprise, so that staff can check."),
    )


class JoinForm(DomainErrorFormMixin, forms.Form):
    association = forms.ModelChoiceField(
        Association.objects.order_by("name"), label=_("Association")
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)
