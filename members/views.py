"""The member pages: the list (search, filters, ordering, export), adding a member, importing a
spreadsheet, and a membership with its history and decisions."""

import csv
import io
import tempfile
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from associations import services as membership_services
from associations.access import allowed_actions, may_decide_membership, may_invite_contact
from associations.models import Membership
from associations.selectors import (
    invitations_to_answer,
    membership_list,
    membership_or_invitation,
    my_association_list,
)
from core.access import action_required, can
from core.collation import by_name
from core.errors import DomainError
from core.pagination import CountKeptPaginator
from core.replica import replica_reads
from core.validators import display_phone
from enterprises import services as enterprise_services
from enterprises.forms import ReasonForm
from enterprises.models import Enterprise, ImportJob
from members import imports
from members.filters import MembershipFilterSet
from members.forms import (
    AddExistingMemberForm,
    ImportForm,
    MemberFilterForm,
    MembershipRecordForm,
    NewMemberForm,
)
from members.imports import CHINESE_HEADERS, OPTIONAL, REQUIRED
from members.selectors import import_job_list, membership_history

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
    if ordering == "enterprise__name":
        # Narrowed to a region, the members are found there and sorted (core.collation).
        narrowed = filterset.is_valid() and filterset.form.cleaned_data.get("region") is not None
        return (
            form,
            filterset,
            memberships.order_by(by_name(ordering, walk_index=not narrowed), "id"),
        )
    return form, filterset, memberships.order_by(ordering, "id")


@action_required("membership.invite_contact")
def member_contacts_invite(request: HttpRequest) -> HttpResponse:
    """Invite the contact persons of one member (`?membership=`) or of the members listed by
    the member list's filters to their enterprise's account: a page that says who gets a text
    message and who cannot, then the invitation on confirming."""
    one = request.GET.get("membership", "")
    if one:
        memberships = membership_list(user=request.user).filter(
            pk=int(one) if one.isascii() and one.isdigit() else 0
        )
    else:
        memberships = _filtered_members(request)[2]
    memberships = memberships.select_related("enterprise", "association")
    chosen = list(memberships[: membership_services.CONTACT_INVITE_LIMIT + 1])
    ready, left_out = [], []
    for membership in chosen:
        problem = membership_services.contact_invite_problem(request.user, membership)
        if problem:
            left_out.append((membership, problem))
        else:
            ready.append(membership)
    error = ""
    if len(chosen) > membership_services.CONTACT_INVITE_LIMIT:
        error = _("Invite at most %(limit)d members' contacts at once: narrow the list.") % {
            "limit": membership_services.CONTACT_INVITE_LIMIT
        }
    elif request.method == "POST" and request.POST.get("confirm") == "yes":
        # Only those the page showed (and that still qualify): not members the filter has
        # come to list since.
        shown = set(request.POST.getlist("membership"))
        try:
            invited = membership_services.contact_invite(
                actor=request.user,
                membership_ids=[m.pk for m in ready if str(m.pk) in shown],
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(
                request,
                ngettext(
                    "A text message with a link to set the password went to %(count)d contact.",
                    "A text message with a link to set the password went to %(count)d contacts.",
                    len(invited),
                )
                % {"count": len(invited)},
            )
            if len(chosen) == 1:
                return redirect("membership-detail", pk=chosen[0].pk)
            return redirect(f"{reverse('member-list')}?{request.GET.urlencode()}")
    return render(
        request,
        "members/contacts_invite.html",
        {
            "ready": ready,
            "left_out": left_out,
            "error": error,
            "query": request.GET.urlencode(),
            "back": (
                reverse("membership-detail", args=[chosen[0].pk])
                if one and chosen
                else f"{reverse('member-list')}?{request.GET.urlencode()}"
            ),
        },
    )


@action_required("member.list")
def member_list(request: HttpRequest) -> HttpResponse:
    form, filterset, memberships = _filtered_members(request)
    # An association's count of 100,000 members narrowed to a size is kept a little while
    # (core.pagination), as an API list's is; who just wrote counts afresh.
    paginator = CountKeptPaginator(memberships, 50, user=request.user)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/member_list.html",
        {
            "form": form,
            "filter_errors": filterset.errors,
            "invitations": invitations_to_answer(user=request.user)[:50],
            "may_invite_contacts": can(request.user, "membership.invite_contact"),
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
        "kept_record",
    )
    # Sizes and statuses as the page names them, in its language (the import reads 中型 and
    # Medium as well as medium); the rest of the columns are what was typed.
    sizes = {code: str(label) for code, label in Enterprise.Size.choices}
    statuses = {code: str(label) for code, label in Membership.Status.choices}
    for row in rows.iterator(chunk_size=2000):
        row = list(row)
        row = _as_known(row, row.pop())
        row[4] = sizes.get(row[4], row[4] or "")
        row[12] = statuses.get(row[12], row[12])
        row[7] = display_phone(row[7])
        row[13] = row[13].isoformat() if row[13] else ""
        yield row


# Where each field of the enterprise sits in an export row (see `_export_rows`).
_EXPORTED_FIELDS = {
    "uscc": 0,
    "name": 1,
    "region": 2,
    "industry": 3,
    "size": 4,
    "employees": 5,
    "contact_name": 6,
    "contact_phone": 7,
    "address": 9,
    "legal_representative": 10,
}
_IDENTITY = {"uscc", "name", "region"}


def _as_known(row: list, kept: dict | None) -> list:
    """The row as the association knows the enterprise (`Membership.enterprise_as_known`): an
    ended membership's record as it was then; an invitation's name, credit code and region."""
    status = row[12]
    if status in Membership.ENDED and kept is not None:
        for name, index in _EXPORTED_FIELDS.items():
            row[index] = kept.get(name, "")
    elif status in Membership.ENDED or status == Membership.Status.INVITED:
        for name, index in _EXPORTED_FIELDS.items():
            if name not in _IDENTITY:
                row[index] = ""
    return row


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
@replica_reads
def member_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered member list as CSV (UTF-8 with BOM for Excel), streamed row by row; the
    columns are those of the import, so an edited export can be imported again."""
    from core.spreadsheets import csv_row

    _form, _filterset, memberships = _filtered_members(request)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(_export_header())
        for row in _export_rows(memberships):
            yield writer.writerow(csv_row(row))  # what members typed stays text

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@action_required("enterprise.export")
@replica_reads
def member_export_xlsx(request: HttpRequest) -> FileResponse:
    """The filtered member list as an Excel workbook, written in constant memory to a temporary
    file and streamed from there."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from core.spreadsheets import xlsx_row

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
        sheet.append(xlsx_row(sheet, row))  # what members typed stays text, never a formula
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=_export_name("xlsx"))


def _membership(request: HttpRequest, pk: int) -> Membership:
    membership = membership_or_invitation(user=request.user, pk=pk)
    if membership is None:
        raise Http404
    return membership


@action_required("membership.view")
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _membership_page(request, _membership(request, pk))


def _membership_page(
    request: HttpRequest, membership: Membership, form=None, record_form=None
) -> HttpResponse:
    """The membership's page; after a refused decision, the form as it was sent with each error
    at its field, so that a reason or member number typed is not lost."""
    may_record = may_decide_membership(request.user, membership)
    if may_record and record_form is None:
        record_form = MembershipRecordForm(
            initial={
                "member_number": membership.member_number,
                "annual_dues": membership.annual_dues,
            }
        )
    return render(
        request,
        "members/membership_detail.html",
        {
            "membership": membership,
            "history": membership_history(user=request.user, membership=membership),
            "form": form or ReasonForm(),
            "allowed_actions": allowed_actions(request.user, membership),
            "may_invite_contact": may_invite_contact(request.user, membership),
            "record_form": record_form if may_record else None,
        },
        status=200 if form is None and (record_form is None or not record_form.errors) else 400,
    )


@require_POST
@action_required("membership.decide")
def membership_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The association's side changes the member number and the annual dues."""
    membership = _membership(request, pk)
    if not may_decide_membership(request.user, membership):
        raise PermissionDenied
    form = MembershipRecordForm(request.POST)
    if form.is_valid() and form.call_service(
        membership_services.membership_update,
        actor=request.user,
        membership_id=membership.pk,
        member_number=form.cleaned_data["member_number"],
        annual_dues=form.cleaned_data["annual_dues"],
    ):
        messages.success(request, _("The membership record is saved."))
        return redirect("membership-detail", pk=pk)
    return _membership_page(request, membership, record_form=form)


DECISIONS = {
    "approve": membership_services.membership_approve,
    "reject": membership_services.membership_reject,
    "suspend": membership_services.membership_suspend,
    "reinstate": membership_services.membership_reinstate,
    "leave": membership_services.membership_leave,
    "accept": membership_services.membership_accept,
    "decline": membership_services.membership_decline,
}
DECISION_DONE = {
    "approve": gettext_lazy("The membership is approved."),
    "reject": gettext_lazy("The request is rejected."),
    "suspend": gettext_lazy("The membership is suspended."),
    "reinstate": gettext_lazy("The membership is active again."),
    "leave": gettext_lazy("The membership has ended."),
    "accept": gettext_lazy("The invitation is accepted: the enterprise is now a member."),
    "decline": gettext_lazy("The invitation is declined."),
}


@require_POST
@action_required("membership.view")
def membership_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    membership = _membership(request, pk)
    if decision not in DECISIONS:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _membership_page(request, membership, form)
    kwargs = {"reason": form.cleaned_data["reason"]}
    if decision == "approve":
        kwargs = {"member_number": form.cleaned_data["member_number"]}
    try:
        DECISIONS[decision](actor=request.user, membership_id=membership.pk, **kwargs)
    except DomainError as error:
        at_fields = {name: found for name, found in error.fields.items() if name in form.fields}
        if not at_fields:  # the membership's state, not what was typed
            messages.error(request, error.message)
            return redirect("membership-detail", pk=pk)
        for field, problems in at_fields.items():
            for problem in problems:
                form.add_error(field, problem)
        return _membership_page(request, membership, form)
    except PermissionDenied:
        messages.error(request, _("You may not do this for this membership."))
    else:
        messages.success(request, str(DECISION_DONE[decision]))
        if membership_or_invitation(user=request.user, pk=pk) is None:
            # An invitation answered for an enterprise the user's association registered: the
            # membership is the inviter's, no longer theirs to see.
            return redirect("dashboard")
    return redirect("membership-detail", pk=pk)


@action_required("member.add")
def member_new(request: HttpRequest) -> HttpResponse:
    """Staff register a new enterprise as a member, or add one already registered."""
    associations = my_association_list(user=request.user)
    posted = request.POST.get("form")
    new_form = NewMemberForm(request.POST if posted == "new" else None, associations=associations)
    # Both forms have an association, a credit code and a member number: their ids differ.
    existing_form = AddExistingMemberForm(
        request.POST if posted == "existing" else None,
        associations=associations,
        auto_id="existing_%s",
    )
    if new_form.is_bound and new_form.submitted(request):
        enterprise = new_form.call_service(
            enterprise_services.enterprise_create_member,
            actor=request.user,
            association_id=new_form.cleaned_data["association"].pk,
            member_number=new_form.cleaned_data["member_number"],
            **new_form.service_fields(),
        )
        if enterprise:
            messages.success(request, _("%(name)s is now a member.") % {"name": enterprise.name})
            return redirect("enterprise-detail", pk=enterprise.pk)
    if existing_form.is_bound and existing_form.submitted(request):
        membership = existing_form.call_service(
            enterprise_services.member_add_registered,
            actor=request.user,
            association_id=existing_form.cleaned_data["association"].pk,
            uscc=existing_form.cleaned_data["uscc"],
            member_number=existing_form.cleaned_data["member_number"],
        )
        if membership:
            if membership.status == Membership.Status.INVITED:
                message = _(
                    "%(name)s is registered by others: it is invited, and becomes a member "
                    "when it accepts."
                )
            else:
                message = _("%(name)s is now a member.")
            messages.success(request, message % {"name": membership.enterprise.name})
            return redirect("membership-detail", pk=membership.pk)
    return render(
        request,
        "members/member_new.html",
        {"new_form": new_form, "existing_form": existing_form},
    )


@action_required("enterprise.import")
def member_import(request: HttpRequest) -> HttpResponse:
    associations = my_association_list(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, associations=associations)
    refused = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            imports.check_size(uploaded.size)
            job = imports.start_import(
                actor=request.user,
                association_id=form.cleaned_data["association"].pk,
                file_name=uploaded.name,
                content=uploaded.read(),
            )
        except imports.ImportRefused as error:
            refused = error
        else:
            return redirect("member-import-job", pk=job.pk)
    jobs = import_job_list(user=request.user).select_related("created_by")[:10]
    return render(
        request,
        "members/import.html",
        {"form": form, "refused": refused, "jobs": jobs},
    )


@action_required("enterprise.import")
def member_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(import_job_list(user=request.user), pk=pk)
    errors = [error for error in job.errors if error.get("row") is not None]
    summary = next((error["message"] for error in job.errors if error.get("row") is None), "")
    return render(
        request,
        "members/import_job.html",
        {
            "job": job,
            "errors": errors,
            "summary": summary,
            "processed": imports.live_processed_rows(job),
            "finished": job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED),
            # A partner system imports but has no member list of its own to be sent to.
            "may_list_members": can(request.user, "member.list"),
        },
    )


@action_required("enterprise.import")
def member_import_template(request: HttpRequest, extension: str) -> HttpResponse:
    """The import template: the header (English or Chinese, as the page language) and one
    example row."""
    chinese = request.GET.get("lang", "zh") != "en"
    by_key = {key: title for title, key in imports.CHINESE_HEADERS.items()}
    keys = list(imports.REQUIRED) + list(imports.OPTIONAL)
    header = [by_key[key] if chinese else key for key in keys]
    example = [imports.TEMPLATE_EXAMPLE[key] for key in keys]
    if chinese:  # the size as a Chinese sheet writes it (the import reads either)
        example[keys.index("size")] = "小型"
    if extension == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "members"
        sheet.append(header)
        sheet.append(example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerow(example)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="member-import-template.{extension}"'
    return response
