"""The forms of the relief schemes pages; relief.services checks the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, DomainErrorFormMixin, IndustryListField
from core.region_fields import RegionListField
from enterprises.models import Enterprise
from relief.models import Grade, ReliefScheme


class SchemeForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("What it gives"), choices=ReliefScheme.Kind.choices)
    grades = forms.MultipleChoiceField(
        label=_("For enterprises graded"),
        choices=Grade.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sizes = forms.MultipleChoiceField(
        label=_("Sizes (none ticked: every size)"),
        choices=Enterprise.Size.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    regions = RegionListField(label=_("Regions (empty: everywhere)"), required=False)
    industries = IndustryListField(label=_("Industries (empty: every industry)"), required=False)
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=14, decimal_places=2)
    amount_per_grant = forms.DecimalField(
        label=_("Amount per grant (yuan)"),
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "Dues waived or deferred: each member's recorded annual dues (or half of them) are "
            "granted; this amount only for members whose dues are not recorded."
        ),
    )
    active_from = forms.DateField(label=_("Active from"), widget=DateInput())
    active_to = forms.DateField(label=_("Active to"), widget=DateInput())


class BatchDecisionForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
