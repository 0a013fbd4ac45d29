"""Staff pages: the member list (search, filters, ordering, export), a membership with its
history and decisions, the association's own page, inviting staff."""

import csv
import tempfile
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from associations import services
from associations.forms import AssociationForm, InviteForm
from associations.models import Association, Membership
from associations.selectors import association_list, membership_list, my_association_list
from core.access import action_required, scope_of
from core.errors import DomainError
from core.validators import display_phone
from core.workflow import history_for
from enterprises.filters import MembershipFilterSet
from enterprises.forms import MemberFilterForm, ReasonForm
from enterprises.imports import CHINESE_HEADERS, OPTIONAL, REQUIRED

# The import's columns, so that an edited export can be imported again.
EXPORT_COLUMNS = [*REQUIRED, *OPTIONAL]
EXPORT_EXTRA = ["association", "status", "joined_on"]
EXTRA_HEADERS_ZH = {"association": "协会", "status": "会籍状态", "joined_on": "入会日期"}
ZH_HEADERS = {v: k for k, v in CHINESE_HEADERS.items()} | EXTRA_HEADERS_ZH


def _filtered_members(request: HttpRequest):
    """The member list as the staff user filtered and ordered it (pages and exports alike)."""
    associations = my_association_list(user=request.user)
    form = MemberFilterForm(request.GET or None, associations=associations)
    filterset = MembershipFilterSet(request.GET, queryset=membership_list(user=request.user))
    memberships = filterset.qs if filterset.is_valid() else Membership.objects.none()
    ordering = request.GET.get("ordering") or "enterprise__name"
    if ordering not in dict(MemberFilterForm.ORDERINGS):
        ordering = "enterprise__name"
    return form, filterset, memberships.order_by(ordering, "id")


@action_required("member.list")
def member_list(request: HttpRequest) -> HttpResponse:
    form, filterset, memberships = _filtered_members(request)
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "associations/member_list.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "page": page,
            "query": query.urlencode(),
        },
    )


def _export_rows(memberships) -> Iterator[list]:
    rows = memberships.values_list(
        "enterprise__uscc",
        "enterprise__name",
        "enterprise__region_id",
        "enterprise__industry_id",
        "enterprise__size",
        "enterprise__employees",
        "enterprise__contact_name",
        "enterprise__contact_phone",
        "member_number",
        "enterprise__address",
        "enterprise__legal_representative",
        "association__name",
        "status",
        "joined_on",
    )
    for row in rows.iterator(chunk_size=2000):
        row = list(row)
        row[7] = display_phone(row[7])
        row[13] = row[13].isoformat() if row[13] else ""
        yield row


def _export_header() -> list[str]:
    columns = EXPORT_COLUMNS + EXPORT_EXTRA
    if (get_language() or "").startswith("zh"):
        return [ZH_HEADERS[column] for column in columns]
    return columns


class _Echo:
    def write(self, value):
        return value


def _export_name(extension: str) -> str:
    return f"members-{timezone.localdate().isoformat()}.{extension}"


@action_required("enterprise.export")
def member_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered member list as CSV (UTF-8 with BOM for Excel), streamed row by row; the
    columns are those of the import, so an edited export can be imported again."""
    _form, _filterset, memberships = _filtered_members(request)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(_export_header())
        for row in _export_rows(memberships):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@action_required("enterprise.export")
def member_export_xlsx(request: HttpRequest) -> FileResponse:
    """The filtered member list as an Excel workbook, written in constant memory to a temporary
    file and streamed from there."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    _form, _filterset, memberships = _filtered_members(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    header = []
    for title in _export_header():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _export_rows(memberships):
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=_export_name("xlsx"))


@action_required("membership.view")
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(membership_list(user=request.user), pk=pk)
    return render(
        request,
        "associations/membership_detail.html",
        {
            "membership": membership,
            "history": history_for(membership),
            "form": ReasonForm(),
            "may_decide": scope_of(request.user).works_for(membership.association_id),
            "may_leave": scope_of(request.user).works_for(membership.association_id)
            or request.user.enterprise_id == membership.enterprise_id,
        },
    )


DECISIONS = {
    "approve": services.membership_approve,
    "reject": services.membership_reject,
    "suspend": services.membership_suspend,
    "reinstate": services.membership_reinstate,
    "leave": services.membership_leave,
}
DECISION_DONE = {
    "approve": gettext_lazy("The membership is approved."),
    "reject": gettext_lazy("The request is rejected."),
    "suspend": gettext_lazy("The membership is suspended."),
    "reinstate": gettext_lazy("The membership is active again."),
    "leave": gettext_lazy("The membership has ended."),
}


@require_POST
@action_required("membership.view")
def membership_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    membership = get_object_or_404(membership_list(user=request.user), pk=pk)
    form = ReasonForm(request.POST)
    if decision not in DECISIONS or not form.is_valid():
        return redirect("membership-detail", pk=pk)
    kwargs = {"reason": form.cleaned_data["reason"]}
    if decision == "approve":
        kwargs = {"member_number": form.cleaned_data["member_number"]}
    try:
        DECISIONS[decision](actor=request.user, membership_id=membership.pk, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    except PermissionDenied:
        messages.error(request, _("You may not do this for this membership."))
    else:
        messages.success(request, str(DECISION_DONE[decision]))
    return redirect("membership-detail", pk=pk)


@action_required("association.view")
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    association = get_object_or_404(association_list(user=request.user), pk=pk)
    return render(
        request,
        "associations/association_detail.html",
        {"association": association, "may_manage": scope_of(request.user).manages(pk)},
    )


def _managed_association(request: HttpRequest, pk: int) -> Association:
    association = get_object_or_404(association_list(user=request.user), pk=pk)
    if not scope_of(request.user).manages(association.pk):
        raise PermissionDenied
    return association


@action_required("association.edit")
def association_edit(request: HttpRequest, pk: int) -> HttpResponse:
    association = _managed_association(request, pk)
    form = AssociationForm(request.POST or None, instance=association)
    if form.submitted(request) and form.call_service(
        services.association_update,
        actor=request.user,
        association_id=association.pk,
        **form.service_fields(),
    ):
        messages.success(request, _("Saved."))
        return redirect("association-detail", pk=association.pk)
    title = _("Edit %(name)s") % {"name": association.name}
    return render(request, "form_page.html", {"form": form, "title": title})


@action_required("association.invite_staff")
def association_invite(request: HttpRequest, pk: int) -> HttpResponse:
    association = _managed_association(request, pk)
    form = InviteForm(request.POST or None)
    if form.submitted(request) and form.call_service(
        services.staff_invite,
        actor=request.user,
        association_id=association.pk,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        **form.cleaned_data,
    ):
        messages.success(
            request,
            _("%(username)s is invited; an e-mail with a link to set a password is on its way.")
            % {"username": form.cleaned_data["username"]},
        )
        return redirect("association-detail", pk=association.pk)
    title = _("Invite staff to %(name)s") % {"name": association.name}
    return render(request, "form_page.html", {"form": form, "title": title})
