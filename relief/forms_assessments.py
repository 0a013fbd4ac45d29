"""The forms of the hardship assessment pages. Each only reads the input; the services
(relief.assessment_services) check the rules, and their DomainError is shown at the fields it
names (core.forms.DomainErrorFormMixin)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import MultipleFileField
from core.forms import DateInput, DomainErrorFormMixin
from core.region_fields import RegionFilterField
from enterprises.forms import industry_choices
from relief.models import Grade, HardshipAssessment

FIGURES = (
    "revenue_drop_percent",
    "months_of_cash",
    "orders_lost",
    "workers_not_back",
    "rent_burden_percent",
    "cause",
)
HELP = {
    "revenue_drop_percent": _("Against the same month of last year, 0 to 100."),
    "months_of_cash": _("How many months the enterprise can pay its costs with the cash it has."),
    "orders_lost": _("Orders cancelled or not placed because of the disaster."),
    "workers_not_back": _("Workers who have not come back to work."),
    "rent_burden_percent": _(
        "Rent as a share of revenue, 0 to 100 (100 if rent is as much or more)."
    ),
}


class MonthInput(forms.DateInput):
    """The browser's month picker (YYYY-MM)."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


def month_field(**kwargs) -> forms.DateField:
    kwargs.setdefault("label", _("Month"))
    return forms.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput(), **kwargs)


def _figure_fields() -> dict[str, forms.Field]:
    fields = {}
    for name in FIGURES:
        model_field = HardshipAssessment._meta.get_field(name)
        field = model_field.formfield()
        if model_field.has_default():
            field.required = False  # left empty: the model's default (0)
        if name in HELP:
            field.help_text = HELP[name]
        fields[name] = field
    fields["cause"].choices = [("", "—"), *HardshipAssessment.Cause.choices]
    return fields


class _FiguresForm(DomainErrorFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in _figure_fields().items():
            self.fields[name] = field
        self.fields["attachments"] = MultipleFileField(label=_("Evidence (optional)"))

    def figures(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIGURES}


class AskForm(_FiguresForm):
    """An enterprise asks one of its associations to assess a month."""

    association = forms.TypedChoiceField(label=_("Association"), coerce=int)
    period = month_field(help_text=_("The month the figures are about (this month or earlier)."))

    field_order = ["association", "period", *FIGURES, "attachments"]

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].choices = [(a.pk, a.name) for a in associations]
        self.order_fields(self.field_order)


class RecordForm(_FiguresForm):
    """Staff assess a member directly."""

    association = forms.TypedChoiceField(label=_("Association"), coerce=int)
    enterprise = forms.CharField(
        label=_("Enterprise"),
        max_length=200,
        help_text=_("Its unified social credit code, or its exact name."),
    )
    period = month_field()
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    reason = forms.CharField(
        label=_("Reason for another grade"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when you choose a grade other than the rule's."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())

    field_order = [
        "association",
        "enterprise",
        "period",
        *FIGURES,
        "grade",
        "reason",
        "valid_until",
        "attachments",
    ]

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].choices = [(a.pk, a.name) for a in associations]
        if len(associations) == 1:
            self.fields["association"].widget = forms.HiddenInput()
            self.fields["association"].initial = associations[0].pk
        self.fields["grade"].choices = [("", _("By the rule")), *Grade.choices]
        self.order_fields(self.field_order)


class AssessForm(DomainErrorFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    reason = forms.CharField(
        label=_("Reason for another grade"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when you choose a grade other than the rule's."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())

    def __init__(self, *args, computed: str = "", **kwargs):
        kwargs.setdefault("auto_id", "id_assess_%s")  # the refusal's reason is on the page too
        super().__init__(*args, **kwargs)
        by_rule = _("By the rule")
        if computed:
            by_rule = _("By the rule: %(grade)s") % {"grade": Grade(computed).label}
        self.fields["grade"].choices = [("", by_rule), *Grade.choices]


def default_valid_until():
    """Half a year from today, as the pages suggest."""
    return timezone.localdate() + timedelta(days=182)


class EvidenceForm(DomainErrorFormMixin, forms.Form):
    attachments = MultipleFileField(label=_("Evidence"), required=True)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *HardshipAssessment.Status.choices],
    )
    grade = forms.ChoiceField(
        label=_("Grade"), required=False, choices=[("", _("All grades")), *Grade.choices]
    )
    period = month_field(required=False)


class HardestHitFilterForm(forms.Form):
    association = forms.TypedChoiceField(
        label=_("Association"), coerce=int, required=False, empty_value=None
    )
    region = RegionFilterField(label=_("Region"))
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    cause = forms.ChoiceField(
        label=_("Cause"),
        required=False,
        choices=[("", _("All causes")), *HardshipAssessment.Cause.choices],
    )

    def __init__(self, data, *, associations):
        super().__init__(data)
        self.fields["association"].choices = [
            ("", _("All associations")),
            *((a.pk, a.name) for a in associations),
        ]
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        if len(associations) <= 1:
            del self.fields["association"]
