"""The audit viewer: who did what, when, from the event log (operations.audit decides what each
reader may read), as a page and as a CSV of the same filtered list."""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.access import action_required
from core.downloads import ascii_file_name, csv_download, file_name
from core.replica import replica_reads
from operations import audit
from operations.audit_forms import AuditFilterForm


def _form(request: HttpRequest) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None, user=request.user, kinds=audit.kinds_for(request.user)
    )


def _filtered(request: HttpRequest, form: AuditFilterForm):
    events = audit.events_for(request.user)
    if form.is_bound:
        if not form.is_valid():
            return None
        events = form.filter(events)
    return events.select_related("actor", "content_type").order_by("-id")


@action_required("audit.read")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    valid = not form.is_bound or form.is_valid()
    rows, older = [], None
    if valid:
        before = form.cleaned_data.get("before") if form.is_bound else None

        def narrow(events):
            if form.is_bound:
                events = form.filter(events)
            return events.filter(pk__lt=before) if before else events

        # Newest first by id (the log's append order), a page after another by `before`: no
        # COUNT and no OFFSET over a log of a million events.
        found = audit.newest_for(request.user, narrow, limit=audit.PAGE_SIZE + 1)
        rows = audit.rows_for(request.user, found[: audit.PAGE_SIZE])
        if len(found) > audit.PAGE_SIZE:
            older = rows[-1].event.pk
    query = form.query_without_before() if form.is_bound else ""
    return render(
        request,
        "operations/audit.html",
        {
            "form": form,
            "rows": rows,
            "older": older,
            "query": query,
            "paged": bool(form.is_bound and form.is_valid() and form.cleaned_data.get("before")),
            "official_reader": audit.reads_as_government(request.user),
        },
        status=200 if valid else 400,
    )


def _changes_text(row: audit.Row) -> str:
    return "; ".join(
        f"{label}: {'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
        for label, old, new in row.changes
    )


@action_required("audit.read")
@replica_reads
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = _form(request)
    events = _filtered(request, form)
    if events is None:
        return audit_log(request)
    header = [
        _("Event"),
        _("When"),
        _("Who"),
        _("Action"),
        pgettext("audit log", "What happened"),
        _("Object"),
        _("Object number"),
        _("From"),
        _("To"),
        _("Reason"),
        _("Changes"),
    ]
    user = request.user

    def lines():
        read = 0
        chunk = []
        for event in events[: audit.CSV_CAP + 1].iterator(chunk_size=2000):
            read += 1
            if read > audit.CSV_CAP:
                break
            chunk.append(event)
            if len(chunk) == 2000:
                yield from _csv_rows(user, chunk)
                chunk = []
        yield from _csv_rows(user, chunk)
        if read > audit.CSV_CAP:
            yield [
                _(
                    "The list stops at %(cap)s events; narrow the filters (days, object, action) "
                    "to download the rest."
                )
                % {"cap": f"{audit.CSV_CAP:,}"}
            ]

    parts = [_("audit log")]
    return csv_download(
        header,
        lines(),
        name=file_name(parts, "csv"),
        ascii_name=ascii_file_name(["audit-log"], "csv"),
    )


def _csv_rows(user, events):
    for row in audit.rows_for(user, events):
        yield [
            row.event.pk,
            row.at.strftime("%Y-%m-%d %H:%M:%S"),
            row.who,
            row.event.action,
            row.action_label,
            row.kind_label,
            row.event.object_id,
            row.from_label,
            row.to_label,
            row.reason,
            _changes_text(row),
        ]
