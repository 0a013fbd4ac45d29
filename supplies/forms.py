"""The HTML side of needs, offers and the catalogue: the filing forms, the coordination forms on a
need's page and the filters of the staff queue and the officials' list. Values are checked by the
services (quantities, dates, units); these forms only parse what a person typed."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from associations.models import Association, Membership
from core.api.filters import IndustryFilter, RegionSubtreeFilter
from core.filters import IdFilter
from core.forms import DateInput, DomainErrorFormMixin
from core.models import Region
from core.region_fields import RegionField, RegionFilterField
from core.text import with_aside
from enterprises.forms import industry_choices
from supplies.models import Escalation, Need, SupplyItem, SupplyOffer

NO_PAST = {"min": ""}  # filled with today's date when the form is built


class QuantityInput(forms.CharField):
    """A quantity as typed: thousands separators and spaces go ("1,000" is 1000). Text, not a
    number field: the service says what is wrong with "abc" or "-5" in words a person can act
    on, the same for the pages and the API."""

    def to_python(self, value):
        return "".join(super().to_python(value).replace(",", "").split())


def _quantity_input(**kwargs) -> QuantityInput:
    return QuantityInput(
        label=_("Quantity"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def _future_date(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DateInput(attrs=dict(NO_PAST)), help_text=help_text
    )


class ItemChoiceField(forms.ModelChoiceField):
    """Catalogue items with the unit they are counted in."""

    def label_from_instance(self, item: SupplyItem) -> str:
        return with_aside(item.name, item.get_unit_display())


class _NeedFormBase(DomainErrorFormMixin, forms.Form):
    """What every kind of need is filed with; the association is asked only of an enterprise
    that is an active member of several."""

    SERVICE_FIELDS: tuple[str, ...] = ()
    KIND: str = ""

    association = forms.ModelChoiceField(
        Association.objects.none(),
        label=_("Association asked to help"),
        empty_label=_("Choose an association"),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Need.Urgency.choices, initial=Need.Urgency.NORMAL
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        associations = Association.objects.filter(
            memberships__enterprise=enterprise, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")
        self.association_count = associations.count()
        if self.association_count > 1:
            self.fields["association"].queryset = associations
        else:
            del self.fields["association"]  # the service takes the only one (or says why not)
        today = timezone.localdate().isoformat()
        for field in self.fields.values():
            if isinstance(field.widget, DateInput) and "min" in field.widget.attrs:
                field.widget.attrs["min"] = today

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        association = self.cleaned_data.get("association")
        fields["association_id"] = association.pk if association else None
        fields["kind"] = self.KIND
        return fields


class SupplyRequestForm(_NeedFormBase):
    KIND = Need.Kind.SUPPLY
    SERVICE_FIELDS = ("item", "quantity", "needed_by", "urgency", "description")

    item = ItemChoiceField(
        SupplyItem.objects.none(),
        label=pgettext_lazy("supply item", "Item"),
        empty_label=_("Choose an item"),
    )
    quantity = _quantity_input(help_text=_("In the item's unit, shown beside its name."))
    needed_by = _future_date(_("Needed by"))
    description = forms.CharField(
        label=_("What it is for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. for how many workers and how many days; the association reads it."),
    )

    field_order = ["association", "item", "quantity", "needed_by", "urgency", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = SupplyItem.objects.filter(is_active=True)


class LabourRequestForm(_NeedFormBase):
    KIND = Need.Kind.LABOUR
    SERVICE_FIELDS = ("trade", "headcount", "needed_by", "work_region", "urgency", "description")

    trade = forms.CharField(
        label=_("Trade or position"),
        max_length=100,
        help_text=_("E.g. sewing machine operator, electrician, forklift driver."),
    )
    headcount = forms.IntegerField(
        label=_("Headcount"), widget=forms.NumberInput(attrs={"min": 1, "step": 1})
    )
    needed_by = _future_date(_("Needed by"))
    work_region = RegionField(
        label=_("Where the work is"),
        required=False,
        levels=(Region.Level.COUNTY,),
        help_text=_(
            "Type the county-level region's name or code (e.g. 乐昌市), or pick it level by "
            "level; empty: your enterprise's."
        ),
    )
    description = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skills, shifts, pay, housing: what helps find the right people."),
    )

    field_order = [
        "association",
        "trade",
        "headcount",
        "needed_by",
        "work_region",
        "urgency",
        "description",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("work_region", self.enterprise.region_id)


class DifficultyForm(_NeedFormBase):
    KIND = Need.Kind.DIFFICULTY
    SERVICE_FIELDS = ("difficulty_kind", "description", "needed_by", "urgency")

    difficulty_kind = forms.ChoiceField(
        label=_("Kind of difficulty"),
        choices=[("", _("Choose a kind")), *Need.DifficultyKind.choices],
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What stops or slows your work, and what would help."),
    )
    needed_by = _future_date(
        _("Needed by"), required=False, help_text=_("Optional: by when help is needed.")
    )

    field_order = ["association", "difficulty_kind", "description", "urgency", "needed_by"]


NEED_FORMS = {
    Need.Kind.SUPPLY: SupplyRequestForm,
    Need.Kind.LABOUR: LabourRequestForm,
    Need.Kind.DIFFICULTY: DifficultyForm,
}


class NeedListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Need.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Need.Kind.choices]
    )


# --- coordination on a need's page ------------------------------------------------------------


def _text(label, *, required: bool = True, rows: int = 3, max_length: int = 4000):
    """A text the service checks (an empty question or reply is refused there, with a message
    that says what to write); the browser is asked to insist too."""
    attrs = {"rows": rows, **({"required": True} if required else {})}
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs=attrs)
    )


class AddInfoForm(forms.Form):
    body = _text(_("Information to add"))


class QuestionForm(forms.Form):
    question = _text(_("What should the enterprise add?"))


class EscalateForm(forms.Form):
    summary = _text(_("Summary for government"), rows=4)


class ReplyForm(forms.Form):
    reply = _text(_("Reply"), rows=4)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Choose an outcome")), *Escalation.Outcome.choices],
        widget=forms.Select(attrs={"required": True}),
    )
    referred_to = forms.CharField(
        label=_("Referred to"),
        required=False,
        max_length=200,
        help_text=_("The department, if the outcome is a referral."),
    )


class MatchForm(forms.Form):
    offer = forms.IntegerField(widget=forms.HiddenInput)
    quantity = _quantity_input(required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class PlacementForm(forms.Form):
    headcount = forms.IntegerField(
        label=_("Workers placed"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "required": True}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


# --- the staff queue and the officials' list ---------------------------------------------------


class NeedQueueFilterForm(forms.Form):
    """What the staff queue shows; the same parameter names as the API's filters."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Need.Kind.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=[("", _("All urgencies")), *Need.Urgency.choices],
    )
    item = forms.ModelChoiceField(
        SupplyItem.objects.none(),
        label=pgettext_lazy("supply item", "Item"),
        required=False,
        empty_label=_("All items"),
    )
    region = RegionFilterField(label=_("Region"))
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Need.Status.choices)
        self.fields["status"].choices = [
            ("", _("All active")),
            *((status, labels[status]) for status in Need.ACTIVE),
        ]
        self.fields["item"].queryset = SupplyItem.objects.all()
        self.fields["industry"].choices = industry_choices(divisions_only=False)


class NeedFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Need.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    urgency = django_filters.ChoiceFilter(choices=Need.Urgency.choices)
    item = IdFilter(field_name="item_id")
    region = RegionSubtreeFilter(field_name="enterprise__region")
    industry = IndustryFilter(field_name="enterprise__industry")
    overdue = django_filters.BooleanFilter(method="filter_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = Need
        fields = ["kind", "status", "urgency"]

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class EscalatedFilterForm(forms.Form):
    AWAITING = "awaiting"
    ALL = "all"

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(AWAITING, _("Awaiting reply")), (ALL, _("All escalated"))],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Need.Kind.choices]
    )
    region = RegionFilterField(label=_("Region"))


class EscalatedFilterSet(django_filters.FilterSet):
    show = django_filters.CharFilter(method="filter_show")
    kind = django_filters.ChoiceFilter(choices=Need.Kind.choices)
    region = RegionSubtreeFilter(field_name="enterprise__region")

    class Meta:
        model = Need
        fields = ["kind"]

    def filter_show(self, queryset, name, value):
        if value == EscalatedFilterForm.ALL:
            return queryset
        return queryset.filter(status=Need.Status.ESCALATED)


# --- offers and the catalogue --------------------------------------------------------------------


class OfferForm(DomainErrorFormMixin, forms.Form):
    association = forms.ModelChoiceField(
        Association.objects.none(),
        label=_("Offered to the members of"),
        empty_label=_("Choose an association"),
    )
    item = ItemChoiceField(
        SupplyItem.objects.none(),
        label=pgettext_lazy("supply item", "Item"),
        empty_label=_("Choose an item"),
    )
    quantity = _quantity_input()
    delivery_region = RegionField(
        label=_("Delivers to"),
        required=False,
        help_text=_(
            "Type a name or a code at any level (e.g. 广东省 or 乐昌市), or pick it level by "
            "level; empty: your region."
        ),
    )
    available_until = _future_date(_("Available until"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Price, packaging, pick-up or delivery terms."),
    )

    field_order = ["association", "item", "quantity", "delivery_region", "available_until", "note"]

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = SupplyItem.objects.filter(is_active=True)
        self.initial.setdefault("delivery_region", enterprise.region_id)
        associations = Association.objects.filter(
            memberships__enterprise=enterprise, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")
        if associations.count() > 1:
            self.fields["association"].queryset = associations
        else:
            del self.fields["association"]
        self.fields["available_until"].widget.attrs["min"] = timezone.localdate().isoformat()

    def service_fields(self) -> dict:
        data = self.cleaned_data
        association = data.get("association")
        return {
            "item": data["item"],
            "quantity": data["quantity"],
            "delivery_region": data.get("delivery_region"),
            "available_until": data["available_until"],
            "note": data.get("note", ""),
            "association_id": association.pk if association else None,
        }


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *SupplyOffer.Status.choices],
    )
    item = forms.ModelChoiceField(
        SupplyItem.objects.all(),
        label=pgettext_lazy("supply item", "Item"),
        required=False,
        empty_label=_("All items"),
    )


class SupplyItemForm(DomainErrorFormMixin, forms.ModelForm):
    class Meta:
        model = SupplyItem
        fields = ["code", "name_zh", "name_en", "category", "unit", "is_active"]

    def validate_unique(self):
        pass  # the service answers a taken code with what to do instead

    def _post_clean(self):
        pass  # values are checked by the service, in one place for pages and API

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
