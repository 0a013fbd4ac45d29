"""The forms of the member pages: the member list's filters, adding a member, the import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association, Membership
from core.forms import DomainErrorFormMixin
from core.region_fields import RegionFilterField
from enterprises.forms import EnterpriseForm, OwnAssociationMixin, industry_choices
from enterprises.models import Enterprise


class NewMemberForm(OwnAssociationMixin, EnterpriseForm):
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_associations(associations)


class AddExistingMemberForm(OwnAssociationMixin, DomainErrorFormMixin, forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=32)
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_associations(associations)


class MembershipRecordForm(DomainErrorFormMixin, forms.Form):
    """What the association records of a membership beside its status."""

    prefix = "record"  # the decision form on the same page has a member number too
    member_number = forms.CharField(label=_("Member number"), max_length=32, required=False)
    annual_dues = forms.DecimalField(
        label=_("Annual dues (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_(
            "Left empty: not recorded. A relief scheme waiving dues grants this amount "
            "(or half of it)."
        ),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


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
    region = RegionFilterField(label=_("Region"))
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
