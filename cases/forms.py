"""The forms of the practice-case pages. Each only reads the input; cases.services checks the
rules and its CaseError is shown at the fields it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Association
from cases.models import Case, Tag
from core.attachments import MultipleFileField
from core.forms import DomainErrorFormMixin
from core.region_fields import RegionField, RegionFilterField
from enterprises.forms import industry_choices
from enterprises.models import Enterprise

SIZES = [("", "—"), *Enterprise.Size.choices]


class CaseFilterForm(forms.Form):
    """The library's search and filters; the same names as the API's query parameters (but the
    words are `q`, a search box's usual name)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in Chinese, e.g. 共享用工 or 无接触配送."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=[("", _("All")), *Tag.choices])
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = RegionFilterField(label=_("Region"))
    size = forms.ChoiceField(label=_("Size"), required=False, choices=SIZES)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Case.Status.choices]
    )

    def __init__(self, *args, writes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        if not writes:
            # Readers see published cases (and their own suggestions): no status to choose.
            del self.fields["status"]

    def selector_arguments(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        region = data.get("region")
        return {
            "text": data.get("q", ""),
            "tag": data.get("tag", ""),
            "industry": data.get("industry", ""),
            "region": region.code if region else "",
            "size": data.get("size", ""),
            "status": data.get("status", ""),
        }


class CaseForm(DomainErrorFormMixin, forms.Form):
    """A case as the association writes it (and, without the association, as a member suggests
    it)."""

    association = forms.ModelChoiceField(
        Association.objects.none(), label=_("Association publishing it")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    enterprise_name = forms.CharField(
        label=_("Enterprise"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the case does not name the enterprise."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences: shown in the library's list."),
    )
    problem = forms.CharField(
        label=_("The problem"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    actions = forms.CharField(
        label=_("What the enterprise did"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    results = forms.CharField(
        label=_("Results, with figures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E.g. 两周内恢复产能80%，线上订单增长3倍."),
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"), required=False, choices=Tag.choices, widget=forms.CheckboxSelectMultiple
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = RegionField(label=_("Region"), required=False)
    size = forms.ChoiceField(label=_("Size of the enterprise"), required=False, choices=SIZES)
    attachments = MultipleFileField(label=_("Images and documents (optional)"))

    def __init__(self, *args, associations=None, case: Case | None = None, **kwargs):
        if case is not None:
            kwargs["initial"] = {
                **{name: getattr(case, name) for name in ("title", "enterprise_name", "summary")},
                **{name: getattr(case, name) for name in ("problem", "actions", "results")},
                "tags": case.tag_values,
                "industry": case.industry_id or "",
                "region": case.region_id or "",
                "size": case.size,
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        if associations is None:
            del self.fields["association"]
        else:
            self.fields["association"].queryset = associations
            if len(associations) == 1:
                self.fields["association"].required = False
                self.fields["association"].widget = forms.HiddenInput()

    def clean_association(self):
        chosen = self.cleaned_data.get("association")
        if chosen is None and len(self.fields["association"].queryset) == 1:
            return self.fields["association"].queryset[0]
        return chosen

    def service_data(self) -> dict:
        data = self.cleaned_data
        names = ("title", "enterprise_name", "summary", "problem", "actions", "results", "size")
        region = data.get("region")
        return {
            **{name: data.get(name, "") for name in names},
            "industry": data.get("industry") or None,
            "region": region.code if region else None,
        }


class SuggestForm(CaseForm):
    """A member's own case: the association it is a member of reviews and publishes it."""

    def __init__(self, *args, associations=None, **kwargs):
        super().__init__(*args, associations=associations, **kwargs)
        if associations is not None:
            self.fields["association"].label = _("Association to send it to")
        self.fields["enterprise_name"].help_text = _("Left empty, your enterprise's name is used.")
