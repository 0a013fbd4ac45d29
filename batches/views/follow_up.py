"""The follow-up lists behind the progress figures: eligible enterprises that have not applied,
and approved ones that have not resumed. Each is a page (filters, pages of 50) and two downloads
(CSV, XLSX) holding the same rows in the same columns; the contact person and phone are columns
only for those who may see an enterprise's contacts (`enterprises.access`).

Query parameters (the progress pages and the dashboards link with them): `association` (id),
`batch` (id), `region` (a GB/T 2260 code, its subtree included; the page's picker also takes a
name), `industry` (a section or division code, inclusive), `page`.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from batches import follow_up
from batches.follow_up import Focus
from batches.models import Application
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

PER_PAGE = 50
BATCHES_LISTED = 100  # in the filter's list of batches, the most recent first


class FollowUpFilterForm(forms.Form):
    association = forms.TypedChoiceField(label=_("Association"), coerce=int, required=False)
    batch = forms.TypedChoiceField(label=_("Batch"), coerce=int, required=False, empty_value=None)
    region = RegionFilterField(label=_("Region"))
    industry = forms.ChoiceField(label=_("Industry"), required=False)

    def __init__(self, data, *, associations, batches):
        super().__init__(data)
        self.fields["association"].choices = [(a.pk, a.name) for a in associations]
        self.fields["batch"].choices = [
            ("", _("All its batches")),
            *((b.pk, b.name) for b in batches),
        ]
        self.fields["industry"].choices = industry_choices(divisions_only=False)
        if len(associations) <= 1:
            del self.fields["association"]


# --- the two lists: their columns, the same on the page and in the downloads ------------------

NO_APPLICATION = _("No application")
LAST_STATUS = {
    Application.Status.DRAFT: _("Draft, not handed in"),
    Application.Status.WITHDRAWN: _("Withdrawn"),
}


def _local_day(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _identity(enterprise) -> list:
    industry = enterprise.industry
    return [
        enterprise.name,
        enterprise.uscc,
        enterprise.region_id,
        full_name(enterprise.region),
        industry.code if industry else "",
        industry.name if industry else "",
    ]


IDENTITY_HEADER = [
    _("Enterprise"),
    _("Unified social credit code"),
    _("Region code"),
    _("Region"),
    _("Industry code"),
    _("Industry"),
]
CONTACT_HEADER = [_("Contact person"), _("Contact phone")]


def _not_applied_cells(enterprise) -> list:
    return [str(LAST_STATUS.get(enterprise.last_status, NO_APPLICATION))]


def _waited(enterprise) -> tuple[date | None, int | None]:
    """The (local) day of the approval and the days since."""
    approved_on = _local_day(enterprise.approved_at)
    return approved_on, (timezone.localdate() - approved_on).days if approved_on else None


def _not_resumed_cells(enterprise) -> list:
    approved_on, waited = _waited(enterprise)
    return [enterprise.batch_name, approved_on, enterprise.planned_date, waited]


@dataclass(frozen=True)
class FollowUpList:
    name: str  # the page's URL name; "-csv" and "-xlsx" name its downloads
    title: Promise
    file_title: Promise  # the first words of a download's name (未申请企业)
    ascii_title: str  # the same in the ASCII name
    selector: Callable
    header: list
    cells: Callable  # the row's own columns after the enterprise's identity
    empty: Promise


NOT_APPLIED = FollowUpList(
    name="follow-up-not-applied",
    title=_("Eligible, not applied"),
    file_title=_("Enterprises not applied"),
    ascii_title="not-applied",
    selector=follow_up.not_applied_list,
    header=[_("Application")],
    cells=_not_applied_cells,
    empty=_("Every eligible enterprise here has applied."),
)
NOT_RESUMED = FollowUpList(
    name="follow-up-not-resumed",
    title=_("Approved, not resumed"),
    file_title=_("Enterprises not resumed"),
    ascii_title="not-resumed",
    selector=follow_up.not_resumed_list,
    header=[_("Batch"), _("Approved on"), _("Planned resumption date"), _("Days since approval")],
    cells=_not_resumed_cells,
    empty=_("Every approved enterprise here has resumed."),
)


# --- reading the filters ------------------------------------------------------------------------


def _id(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return int(value)


def _focus(request: HttpRequest) -> tuple[Focus | None, FollowUpFilterForm | None]:
    """What the list is about, from the query; 404 for a batch or association the user may not
    see. None (and no form) when the user has no association to follow up; a focus with no
    region and industry (and the form's errors) when the filters could not be read."""
    user = request.user
    found = follow_up.find_focus(
        user=user, association_id=_id(request, "association"), batch_id=_id(request, "batch")
    )
    if found is None:
        if request.GET.get("association") or request.GET.get("batch"):
            raise Http404
        return None, None
    association, batch = found
    data = request.GET.copy()
    data["association"], data["batch"] = str(association.pk), str(batch.pk) if batch else ""
    batches = list(follow_up.batch_choices(user=user, association=association)[:BATCHES_LISTED])
    if batch is not None and batch not in batches:
        batches.append(batch)
    form = FollowUpFilterForm(
        data, associations=list(follow_up.association_choices(user=user)), batches=batches
    )
    if not form.is_valid():
        return Focus(association, batch), form
    code = form.cleaned_data["industry"]
    industry = Industry.objects.filter(code=code).first() if code else None
    return Focus(association, batch, form.cleaned_data["region"], industry), form


def _query(focus: Focus) -> str:
    """The list's parameters as the links and downloads carry them (codes, not typed names)."""
    params = {
        "association": focus.association.pk,
        "batch": focus.batch.pk if focus.batch else "",
        "region": focus.region.code if focus.region else "",
        "industry": focus.industry.code if focus.industry else "",
    }
    return urlencode({key: value for key, value in params.items() if value})


def _progress_url(focus: Focus) -> str:
    within = f"?within={focus.region.code}" if focus.region else ""
    if focus.batch is not None:
        return reverse("batch-progress", args=[focus.batch.pk]) + within
    params = {"association": focus.association.pk}
    if focus.region:
        params["within"] = focus.region.code
    return reverse("association-progress") + "?" + urlencode(params)


# --- the page and its downloads -----------------------------------------------------------------


def _jurisdiction_of(user) -> str:
    """The name of the region a reader bound to a jurisdiction sees the lists inside."""
    scope = scope_of(user)
    return full_name(user.jurisdiction) if scope.kind == "jurisdiction" else ""


def _page(request: HttpRequest, kind: FollowUpList) -> HttpResponse:
    focus, form = _focus(request)
    context = {"kind": kind, "title": kind.title, "focus": focus, "form": form}
    if focus is not None:
        rows = with_contact_visible(
            kind.selector(user=request.user, focus=focus), user=request.user
        )
        if form.errors:
            rows = rows.none()
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
        for enterprise in page:
            if not enterprise.contact_visible:
                enterprise.contact_name = enterprise.contact_phone = ""
            enterprise.phone = display_phone(enterprise.contact_phone)
            if kind is NOT_RESUMED:
                enterprise.approved_on, enterprise.days_waited = _waited(enterprise)
        query = _query(focus)
        context.update(
            page=page,
            query=query,
            show_contact=may_see_contact_details(request.user),
            jurisdiction=_jurisdiction_of(request.user),
            export_limit=follow_up.EXPORT_LIMIT,
            capped=page.paginator.count > follow_up.EXPORT_LIMIT,
            csv_url=f"{reverse(kind.name + '-csv')}?{query}",
            xlsx_url=f"{reverse(kind.name + '-xlsx')}?{query}",
            progress_url=_progress_url(focus),
        )
    return render(request, "batches/follow_up.html", context)


def _download_rows(kind: FollowUpList, enterprises, show_contact: bool) -> Iterator[list]:
    for enterprise in enterprises.iterator(chunk_size=2000):
        row = [*_identity(enterprise), *kind.cells(enterprise)]
        if show_contact:
            row += contact_cells(enterprise, visible=enterprise.contact_visible)
        yield row


@replica_reads
def _download(request: HttpRequest, kind: FollowUpList, extension: str) -> HttpResponse:
    """The list's rows, all pages of it up to the limit, in the page's columns."""
    focus, form = _focus(request)
    if focus is None or form.errors:
        raise Http404
    show_contact = may_see_contact_details(request.user)
    header = [str(title) for title in [*IDENTITY_HEADER, *kind.header]]
    if show_contact:
        header += [str(title) for title in CONTACT_HEADER]
    enterprises = with_contact_visible(
        kind.selector(user=request.user, focus=focus), user=request.user
    )[: follow_up.EXPORT_LIMIT]
    rows = _download_rows(kind, enterprises, show_contact)
    parts = [
        focus.region.name if focus.region else "",
        focus.industry.code if focus.industry else "",
    ]
    ascii_parts = [focus.region.code if focus.region else "", *parts[1:]]
    name = file_name([str(kind.file_title), *parts], extension)
    ascii_name = ascii_file_name([kind.ascii_title, *ascii_parts], extension)
    if extension == "csv":
        return csv_download(header, rows, name=name, ascii_name=ascii_name)
    return xlsx_download(
        header, rows, name=name, ascii_name=ascii_name, sheet_title=str(kind.title)
    )


@action_required("follow_up.view")
def not_applied_page(request: HttpRequest) -> HttpResponse:
    return _page(request, NOT_APPLIED)


@action_required("follow_up.view")
def not_applied_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, NOT_APPLIED, "csv")


@action_required("follow_up.view")
def not_applied_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, NOT_APPLIED, "xlsx")


@action_required("follow_up.view")
def not_resumed_page(request: HttpRequest) -> HttpResponse:
    return _page(request, NOT_RESUMED)


@action_required("follow_up.view")
def not_resumed_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, NOT_RESUMED, "csv")


@action_required("follow_up.view")
def not_resumed_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, NOT_RESUMED, "xlsx")
