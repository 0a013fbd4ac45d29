"""Reports with Chinese figures for tests: the cast member's needs of this week, one of them
written with the member's phone number in it (which no report may show), and a report on them
made ready by running the generation service directly."""

from datetime import timedelta

from django.utils import timezone

from reports import services
from reports.models import Report
from reports.periods import period_of
from supplies import services as needs
from supplies.models import Need, SupplyItem

PHONE = "13800138000"  # the cast member's contact phone (tests.factories.EnterpriseFactory)
CONTACT = "张三"  # and its contact person


def quiet_tasks(monkeypatch) -> None:
    """Tasks queued on commit do nothing: a test makes reports ready itself."""
    from core.tasks import send_notification_email
    from reports.tasks import generate_report, refresh_rollups, store_report_files

    monkeypatch.setattr(send_notification_email, "delay", lambda *a, **k: None)
    monkeypatch.setattr(refresh_rollups, "delay", lambda *a, **k: None)
    monkeypatch.setattr(generate_report, "delay", lambda *a, **k: None)
    monkeypatch.setattr(store_report_files, "delay", lambda *a, **k: None)


def file_needs(cast) -> None:
    """A critical supply request, a labour request, and a difficulty whose description and
    escalation summary carry the member's phone number."""
    soon = timezone.localdate() + timedelta(days=3)
    needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.SUPPLY,
        item=SupplyItem.objects.get(code="mask-n95"),
        quantity="100.5",
        needed_by=soon,
        urgency="critical",
    )
    needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.LABOUR,
        trade="电子装配工",
        headcount=12,
        needed_by=soon,
        urgency="high",
    )
    difficulty = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.DIFFICULTY,
        difficulty_kind="transport",
        description=f"原材料运输受阻，请联系 {PHONE}",
        urgency="normal",
    )
    needs.need_escalate(
        actor=cast.staff,
        need_id=difficulty.pk,
        summary=f"制造业企业物流中断，企业电话 {PHONE}，需要协调通行证",
    )


def queued_report(
    *,
    region_id: str | None = None,
    association=None,
    weeks_ago: int = 0,
    remarks: str = "",
    suggestions: str = "",
) -> Report:
    """The week's report on the scope (this week: it covers what was filed today), queued."""
    start, end = period_of("week", timezone.localdate() - timedelta(weeks=weeks_ago))
    return Report.objects.create(
        region_id=region_id,
        association=association,
        period_type="week",
        period_start=start,
        period_end=end,
        remarks=remarks,
        suggestions=suggestions,
    )


def ready_report(**scope) -> Report:
    """The same, generated now."""
    return services.generate(queued_report(**scope).pk)


def submitted_report(cast, **scope) -> Report:
    """The cast association's report, generated and submitted by its staff."""
    report = ready_report(association=cast.association, **scope)
    return services.report_submit(actor=cast.staff, report_id=report.pk)
