"""The HTML side of batches and applications: the batch form, the application form, the
decisions and the review queue's filters. Values are checked by the services; these forms only
parse what a person typed."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from batches.models import Application, Batch
from core.api.filters import IndustryFilter, RegionSubtreeFilter
from core.filters import IdFilter
from core.forms import DateInput, DomainErrorFormMixin
from core.models import Industry, Region
from core.region_fields import RegionFilterField, RegionListField
from enterprises.forms import OwnAssociationMixin, industry_choices


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are in Asia/Shanghai, the site's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class BatchForm(OwnAssociationMixin, DomainErrorFormMixin, forms.Form):
    association = forms.ModelChoiceField(Association.objects.none(), label=_("Association"))
    name = forms.CharField(label=_("Name"), max_length=200)
    regions = RegionListField(label=_("Regions"))
    industries = forms.MultipleChoiceField(label=_("Industries"))
    opens_at = forms.DateTimeField(label=_("Applications open"), widget=DateTimeLocalInput)
    closes_at = forms.DateTimeField(label=_("Applications close"), widget=DateTimeLocalInput)
    planned_start = forms.DateField(label=_("Planned start of work"), widget=DateInput)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        help_text=_("The most enterprises that may be approved in this batch."),
    )
    review_days = forms.IntegerField(
        label=_("Review deadline (days)"),
        min_value=1,
        max_value=60,
        initial=3,
        help_text=_("A submitted application waiting longer than this is marked overdue."),
    )
    prevention_requirements = forms.CharField(
        label=_("Prevention requirements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What every applicant must have in place; applicants see this text."),
    )
    mandatory_items = forms.MultipleChoiceField(
        label=_("Mandatory checklist items"),
        required=False,
        choices=list(Application.CHECKLIST.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An application cannot be submitted without these."),
    )

    min_masks_days = forms.IntegerField(
        label=_("Masks in stock: at least (days)"), required=False, min_value=0, max_value=9999
    )
    min_disinfectant_days = forms.IntegerField(
        label=_("Disinfectant in stock: at least (days)"),
        required=False,
        min_value=0,
        max_value=9999,
    )
    min_thermometers = forms.IntegerField(
        label=_("Thermometers: at least"), required=False, min_value=0, max_value=9999
    )

    SERVICE_FIELDS = (
        "name",
        "opens_at",
        "closes_at",
        "planned_start",
        "capacity",
        "review_days",
        "prevention_requirements",
        "mandatory_items",
    )

    def __init__(self, *args, associations=None, batch: Batch | None = None, **kwargs):
        self.batch = batch
        if batch is not None:
            kwargs["initial"] = {
                **{name: getattr(batch, name) for name in self.SERVICE_FIELDS},
                "regions": ", ".join(region.code for region in batch.regions.all()),
                "industries": [industry.code for industry in batch.industries.all()],
                **{
                    f"min_{item}": value for item, value in (batch.checklist_minimums or {}).items()
                },
            }
        super().__init__(*args, **kwargs)
        self.fields["industries"].choices = industry_choices(divisions_only=False)[1:]
        if batch is None:
            self._limit_associations(associations)
        else:
            del self.fields["association"]  # a batch stays with the association that opened it

    def clean_industries(self) -> list[Industry]:
        return list(Industry.objects.filter(code__in=self.cleaned_data["industries"]))

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}
        fields["checklist_minimums"] = {
            item: self.cleaned_data[f"min_{item}"]
            for item in Application.COUNTED
            if self.cleaned_data.get(f"min_{item}") is not None
        }
        return fields

    def minimum_fields(self) -> list:
        return [self[f"min_{item}"] for item in Application.COUNTED]

    def chosen_regions(self) -> list[Region]:
        """The regions as understood from the codes, to show their names back."""
        if self.is_bound:
            return self.cleaned_data.get("regions", []) if hasattr(self, "cleaned_data") else []
        return list(self.batch.regions.all()) if self.batch else []

    def chosen_industries(self) -> list[str]:
        """The ticked sections and divisions, to show above the (scrolling) picker."""
        selected = {str(code) for code in (self["industries"].value() or [])}
        return [
            label
            for _section, options in self.fields["industries"].choices
            for code, label in options
            if code in selected
        ]

    def industry_groups(self) -> list[dict]:
        """The industry choices by section, with what is ticked, for the picker."""
        selected = {str(code) for code in (self["industries"].value() or [])}
        groups = []
        for label, options in self.fields["industries"].choices:
            (section_code, _whole), *divisions = options
            chosen = [code for code, _label in divisions if code in selected]
            groups.append(
                {
                    "label": label,
                    "code": section_code,
                    "checked": section_code in selected,
                    "divisions": [
                        {"code": code, "label": text, "checked": code in selected}
                        for code, text in divisions
                    ],
                    "chosen": len(chosen),
                }
            )
        return groups


class ApplicationForm(DomainErrorFormMixin, forms.ModelForm):
    """The application with its readiness checklist; one optional note per checklist item."""

    class Meta:
        model = Application
        fields = [
            "planned_date",
            "returning_workers",
            "workers_from_other_provinces",
            *Application.CHECKLIST,
        ]
        widgets = {"planned_date": DateInput}

    def __init__(self, *args, batch: Batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.fields["planned_date"].label = _("Planned date of resumption")
        self.fields["returning_workers"].label = _("Workers returning")
        self.fields["workers_from_other_provinces"].label = _("Of whom from other provinces")
        self.fields["workers_from_other_provinces"].help_text = _(
            "They may need a health check or quarantine on arrival."
        )
        if not self.instance.pk:
            self.initial.setdefault("planned_date", batch.planned_start)
        notes = self.instance.checklist_notes or {}
        for item, label in Application.CHECKLIST.items():
            self.fields[item].label = label
            self.fields[f"note_{item}"] = forms.CharField(
                label=_("Note on %(item)s") % {"item": label},
                required=False,
                max_length=300,
                initial=notes.get(item, ""),
            )

    def validate_unique(self):
        pass  # one live application per enterprise and batch: the service says what to do

    def _post_clean(self):
        pass  # values are checked by the service, in one place for pages and API

    def checklist_rows(self) -> list[dict]:
        mandatory = set(self.batch.mandatory_items or [])
        minimums = self.batch.checklist_minimums or {}
        return [
            {
                "field": self[item],
                "note": self[f"note_{item}"],
                "mandatory": item in mandatory,
                "minimum": minimums.get(item),
                "yes_no": isinstance(self.fields[item], forms.BooleanField),
            }
            for item in Application.CHECKLIST
        ]

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["checklist_notes"] = {
            item: self.cleaned_data[f"note_{item}"].strip()
            for item in Application.CHECKLIST
            if self.cleaned_data.get(f"note_{item}", "").strip()
        }
        return fields


class ResumeForm(forms.Form):
    resumed_on = forms.DateField(label=_("Resumed on"), widget=DateInput)
    workers_on_site = forms.IntegerField(label=_("Workers on site"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resumed_on"].initial = timezone.localdate()


class ApplicationFilterForm(forms.Form):
    """What the review queue shows; the same parameter names as the API's filters."""

    batch = forms.ModelChoiceField(
        Batch.objects.none(), label=_("Batch"), required=False, empty_label=_("All batches")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Application.Status.choices],
    )
    region = RegionFilterField(label=_("Region"))
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, batches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches
        self.fields["industry"].choices = industry_choices(divisions_only=False)


class ApplicationFilterSet(django_filters.FilterSet):
    batch = IdFilter(field_name="batch_id")
    status = django_filters.ChoiceFilter(choices=Application.Status.choices)
    region = RegionSubtreeFilter(field_name="enterprise__region")
    industry = IndustryFilter(field_name="enterprise__industry")
    overdue = django_filters.BooleanFilter(method="filter_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = Application
        fields = ["batch", "status"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue=True) if value else queryset
