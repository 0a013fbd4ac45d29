"""The forms of the notices pages; notices.services checks the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.models import Membership
from core.attachments import MultipleFileField
from core.forms import DateInput, DomainErrorFormMixin, IndustryListField
from core.region_fields import RegionListField, split_list
from core.validators import normalise_uscc
from enterprises.models import Enterprise
from notices.models import Notice

MEMBER_STATUSES = [
    (Membership.Status.ACTIVE, _("Active members")),
    (Membership.Status.SUSPENDED, _("Suspended members")),
]


class NoticeForm(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    document_number = forms.CharField(
        label=_("Document number (文号)"),
        max_length=64,
        required=False,
        help_text=_("E.g. 粤电协〔2020〕5号; empty if it has none."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Notice.Category.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: # heading, **bold**, - list, | table |; HTML is shown as typed."),
    )
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    needs_sign_off = forms.BooleanField(
        label=_("Ask each recipient enterprise to sign for it (签收)"), required=False
    )
    sign_by = forms.DateField(label=_("Sign by"), required=False, widget=DateInput())
    member_statuses = forms.MultipleChoiceField(
        label=_("Send to"),
        choices=MEMBER_STATUSES,
        initial=[Membership.Status.ACTIVE],
        widget=forms.CheckboxSelectMultiple,
    )
    regions = RegionListField(
        label=_("Only members in these regions (empty: everywhere)"), required=False
    )
    industries = IndustryListField(
        label=_("Only members of these industries (empty: every industry)"), required=False
    )
    sizes = forms.MultipleChoiceField(
        label=_("Only members of these sizes (none ticked: every size)"),
        choices=Enterprise.Size.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    picked = forms.CharField(
        label=_("Or only these members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Unified social credit codes, separated by 、 or new lines; when given, the rules "
            "above are not used."
        ),
    )
    is_policy = forms.BooleanField(
        label=_("A policy: list it for the enterprises it applies to"), required=False
    )
    policy_regions = RegionListField(
        label=_("Policy for regions (empty: everywhere)"), required=False
    )
    policy_industries = IndustryListField(
        label=_("Policy for industries (empty: every industry)"), required=False
    )
    policy_sizes = forms.MultipleChoiceField(
        label=_("Policy for sizes (none ticked: every size)"),
        choices=Enterprise.Size.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attachments = MultipleFileField(label=_("Documents (optional)"))

    def __init__(self, *args, association_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.association_ids = list(association_ids)

    def clean_picked(self) -> list[int]:
        """The members named by credit code, looked up among the members of the user's
        associations only: a code of anyone else is refused as typed, telling nothing of
        whether such an enterprise exists."""
        codes = [normalise_uscc(code) for code in split_list(self.cleaned_data["picked"])]
        members = Membership.objects.filter(
            association_id__in=self.association_ids,
            status__in=[Membership.Status.ACTIVE, Membership.Status.SUSPENDED],
            enterprise__uscc__in=codes,
        )
        found = dict(members.values_list("enterprise__uscc", "enterprise_id"))
        unknown = [code for code in codes if code not in found]
        if unknown:
            message = _("Not members of your association: %(codes)s.")
            raise forms.ValidationError(message % {"codes": "、".join(unknown)})
        return [found[code] for code in codes]

    def values(self) -> dict:
        """What notices.services takes: regions as codes, the hand-picked as enterprise ids."""
        data = dict(self.cleaned_data)
        data.pop("attachments", None)
        for name in ("regions", "policy_regions"):
            data[name] = [region.code for region in data[name] or []]
        return data

    @classmethod
    def initial_of(cls, notice: Notice) -> dict:
        return {
            "title": notice.title,
            "document_number": notice.document_number,
            "category": notice.category,
            "body": notice.body,
            "valid_until": notice.valid_until,
            "needs_sign_off": notice.needs_sign_off,
            "sign_by": notice.sign_by,
            "member_statuses": notice.member_statuses,
            "regions": "、".join(r.code for r in notice.regions.all()),
            "industries": "、".join(i.code for i in notice.industries.all()),
            "sizes": notice.sizes,
            "picked": "\n".join(e.uscc for e in notice.picked.all()),
            "is_policy": notice.is_policy,
            "policy_regions": "、".join(r.code for r in notice.policy_regions.all()),
            "policy_industries": "、".join(i.code for i in notice.policy_industries.all()),
            "policy_sizes": notice.policy_sizes,
        }


class SignForm(DomainErrorFormMixin, forms.Form):
    reply = forms.CharField(
        label=_("Reply (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReceiptFilterForm(forms.Form):
    WHO = [
        ("", _("Everyone")),
        ("unread", _("Not read")),
        ("unsigned", _("Not signed")),
        ("signed", _("Signed")),
    ]
    who = forms.ChoiceField(label=_("Show"), choices=WHO, required=False)
