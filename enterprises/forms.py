from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association, Membership
from core.forms import DomainErrorFormMixin
from core.models import Industry, Region
from enterprises.models import Enterprise


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
                else [(industry.code, f"{industry.code} {industry.name} ({_('whole section')})")]
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
    region = RegionCodeInput()
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


class NewMemberForm(OwnAssociationMixin, EnterpriseForm):
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_associations(associations)


class RegisterEnterpriseForm(EnterpriseForm):
    association = forms.ModelChoiceField(
        Association.objects.order_by("name"),
        label=_("Ask to join this association"),
        required=False,
    )


class AddExistingMemberForm(OwnAssociationMixin, DomainErrorFormMixin, forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=32)
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_associations(associations)


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


class ImportForm(OwnAssociationMixin, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8) or Excel .xlsx, first row a header; see the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_associations(associations)


class MemberFilterForm(forms.Form):
    """The filters of the member list; the same names as the API's query parameters."""

    ORDERINGS = [
        ("enterprise__name", _("Name")),
        ("-joined_on", _("Newest members first")),
        ("-enterprise__employees", _("Most employees first")),
        ("enterprise__region_id", _("Region code")),
        ("member_number", _("Member number")),
    ]

    search = forms.CharField(label=_("Name or credit code"), required=False)
    region = forms.CharField(
        label=_("Region code"),
        required=False,
        max_length=6,
        help_text=_("Any level: 440000 (province), 440100 (city), 440106 (county)"),
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    size = forms.ChoiceField(
        label=_("Size"), required=False, choices=[("", "—"), *Enterprise.Size.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *Membership.Status.choices]
    )
    association = forms.ModelChoiceField(
        Association.objects.none(), label=_("Association"), required=False
    )
    ordering = forms.ChoiceField(label=_("Order by"), required=False, choices=ORDERINGS)

    def __init__(self, *args, associations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        self.fields["association"].queryset = associations
        if associations is not None and len(associations) <= 1:
            del self.fields["association"]
