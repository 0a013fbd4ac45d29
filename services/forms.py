"""The forms of the services pages. Each only reads the input; services.services checks the
rules and its DomainError is shown at the fields it names (core.forms.DomainErrorFormMixin)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.attachments import MultipleFileField
from core.filters import IdField
from core.forms import DateInput, DomainErrorFormMixin
from core.region_fields import RegionListField
from services.models import Service, ServiceProvider, ServiceRequest


class ProviderForm(DomainErrorFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceProvider
        fields = ["name", "kind", "contact", "capacity"]


class ServiceForm(DomainErrorFormMixin, forms.ModelForm):
    regions = RegionListField(
        label=_("Regions served"),
        required=False,
        help_text=_("Leave empty if the service is open to members everywhere."),
    )

    class Meta:
        model = Service
        fields = [
            "title",
            "category",
            "provider",
            "description",
            "eligibility",
            "how_to_apply",
            "fee",
            "fee_amount",
            "capacity",
            "status",
            "last_checked_on",
            "respond_days",
            "plan_days",
            "resolve_days",
        ]
        labels = {"provider": _("Provider")}
        widgets = {
            "last_checked_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "how_to_apply": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if self.instance.pk and not self.is_bound:
            self.initial["regions"] = "、".join(r.code for r in self.instance.regions.all())


class RequestForm(DomainErrorFormMixin, forms.Form):
    description = forms.CharField(
        label=_("What help do you need?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say what happened, what you have tried, and by when you need help."),
    )
    attachments = MultipleFileField(label=_("Documents (optional)"))


class AttachForm(DomainErrorFormMixin, forms.Form):
    attachments = MultipleFileField(label=_("Add documents"), required=True)


class AcceptForm(DomainErrorFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Myself")
    )
    to_provider = forms.BooleanField(
        label=_("Hand it to the provider's contact person instead"), required=False
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class RateForm(DomainErrorFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5 is best. A rating of 2 or less sends the request back to the staff."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open")), *ServiceRequest.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=None, required=False, empty_label=_("All services")
    )
    enterprise = IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class CatalogueFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Service.Category.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
