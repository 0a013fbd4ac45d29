"""Every write on reports: asking for one, generating it (the task's body), the association's
remarks and submission, corrections as new versions, and the schedule's runs."""

import gzip
import hashlib
import json
import logging
import time
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from associations.models import Association, Membership
from core import outbox
from core.errors import Conflict, DomainError
from core.models import Event, Region, Role, User
from core.workflow import change_status, diff, record_event, record_status, snapshot
from enterprises.models import Enterprise
from reports import access, figures
from reports.models import Report, ReportFile
from reports.periods import last_complete_period, period_of

logger = logging.getLogger(__name__)
S = Report.Status
# A report whose generation has been started this many times without finishing is failed.
MAX_ATTEMPTS = 3


def checksum(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def progress_key(report_id: int) -> str:
    return f"report-progress:{report_id}"


def progress_of(report: Report) -> dict:
    """How far generation has come: {"done": n, "total": m}."""
    if report.status in Report.DONE:
        return {"done": len(figures.STEPS), "total": len(figures.STEPS)}
    return cache.get(progress_key(report.pk)) or {"done": 0, "total": len(figures.STEPS)}


def _enqueue(report: Report) -> None:
    from reports.tasks import generate_report

    report_id = report.pk
    outbox.after_commit(generate_report, report_id)


# --- asking for a report ------------------------------------------------------------------


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def latest(
    region: Region | None, association: Association | None, period_type: str, start: date
) -> Report | None:
    return (
        Report.objects.filter(
            region=region, association=association, period_type=period_type, period_start=start
        )
        .order_by("-version")
        .first()
    )


def ensure(
    *,
    region: Region | None,
    association: Association | None,
    period_type: str,
    start: date,
    requested_by: User | None = None,
) -> Report:
    """The report for the scope and period (its latest version), made and queued if there is
    none yet or the last attempt failed. Asked twice, or by two people at once: one report."""
    start, end = period_of(period_type, start)
    report = latest(region, association, period_type, start)
    if report is None:
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    region=region,
                    association=association,
                    period_type=period_type,
                    period_start=start,
                    period_end=end,
                    requested_by=requested_by,
                )
                record_status(report, from_status="", to_status=S.QUEUED, actor=requested_by)
        except IntegrityError:
            report = latest(region, association, period_type, start)
    if report.status not in Report.DONE:
        if report.status == S.FAILED:
            _queue_again(report, requested_by)
        _enqueue(report)
    return report


def _queue_again(report: Report, actor: User | None) -> None:
    """A failed report asked for again: queued afresh (by one of two people asking at once)."""
    with transaction.atomic():
        again = Report.objects.filter(pk=report.pk, status=S.FAILED).update(
            status=S.QUEUED, error="", attempts=0
        )
        if again:
            record_status(report, from_status=S.FAILED, to_status=S.QUEUED, actor=actor)
    report.refresh_from_db()


@transaction.atomic
def report_request(
    *,
    actor: User,
    period_type: str,
    day: date,
    region: Region | None = None,
    association: Association | None = None,
) -> Report:
    """Someone entitled asks for a report on a scope and a period that has ended."""
    if period_type not in Report.PeriodType.values:
        raise _field_error("period_type", _("Choose a period: day, week or month."))
    if day is None:
        raise _field_error("day", _("Give a day inside the period."))
    if region is None and association is None:
        region = access.default_region(actor)
    access.check_request(actor, region, association)
    start, end = period_of(period_type, day)
    if end > timezone.localdate():
        raise _field_error(
            "day",
            _("That period ends on %(last)s; its report can be made from the day after.")
            % {"last": (end - timedelta(days=1)).isoformat()},
        )
    return ensure(
        region=region,
        association=association,
        period_type=period_type,
        start=start,
        requested_by=actor,
    )


# --- generating it (the body of the Celery task) ------------------------------------------


# The namespace of the advisory locks that say "a worker is generating this report".
GENERATION_LOCK = 6_2020


@contextmanager
def _generating(report_id: int):
    """True if this worker may generate the report: no other worker is at it. A PostgreSQL
    session lock, so that it goes with a killed worker's connection; elsewhere (the SQLite of
    `make run`, tasks in-process) there is only ever one worker."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [GENERATION_LOCK, report_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [GENERATION_LOCK, report_id])


def generate(report_id: int) -> Report:
    """Compute the figures and store them, all in one transaction.

    One worker at a time: a second one given the same report (a duplicated message, a second
    request) finds it being generated and leaves at once instead of holding a worker. A worker
    killed half-way leaves the report as it was (its transaction rolls back): never ready with
    partial data, and the task runs again; after MAX_ATTEMPTS starts that never finished the
    report is failed, so that a person sees it and may ask again.
    """
    with _generating(report_id) as mine:
        if not mine:
            return Report.objects.get(pk=report_id)
        _claim(report_id)
        report = Report.objects.select_related("region", "association").get(pk=report_id)
        if report.status in Report.DONE:
            return report
        if report.attempts > MAX_ATTEMPTS:
            mark_failed(
                report_id,
                _("Given up after %(count)d attempts that did not finish.")
                % {"count": MAX_ATTEMPTS},
            )
            return Report.objects.get(pk=report_id)
        return _compute_and_store(report)


def _claim(report_id: int) -> None:
    """One more attempt at generating the report, unless it is made already."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(pk=report_id, status__in=(S.QUEUED, S.RUNNING, S.FAILED))
            .only("pk", "status")
            .first()
        )
        if report is None:
            return
        Report.objects.filter(pk=report_id).update(
            status=S.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
        record_status(report, from_status=report.status, to_status=S.RUNNING, actor=None)


def _compute_and_store(report: Report) -> Report:
    pause = settings.REPORT_SECTION_PAUSE

    def on_step(done: int, total: int) -> None:
        cache.set(progress_key(report.pk), {"done": done, "total": total}, 3600)
        if pause:
            time.sleep(pause)

    with transaction.atomic():
        without_jit()
        # Locked against the association's staff acting on it meanwhile (nothing else writes a
        # report that is not ready).
        Report.objects.select_for_update().filter(pk=report.pk).exists()
        data = figures.compute(figures.scope_of(report), on_step)
        data["meta"] = {
            "region": report.region_id,
            "region_name": [report.region.name_zh, report.region.name_en]
            if report.region_id
            else None,
            "association": report.association.name if report.association_id else None,
            "period_type": report.period_type,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "version": report.version,
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        }
        report.data = data
        report.checksum = checksum(data)
        report.status = S.READY
        report.generated_at = timezone.now()
        report.error = ""
        report.save()
        record_status(report, from_status=S.RUNNING, to_status=S.READY, actor=None)
        _store_files_later(report)
    cache.delete(progress_key(report.pk))
    return report


def without_jit() -> None:
    """PostgreSQL compiles a large grouped query to machine code before running it (JIT, above
    `jit_above_cost`); a report's few large queries over the event log and the needs each spent
    one to two seconds compiling, more than it saved them (bench: the largest report). Off for
    this transaction only; the figures are the same either way."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def mark_failed(report_id: int, error: str) -> None:
    """Give up generating the report; the error stays on the report, for the administrators
    (its history says only that it failed: the text may name the system's insides)."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(pk=report_id)
            .exclude(status__in=Report.DONE)
            .only("pk", "status")
            .first()
        )
        if report is None:
            return
        Report.objects.filter(pk=report_id).update(
            status=S.FAILED, error=error[:2000], updated_at=timezone.now()
        )
        if report.status != S.FAILED:
            record_status(report, from_status=report.status, to_status=S.FAILED, actor=None)


# --- the association's review -------------------------------------------------------------


def _locked(report_id: int) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("association")
        .get(pk=report_id)
    )


REVIEWED_FIELDS = ("remarks", "suggestions")


def _review_changes(before: dict, report: Report) -> dict[str, list]:
    """The remarks' changes for the event, masked as the report shows them: the log is read
    and sent on, and a report never carries a phone or ID number."""
    return {
        name: [figures.mask_personal(old), figures.mask_personal(new)]
        for name, (old, new) in diff(before, report).items()
    }


def _write_remarks(report: Report, remarks: str | None, suggestions: str | None) -> None:
    if remarks is not None:
        report.remarks = remarks.strip()
    if suggestions is not None:
        report.suggestions = suggestions.strip()


@transaction.atomic
def report_update_remarks(
    *, actor: User, report_id: int, remarks: str | None = None, suggestions: str | None = None
) -> Report:
    report = _locked(report_id)
    access.check(actor, report, "remarks")
    before = snapshot(report, REVIEWED_FIELDS)
    _write_remarks(report, remarks, suggestions)
    report.save(update_fields=["remarks", "suggestions", "updated_at"])
    changes = _review_changes(before, report)
    if changes:
        record_event(report, "report.updated", actor=actor, changes=changes)
    return report


@transaction.atomic
def report_submit(
    *,
    actor: User,
    report_id: int,
    remarks: str | None = None,
    suggestions: str | None = None,
) -> Report:
    """Submit the association's report to government; from now on it does not change."""
    report = _locked(report_id)
    access.check(actor, report, "submit")
    before = snapshot(report, REVIEWED_FIELDS)
    _write_remarks(report, remarks, suggestions)
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    change_status(
        report,
        to=S.SUBMITTED,
        actor=actor,
        update_fields=["remarks", "suggestions", "submitted_by", "submitted_at"],
        changes=_review_changes(before, report),
    )
    _store_files_later(report)  # what was sent, as it was sent
    return report


@transaction.atomic
def report_revise(*, actor: User, report_id: int, reason: str = "") -> Report:
    """Correct a submitted report: a new version with fresh figures and the same remarks, to
    review and submit again. The submitted version stays as it was."""
    report = _locked(report_id)
    access.check(actor, report, "revise")
    try:
        with transaction.atomic():
            revision = Report.objects.create(
                region_id=report.region_id,
                association_id=report.association_id,
                period_type=report.period_type,
                period_start=report.period_start,
                period_end=report.period_end,
                version=report.version + 1,
                remarks=report.remarks,
                suggestions=report.suggestions,
                requested_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("Someone is correcting this report already.")) from exc
    record_event(report, "report.revised", actor=actor, reason=reason)
    record_status(revision, from_status="", to_status=S.QUEUED, actor=actor, reason=reason)
    _enqueue(revision)
    return revision


# --- the schedule -------------------------------------------------------------------------


def scheduled_scopes() -> list[tuple[Region | None, Association | None]]:
    """Every province, every official's jurisdiction, every association (all its members)."""
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE))
    jurisdictions = list(
        Region.objects.filter(officials__role=Role.OFFICIAL, officials__is_active=True)
        .exclude(level=Region.Level.PROVINCE)
        .distinct()
    )
    associations = list(Association.objects.all())
    return [(r, None) for r in provinces + jurisdictions] + [(None, a) for a in associations]


def schedule(period_type: str, today: date | None = None) -> list[int]:
    """Make (if missing) and queue the reports of the last complete period for every scheduled
    scope. Run twice, it makes nothing new and queues only what is not ready yet."""
    start, end = last_complete_period(period_type, today)
    _make_scheduled(period_type, start, end)
    pending = largest_first(
        Report.objects.filter(period_type=period_type, period_start=start).exclude(
            status__in=Report.DONE
        )
    )
    from reports.tasks import generate_report

    # One task per scope: any number of workers on the `reports` queue share the run.
    for report_id in pending:
        generate_report.delay(report_id)
    return pending


def largest_first(reports) -> list[int]:
    """The ids of `reports`, those over the most enterprises first (an association's members, a
    region's enterprises). The workers take a run's tasks in the order they were queued: the
    longest started first, N workers end the run about together (one association's report takes
    as long as all provinces' together) instead of one starting the longest as the others end."""
    reports = list(
        reports.select_related("region").only(
            "pk", "association_id", "region__code", "region__level"
        )
    )
    members = dict(
        Membership.objects.filter(
            association_id__in={r.association_id for r in reports if r.association_id},
            status=Membership.Status.ACTIVE,
        )
        .values_list("association_id")
        .annotate(Count("pk"))
    )
    # Enterprises by the first four digits of their region's code (a prefecture's): a
    # province's are the groups of its two digits, a county is counted as its prefecture.
    by_prefecture = dict(
        Enterprise.objects.annotate(prefix=Substr("region_id", 1, 4))
        .values_list("prefix")
        .annotate(Count("pk"))
    )

    def size(report: Report) -> int:
        if report.association_id:
            return members.get(report.association_id, 0)
        if report.region_id is None:
            return sum(by_prefecture.values())
        digits = 2 if report.region.level == Region.Level.PROVINCE else 4
        code = report.region.code[:digits]
        return sum(n for prefix, n in by_prefecture.items() if prefix.startswith(code))

    return [report.pk for report in sorted(reports, key=lambda r: (-size(r), r.pk))]


@transaction.atomic
def _make_scheduled(period_type: str, start: date, end: date) -> None:
    """The period's reports for every scheduled scope that has none yet, each with its event.

    A scheduler running at the same time waits on the rows this one inserts and then finds
    their events: each report is created, and recorded, once."""
    reports = Report.objects.filter(period_type=period_type, period_start=start)
    existing = set(reports.values_list("pk", flat=True))
    Report.objects.bulk_create(
        [
            Report(
                region=region,
                association=association,
                period_type=period_type,
                period_start=start,
                period_end=end,
            )
            for region, association in scheduled_scopes()
        ],
        ignore_conflicts=True,
    )
    recorded = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Report), action="report.created"
    ).values("object_id")
    for report in reports.exclude(pk__in=existing).exclude(pk__in=recorded).only("pk"):
        record_status(report, from_status="", to_status=S.QUEUED, actor=None)


# --- the downloads, rendered once ---------------------------------------------------------

FILE_FORMATS = ("csv", "xlsx", "pdf")  # the quick ones first: a failing PDF stops only the PDF
URGENT_LIST = "json"  # the kept full urgent list of a version (ReportFile.format)


def file_state(report: Report, font: str = "") -> str:
    """The digest of what a download shows besides the figures (whose checksum is part of it),
    of the rendering's version and of a PDF's font: a file kept before any of them changed is
    made again (so a PDF made without an embedded font is made anew once one is installed)."""
    from reports.rendering import RENDERING_VERSION

    shown = [
        RENDERING_VERSION,
        report.checksum,
        report.version,
        report.status,
        report.submitted_at.isoformat() if report.submitted_at else "",
        report.remarks,
        report.suggestions,
        *([font] if font else []),
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


def urgent_in_full(report: Report) -> dict | None:
    """Every urgent need of the version (up to figures.FILE_URGENT_LIMIT) with the names its
    rows use, when the snapshot lists only the first of them: read as at the end of the period
    once, when the first spreadsheet is made, and kept, so that every later rendering of the
    version (after submission, in another language) lists the same needs. None when the
    snapshot holds them all."""
    snapshot = report.data["urgent"]
    if snapshot["total"] <= len(snapshot["rows"]):
        return None
    kept = ReportFile.objects.filter(report=report, format=URGENT_LIST, language="").first()
    if kept is not None and kept.state == report.checksum:
        return json.loads(gzip.decompress(bytes(kept.content)))
    every = figures.every_urgent(report)
    content = gzip.compress(json.dumps(every, ensure_ascii=False).encode(), mtime=0)
    _keep(report, URGENT_LIST, "", report.checksum, content)
    return every


def _keep(report: Report, file_format: str, language: str, state: str, content: bytes):
    kept, _created = ReportFile.objects.update_or_create(
        report=report,
        format=file_format,
        language=language,
        defaults={
            "state": state,
            "content": content,
            "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content),
        },
    )
    return kept


def _wanted(report: Report, file_format: str) -> tuple[str, str, str]:
    """The language, PDF font and state a download of `report` in `file_format` is kept under."""
    from reports import rendering

    language = get_language() or settings.LANGUAGE_CODE
    font = rendering.pdf_font() if file_format == "pdf" else ""
    return language, font, file_state(report, font)


def _kept(report: Report, file_format: str, language: str, state: str) -> ReportFile | None:
    kept = ReportFile.objects.filter(report=report, format=file_format, language=language).first()
    return kept if kept is not None and kept.state == state else None


def stored_file(report: Report, file_format: str) -> ReportFile:
    """The download of `report` in `file_format` and the active language: the file rendered
    before, or rendered now and kept. Rendering is deterministic, so two requests that render
    at once store the same bytes."""
    language, font, state = _wanted(report, file_format)
    kept = _kept(report, file_format, language, state)
    if kept is not None:
        return kept
    return _render_and_keep(report, file_format, language, font, state)


def _render_and_keep(report: Report, file_format: str, language: str, font: str, state: str):
    from reports import rendering

    if file_format == "pdf":
        content = rendering.render_pdf(report, font)
    else:  # the spreadsheets list every urgent need
        render = getattr(rendering, f"render_{file_format}")
        content = render(report, every_urgent=urgent_in_full(report))
    return _keep(report, file_format, language, state, content)


# A report whose urgent needs are more than its snapshot lists is rendered by a worker: its
# spreadsheets read them all as at the period's end (up to figures.FILE_URGENT_LIMIT), seconds
# of work that a web request must not hold (decision 0037).
PREPARING_RETRY_SECONDS = 3


def _quick_to_render(report: Report, file_format: str) -> bool:
    if file_format == "pdf":
        return True  # the PDF shows the snapshot's rows only
    urgent = report.data["urgent"]
    if urgent["total"] <= len(urgent["rows"]):
        return True
    kept = ReportFile.objects.filter(report=report, format=URGENT_LIST, language="")
    return kept.filter(state=report.checksum).exists()


def file_to_send(report: Report, file_format: str) -> ReportFile | None:
    """The download to send now: kept already, or quick to render and rendered now. Otherwise
    None, and a worker renders it (queued once while it is being prepared): the person is told to
    come back in a few seconds. Without a worker to ask (no broker, or tasks run in process),
    it is rendered now."""
    language, font, state = _wanted(report, file_format)
    kept = _kept(report, file_format, language, state)
    if kept is not None:
        return kept
    if settings.CELERY_TASK_ALWAYS_EAGER or _quick_to_render(report, file_format):
        return _render_and_keep(report, file_format, language, font, state)
    from reports.tasks import store_report_file

    asked = f"report-file:{report.pk}:{file_format}:{language}:{state}"
    if not cache.add(asked, 1, 300):
        return None  # asked already: the worker has it
    if outbox.send_now(store_report_file, report.pk, file_format, language):
        return None
    cache.delete(asked)
    # no worker to ask: the person waits for it here
    return _render_and_keep(report, file_format, language, font, state)


def store_file(report_id: int, file_format: str, language: str) -> bool:
    """Render and keep one download of a finished report (a download that asked for it)."""
    report = Report.objects.filter(pk=report_id, status__in=Report.DONE).first()
    if report is None or file_format not in FILE_FORMATS:
        return False
    with override(language):
        stored_file(report, file_format)
    return True


def store_files(report_id: int) -> int:
    """Render and keep every download of a finished report in the portal's language (the task
    queued when a report is made ready or submitted); other languages on their first download.
    A format that cannot be rendered is logged and left for its first download; the others are
    kept. (A missing Chinese font does not stop the PDF: it is made in a font readers substitute,
    reports.rendering.pdf_font.)"""
    report = Report.objects.filter(pk=report_id, status__in=Report.DONE).first()
    if report is None:
        return 0
    stored = 0
    with override(settings.LANGUAGE_CODE):
        for file_format in FILE_FORMATS:
            try:
                stored_file(report, file_format)
            except (OperationalError, InterfaceError):
                raise  # the database: the task tries again
            except Exception:
                logger.exception("Report %s: its %s could not be rendered", report_id, file_format)
            else:
                stored += 1
    return stored


def _store_files_later(report: Report) -> None:
    from reports.tasks import store_report_files

    report_id = report.pk
    # robust: the change is made; a broker that is away only delays the files (a download
    # renders what is not kept)
    outbox.after_commit(store_report_files, report_id)
