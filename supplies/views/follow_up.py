"""The follow-up list of overdue needs: a page (filters, pages of 50) and two downloads (CSV,
XLSX) holding the same rows in the same columns; the contact person and phone are columns only
for those who may see an enterprise's contacts (`enterprises.access`).

Query parameters (the dashboards link with them): `association` (id), `region` (a GB/T 2260
code, its subtree included; the page's picker also takes a name), `industry` (a section or
division code, inclusive), `kind` (supply, labour, difficulty), `page`.
"""

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.selectors import my_association_list
from core.access import action_required, scope_of
from core.downloads import ascii_file_name, csv_download, file_name, xlsx_download
from core.models import Industry
from core.region_fields import RegionFilterField
from core.region_names import full_name
from core.replica import replica_reads
from core.validators import display_phone
from enterprises.access import may_see_contact_details
from enterprises.forms import industry_choices
from enterprises.selectors import contact_cells, with_contact_visible
from supplies import follow_up
from supplies.models import Need
from supplies.templatetags.needs import need_title

PER_PAGE = 50


class OverdueFilterForm(forms.Form):
    association = forms.TypedChoiceField(
        label=gettext_lazy("Association"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *Need.Kind.choices],
    )
    region = RegionFilterField(label=gettext_lazy("Region"))
    industry = forms.ChoiceField(label=gettext_lazy("Industry"), required=False)

    def __init__(self, data, *, associations):
        super().__init__(data)
        self.fields["association"].choices = [
            ("", gettext_lazy("All associations")),
            *((a.pk, a.name) for a in associations),
        ]
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        if len(associations) <= 1:
            del self.fields["association"]


def _filters(request: HttpRequest) -> tuple[OverdueFilterForm, dict | None]:
    """The form and the list's filters (None when they could not be read); 404 for an
    association the user does not follow."""
    associations = list(my_association_list(user=request.user).order_by("name", "id"))
    chosen = request.GET.get("association", "").strip()
    association = None
    if chosen:
        association = next((a for a in associations if str(a.pk) == chosen), None)
        if association is None:
            raise Http404
    form = OverdueFilterForm(request.GET, associations=associations)
    if not form.is_valid():
        return form, None
    code = form.cleaned_data["industry"]
    return form, {
        "association": association,
        "region": form.cleaned_data["region"],
        "industry": Industry.objects.filter(code=code).first() if code else None,
        "kind": form.cleaned_data["kind"],
    }


def _needs(request: HttpRequest, filters: dict):
    association = filters["association"]
    return follow_up.overdue_list(
        user=request.user,
        association_id=association.pk if association else None,
        region=filters["region"],
        industry=filters["industry"],
        kind=filters["kind"],
    )


def _query(filters: dict) -> str:
    """The filters as links and downloads carry them (codes, not typed names)."""
    params = {
        "association": filters["association"].pk if filters["association"] else "",
        "region": filters["region"].code if filters["region"] else "",
        "industry": filters["industry"].code if filters["industry"] else "",
        "kind": filters["kind"],
    }
    return urlencode({key: value for key, value in params.items() if value})


def _days_overdue(need: Need) -> int:
    return (timezone.localdate() - need.needed_by).days


@action_required("need.overdue_list")
def overdue_page(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    needs = _needs(request, filters) if filters is not None else Need.objects.none()
    needs = with_contact_visible(needs, user=request.user, enterprise="enterprise_id")
    page = Paginator(needs, PER_PAGE).get_page(request.GET.get("page"))
    for need in page:
        need.days_overdue = _days_overdue(need)
        if not need.contact_visible:
            need.enterprise.contact_name = need.enterprise.contact_phone = ""
        need.phone = display_phone(need.enterprise.contact_phone)
    query = _query(filters) if filters is not None else ""
    scope = scope_of(request.user)
    return render(
        request,
        "supplies/overdue_list.html",
        {
            "form": form,
            "filters_read": filters is not None,
            "page": page,
            "query": query,
            "show_contact": may_see_contact_details(request.user),
            "several_associations": scope.is_admin or len(scope.association_ids) > 1,
            "jurisdiction": (
                full_name(request.user.jurisdiction) if scope.kind == "jurisdiction" else ""
            ),
            "export_limit": follow_up.EXPORT_LIMIT,
            "capped": page.paginator.count > follow_up.EXPORT_LIMIT,
            "csv_url": f"{reverse('follow-up-overdue-needs-csv')}?{query}",
            "xlsx_url": f"{reverse('follow-up-overdue-needs-xlsx')}?{query}",
        },
    )


def _header(show_contact: bool) -> list[str]:
    header = [
        _("Need"),
        _("Kind"),
        _("Status"),
        _("Needed by"),
        _("Days overdue"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("Region code"),
        _("Region"),
        _("Industry code"),
        _("Industry"),
        _("Association"),
    ]
    return [*header, _("Contact person"), _("Contact phone")] if show_contact else header


def _rows(needs, show_contact: bool):
    for need in needs.iterator(chunk_size=2000):
        enterprise, industry = need.enterprise, need.enterprise.industry
        row = [
            f"#{need.pk} {need_title(need)}",
            str(need.get_kind_display()),
            str(need.get_status_display()),
            need.needed_by,
            _days_overdue(need),
            enterprise.name,
            enterprise.uscc,
            enterprise.region_id,
            full_name(enterprise.region),
            industry.code if industry else "",
            industry.name if industry else "",
            need.association.name,
        ]
        if show_contact:
            row += contact_cells(enterprise, visible=need.contact_visible)
        yield row


@replica_reads
def _download(request: HttpRequest, extension: str) -> HttpResponse:
    """The list's rows, all pages of it up to the limit, in the page's columns."""
    _form, filters = _filters(request)
    if filters is None:
        raise Http404
    show_contact = may_see_contact_details(request.user)
    needs = with_contact_visible(
        _needs(request, filters), user=request.user, enterprise="enterprise_id"
    )[: follow_up.EXPORT_LIMIT]
    region, industry = filters["region"], filters["industry"]
    industry_code = industry.code if industry else ""
    name = file_name([_("Overdue needs"), region.name if region else "", industry_code], extension)
    ascii_name = ascii_file_name(
        ["overdue-needs", region.code if region else "", industry_code], extension
    )
    rows = _rows(needs, show_contact)
    header = _header(show_contact)
    if extension == "csv":
        return csv_download(header, rows, name=name, ascii_name=ascii_name)
    return xlsx_download(header, rows, name=name, ascii_name=ascii_name, sheet_title=_("Overdue"))


@action_required("need.overdue_list")
def overdue_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")


@action_required("need.overdue_list")
def overdue_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")
