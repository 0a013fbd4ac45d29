"""Pages of demand reports: the list and asking for one, a report with its tables, chart and
downloads, the association's review (remarks, submission, correction as a new version) and the
officials' completeness of reporting, as DHIS2 shows reporting rates."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from associations.selectors import my_association_list
from batches.figures import RESUMED_OF_MEMBERS, percent_text
from core.access import action_required, can
from core.errors import DomainError
from core.forms import ReasonForm
from core.replica import pin_to_primary, replica_reads
from core.workflow import history_for
from reports import access, figures, rendering, selectors, services
from reports import tables as tables_of
from reports.charts import headline_charts
from reports.forms import (
    CompletenessForm,
    ReportFilterForm,
    ReportFilterSet,
    ReportRemarksForm,
    ReportRequestForm,
)
from reports.models import Report
from reports.page_tables import page_table
from reports.tables import FIGURE_DEFINITIONS, FIGURE_LABELS, previous_period, tables

S = Report.Status
FORMATS = services.FILE_FORMATS  # downloads, rendered once (services.stored_file)
SECTIONS_KEPT_SECONDS = 3600  # a report's rendered tables (_sections_html)


# --- the list and asking for a report -----------------------------------------------------


def _list_page(request: HttpRequest, request_form: ReportRequestForm, status: int = 200):
    user = request.user
    associations = my_association_list(user=user).order_by("name")
    reports = selectors.report_list(user=user)
    filters = ReportFilterSet(request.GET, queryset=reports)
    shown = filters.qs if filters.is_valid() else reports.none()
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/report_list.html",
        {
            "filter_form": ReportFilterForm(request.GET, associations=associations),
            "filter_errors": filters.errors,
            "page": page,
            "query": query.urlencode(),
            "request_form": request_form,
            "may_request": can(user, "report.request"),
            "may_see_completeness": can(user, "report.completeness"),
        },
        status=status,
    )


def _request_form(request: HttpRequest, data=None) -> ReportRequestForm:
    associations = my_association_list(user=request.user).order_by("name")
    return ReportRequestForm(data, user=request.user, associations=associations)


@action_required("report.view")
@replica_reads
def report_list_page(request: HttpRequest) -> HttpResponse:
    return _list_page(request, _request_form(request))


@require_POST
@action_required("report.request")
def report_request(request: HttpRequest) -> HttpResponse:
    form = _request_form(request, request.POST)
    if form.submitted(request):
        report = form.call_service(
            services.report_request, actor=request.user, **form.service_fields()
        )
        if report is not None:
            if report.status in Report.DONE:
                messages.info(request, _("This report exists already."))
            else:
                report.refresh_from_db(fields=["status"])  # tasks may run in-process
                if report.status in Report.DONE:
                    messages.success(request, _("The report is ready."))
                else:
                    messages.success(
                        request, _("Your report is being generated; this page shows its progress.")
                    )
            return redirect("report-detail", pk=report.pk)
    return _list_page(request, form, status=400)


# --- one report ---------------------------------------------------------------------------


def _visible(request: HttpRequest, pk: int, *, with_data: bool = False) -> Report:
    reports = selectors.report_list(user=request.user)
    if with_data:
        reports = selectors.with_data(reports)
    return get_object_or_404(reports, pk=pk)


def _percent(rate: str | None) -> float | None:
    return None if rate is None else float(Decimal(rate) * 100)


def _versions(request: HttpRequest, report: Report) -> list[dict]:
    rows = (
        selectors.report_list(user=request.user)
        .filter(
            region_id=report.region_id,
            association_id=report.association_id,
            period_type=report.period_type,
            period_start=report.period_start,
        )
        .order_by("version")
        .values("pk", "version", "status")
    )
    return [{**row, "status_label": S(row["status"]).label} for row in rows]


@action_required("report.view")
@replica_reads
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, _visible(request, pk, with_data=True))


def _report_page(request: HttpRequest, report: Report, *, remarks_form=None, revise_form=None):
    """The report's page; after a refused change, its form as it was sent, each error at its
    field, so that remarks typed are not lost."""
    user = request.user
    own_side = access.may_review(user, report)
    allowed_actions = access.allowed_actions(user, report)
    context = {
        "report": report,
        "versions": _versions(request, report),
        "done": report.status in Report.DONE,
        "progress": services.progress_of(report),
        # Who did what is the association's own business: government reads the report, which
        # names no person.
        "own_side": own_side,
        "history": history_for(report) if own_side else [],
        "allowed_actions": allowed_actions,
        "may_request": can(user, "report.request") and report.status == S.FAILED,
    }
    if context["done"]:
        links = figure_links(report)
        headline = page_table(tables_of.headline(report.data), links) if report.data else None
        context.update(
            headline=headline,
            sections_html=_sections_html(report),
            previous_period=previous_period(report.data),
        )
        context["charts"] = headline_charts(report.data, links)
        rates = {row["figure"]: row for row in report.data["headline"]["rows"]}["rate"]
        context["rate"] = {
            "label": RESUMED_OF_MEMBERS.label,
            "current": _percent(rates["current"]),
            "previous": _percent(rates["previous"]),
            # the figure as the tables and downloads write it
            "current_text": percent_text(rates["current"]),
            "previous_text": percent_text(rates["previous"]),
        }
    if "remarks" in allowed_actions:
        context["remarks_form"] = remarks_form or ReportRemarksForm(
            initial={"remarks": report.remarks, "suggestions": report.suggestions}
        )
    context["revise_form"] = revise_form or ReasonForm()
    refused = remarks_form is not None or revise_form is not None
    return render(request, "reports/report_detail.html", context, status=400 if refused else 200)


def _sections_html(report: Report) -> SafeString:
    """The report's tables below the headline, rendered: a province's report is some 15,000
    cells (2 s of Django templates each time the page was opened). They are the same for
    everyone who may read the report and do not change while the report stays as it is (a
    correction is a new version; remarks change `updated_at`), so they are kept per report,
    state and language."""
    key = f"report-sections:{report.pk}:{report.updated_at.timestamp()}:{get_language()}"
    html = cache.get(key)
    if html is None:
        sections = [page_table(table) for table in tables(report)[1:]]
        html = render_to_string("reports/_sections.html", {"tables": sections})
        cache.set(key, html, SECTIONS_KEPT_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped as it was rendered


@never_cache
@require_GET
@action_required("report.view")
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    report = _visible(request, pk)
    if report.status in Report.DONE:
        # Whoever watched it finish reloads its page next: from the primary, where it is done.
        pin_to_primary(request.user)
    return JsonResponse({"status": report.status, **services.progress_of(report)})


@require_GET
@action_required("report.view")
@replica_reads
def report_figure(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """The enterprises or needs a headline figure counts, as at the end of the report's period
    (reports.figures.behind): the same conditions, so the list is as long as the figure."""
    if figure not in figures.LISTED:
        raise Http404
    report = _visible(request, pk, with_data=True)
    if report.status not in Report.DONE:
        raise Http404
    everything = figures.behind(figures.scope_of(report), figure)
    needs = figure in figures.NEED_LISTS
    listed = access.figure_list_for(request.user, report, everything, needs=needs)
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    headline = {row["figure"]: row for row in report.data["headline"]["rows"]}
    context = {
        "report": report,
        "figure": figure,
        "label": FIGURE_LABELS[figure],
        "definition": FIGURE_DEFINITIONS.get(figure, ""),
        "counted": headline.get(figure, {}).get("current"),
        "as_at": report.period_end,
        "needs": needs,
        "narrowed": listed is not everything,
        "page": page,
    }
    return render(request, "reports/figure_list.html", context)


def figure_links(report: Report) -> dict[str, str]:
    """The headline figures that have a list behind them, and the list's address."""
    return {figure: reverse("report-figure", args=[report.pk, figure]) for figure in figures.LISTED}


@require_GET
@action_required("report.view")
@replica_reads
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    report = _visible(request, pk, with_data=True)
    if report.status not in Report.DONE:
        messages.error(request, _("The report is not ready yet; download it when it is."))
        return redirect("report-detail", pk=report.pk)
    kept = services.file_to_send(report, fmt)
    if kept is None:  # a worker is rendering it: this page asks again in a few seconds
        wait = services.PREPARING_RETRY_SECONDS
        response = render(
            request,
            "reports/file_preparing.html",
            {"report": report, "format": fmt, "wait": wait},
            status=202,
        )
        response["Refresh"] = str(wait)
        response["Retry-After"] = str(wait)
        add_never_cache_headers(response)
        return response
    response = HttpResponse(bytes(kept.content), content_type=rendering.CONTENT_TYPES[fmt])
    response["X-Content-SHA256"] = kept.sha256
    response["Content-Disposition"] = f'attachment; filename="{rendering.filename(report, fmt)}"'
    return response


# --- the association's review -------------------------------------------------------------


def _review(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    report = _visible(request, pk)
    form = ReportRemarksForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, report_id=report.pk, **form.cleaned_data)
        except DomainError as error:
            at_fields = {name: found for name, found in error.fields.items() if name in form.fields}
            if not at_fields:  # the report's state (submitted meanwhile), not what was typed
                messages.error(request, error.message)
                return redirect("report-detail", pk=report.pk)
            for field, problems in at_fields.items():
                for problem in problems:
                    form.add_error(field, problem)
        else:
            messages.success(request, done)
            return redirect("report-detail", pk=report.pk)
    return _report_page(request, _visible(request, pk, with_data=True), remarks_form=form)


@require_POST
@action_required("report.review")
def report_remarks(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, services.report_update_remarks, _("Remarks saved."))


@require_POST
@action_required("report.review")
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        # Submitting cannot be undone: without the box ticked, the remarks are kept, not sent.
        return _review(
            request,
            pk,
            services.report_update_remarks,
            _(
                "Your remarks are saved, the report is not submitted: tick the box that says "
                "what submitting does, then submit."
            ),
        )
    return _review(
        request,
        pk,
        services.report_submit,
        _(
            "The report is submitted to government. It no longer changes; "
            "a correction is a new version."
        ),
    )


@require_POST
@action_required("report.review")
def report_revise(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _report_page(request, _visible(request, pk, with_data=True), revise_form=form)
    try:
        revision = services.report_revise(
            actor=request.user, report_id=report.pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("report-detail", pk=report.pk)
    revision.refresh_from_db(fields=["status"])
    if revision.status in Report.DONE:  # generated at once (tasks run in-process)
        done = _("Version %(version)d has fresh figures and your remarks: review and submit it.")
    else:
        done = _("Version %(version)d is being generated with fresh figures and your remarks.")
    messages.success(request, done % {"version": revision.version})
    return redirect("report-detail", pk=revision.pk)


# --- completeness -------------------------------------------------------------------------


def _reports_by_association(user, found: dict) -> dict[int, int]:
    """The report each association sent for the period that `user` may open: its latest
    visible version (one query)."""
    ids = [row["association"].pk for row in found["rows"]]
    visible = (
        selectors.report_list(user=user)
        .filter(
            association_id__in=ids,
            region__isnull=True,
            period_type=found["period_type"],
            period_start=found["start"],
        )
        .order_by("association_id", "-version")
        .values_list("association_id", "pk")
    )
    reports: dict[int, int] = {}
    for association_id, report_id in visible:
        reports.setdefault(association_id, report_id)
    return reports


def _rate(count: int, total: int) -> float | None:
    return count * 100 / total if total else None


@action_required("report.completeness")
@replica_reads
def report_completeness(request: HttpRequest) -> HttpResponse:
    form = CompletenessForm(request.GET or None)
    period_type, day = form.period()
    if not form.is_bound:
        form = CompletenessForm(initial={"period_type": period_type, "day": day})
    found = selectors.completeness(user=request.user, period_type=period_type, day=day)
    reports = _reports_by_association(request.user, found)
    for row in found["rows"]:
        row["report_id"] = reports.get(row["association"].pk)
    counts, total = found["counts"], found["total"]
    return render(
        request,
        "reports/completeness.html",
        {
            "form": form,
            "found": found,
            "last_day": found["end"] - timedelta(days=1),
            "submitted_rate": _rate(counts["on_time"] + counts["late"], total),
            "on_time_rate": _rate(counts["on_time"], total),
            "now": timezone.now(),
        },
    )
