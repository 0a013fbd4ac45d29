"""The HTML side of reports: the list's filters, asking for a report, the association's remarks
and the completeness page's period. Values are checked by the services; these forms only parse
what a person typed."""

from datetime import date, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from core.api.filters import RegionSubtreeFilter
from core.filters import IdFilter
from core.forms import DateInput, DomainErrorFormMixin
from core.region_fields import RegionField, RegionFilterField
from core.region_names import full_name
from enterprises.forms import OwnAssociationMixin
from reports import access
from reports.models import Report
from reports.periods import last_complete_period

EARLIEST_YEAR = 2000  # reports are about the recent past: an earlier day is a typing error


def _plausible_day(day):
    """A day from 2000 to today (a day far off has no period around it in the calendar)."""
    if day is not None and not (date(EARLIEST_YEAR, 1, 1) <= day <= timezone.localdate()):
        raise forms.ValidationError(
            _("Give a day between %(first)s and today."),
            params={"first": date(EARLIEST_YEAR, 1, 1).isoformat()},
            code="implausible_day",
        )
    return day


class ReportFilterForm(forms.Form):
    """What the report list shows; the same parameter names as the API's filters."""

    period_type = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("All periods")), *Report.PeriodType.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Report.Status.choices],
    )
    region = RegionFilterField(label=_("Region"))
    association = forms.ModelChoiceField(
        Association.objects.none(),
        label=_("Association"),
        required=False,
        empty_label=_("All associations"),
    )

    def __init__(self, *args, associations, **kwargs):
        # The list page shows it beside the request form, whose fields have the same names: the
        # ids differ (the names stay those of the API's filters).
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = associations


class ReportFilterSet(django_filters.FilterSet):
    period_type = django_filters.ChoiceFilter(choices=Report.PeriodType.choices)
    status = django_filters.ChoiceFilter(choices=Report.Status.choices)
    region = RegionSubtreeFilter(field_name="region")
    association = IdFilter(field_name="association_id")

    class Meta:
        model = Report
        fields = ["period_type", "status"]


class ReportRequestForm(OwnAssociationMixin, DomainErrorFormMixin, forms.Form):
    """Ask for a report on a scope and a period. Officials ask on a region (their jurisdiction
    by default), staff on one of their associations, administrators on either or the country."""

    period_type = forms.ChoiceField(
        label=_("Period"), choices=Report.PeriodType.choices, initial=Report.PeriodType.DAY
    )
    day = forms.DateField(
        label=_("A day in the period"),
        widget=DateInput,
        help_text=_("The week or month that holds this day, for a weekly or monthly report."),
    )
    # A report may be asked on a withdrawn region: records and past reports keep it.
    region = RegionField(label=_("Region"), required=False, allow_withdrawn=True)
    association = forms.ModelChoiceField(
        Association.objects.none(), label=_("Association"), required=False
    )

    def __init__(self, *args, user, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate() - timedelta(days=1)
        asks_on = access.asks_on(user)
        if asks_on == access.REGIONS:
            del self.fields["association"]
            self.fields["region"].initial = user.jurisdiction_id
            self.fields["region"].help_text = _(
                "Your jurisdiction (%(name)s) or a region inside it: type a name or a code, or "
                "pick it level by level."
            ) % {"name": full_name(user.jurisdiction_id) if user.jurisdiction_id else "—"}
        elif asks_on == access.ANY_SCOPE:
            self.fields["association"].queryset = associations
            self.fields["association"].empty_label = _("No association")
            self.fields["region"].help_text = _(
                "Leave both empty for a national report; give an association for its report."
            )
            self.only_association = None
        else:
            del self.fields["region"]
            self._limit_associations(associations)

    def clean_day(self):
        return _plausible_day(self.cleaned_data.get("day"))

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "period_type": data["period_type"],
            "day": data["day"],
            "region": data.get("region"),
            "association": data.get("association"),
        }


class ReportRemarksForm(forms.Form):
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the figures do not say: context, causes, what the association did."),
    )
    suggestions = forms.CharField(
        label=_("Policy suggestions"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the association asks of government."),
    )


class CompletenessForm(forms.Form):
    period_type = forms.ChoiceField(
        label=_("Period"), choices=Report.PeriodType.choices, required=False
    )
    day = forms.DateField(
        label=_("A day in the period"),
        widget=DateInput,
        required=False,
        help_text=_("Empty: the last complete period."),
    )

    def clean_day(self):
        return _plausible_day(self.cleaned_data.get("day"))

    def period(self) -> tuple[str, object]:
        """The period type and a day in it: what was asked, or the last complete period."""
        data = self.cleaned_data if self.is_valid() else {}
        period_type = data.get("period_type") or Report.PeriodType.DAY
        day = data.get("day") or last_complete_period(period_type)[0]
        return period_type, day
