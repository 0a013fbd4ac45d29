"""The forms of the complaints pages. Each only reads the input; market.complaints checks the
rules and its DomainError is shown at the fields it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from core.attachments import MultipleFileField
from core.filters import IdField
from core.forms import DateInput, DomainErrorFormMixin
from core.region_fields import RegionField
from market.models import Complaint


class ComplaintForm(DomainErrorFormMixin, forms.Form):
    respondent_name = forms.CharField(label=_("Business complained about"), max_length=200)
    respondent_credit_code = forms.CharField(
        label=_("Its unified social credit code, if known"),
        max_length=18,
        required=False,
        help_text=_("With the code of a member, its association handles the complaint."),
    )
    respondent_region = RegionField(label=_("Where the business is"))
    association = forms.ModelChoiceField(
        label=_("Association to handle it"),
        queryset=Association.objects.order_by("name"),
        required=False,
        help_text=_("Needed when the business is not a member, or is a member of several."),
    )
    category = forms.ChoiceField(
        label=_("What kind of problem"), choices=Complaint.Category.choices
    )
    what_happened = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    happened_on = forms.DateField(label=_("When"), widget=DateInput())
    place = forms.CharField(label=_("Where"), max_length=200)
    show_identity = forms.BooleanField(
        label=_("The business may see that I complained"),
        required=False,
        help_text=_("Left unticked, your name is kept from the business; the association sees it."),
    )
    attachments = MultipleFileField(label=_("Evidence (optional)"))


class TriageForm(DomainErrorFormMixin, forms.Form):
    OUTCOMES = [
        ("", "—"),
        (Complaint.Status.ACCEPTED, _("Accept it")),
        (Complaint.Status.OUTSIDE_REMIT, _("Outside our remit: say where to go")),
        (Complaint.Status.DUPLICATE, _("A duplicate of another complaint")),
    ]
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES)
    referral = forms.CharField(
        label=_("Where to go instead"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duplicate_of = forms.IntegerField(
        label=_("Number of the complaint it repeats"), required=False, min_value=1
    )


class DecideForm(DomainErrorFormMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("", "—"), ("yes", _("Upheld")), ("no", _("Not upheld"))],
        coerce=lambda value: value == "yes",
    )
    decision = forms.CharField(
        label=_("What was found and decided"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HandOffForm(DomainErrorFormMixin, forms.Form):
    department = forms.CharField(label=_("Department"), max_length=200)
    handed_on = forms.DateField(label=_("Handed over on"), widget=DateInput())
    reference = forms.CharField(label=_("Reference number"), max_length=100)


class AnswerForm(DomainErrorFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *Complaint.Status.choices],
        help_text=_("Open: not decided or closed yet."),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Complaint.Category.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    respondent = IdField(required=False, widget=forms.HiddenInput)
