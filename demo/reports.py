"""Reports a newcomer can open and download at once: daily reports of the last three days and
last week's, for each demo association and for the demo official's province, generated in
process. The first association submitted yesterday's report (on time) and the one of three days
ago (late), and has not yet submitted the one of two days ago, so that the completeness page
shows all three states.

These steps run at the real time: a report is generated from the records as they stand, and a
submission made today of a report three days old is what makes it late. Run again, only what is
missing is made.
"""

from datetime import timedelta

from django.utils import timezone

from associations.models import Association
from core.models import Region, User
from reports import services as reports
from reports.models import Report

REMARKS = "会员企业复工进度正常，口罩和消毒液仍有缺口，物流运力不足。"
SUGGESTIONS = "建议协调防疫物资定向供应，开通复工复产货运绿色通道。"


def load(associations: list[Association], province: Region, manager: User) -> None:
    today = timezone.localdate()
    periods = [("day", today - timedelta(days=days)) for days in (1, 2, 3)]
    periods.append(("week", today - timedelta(days=today.weekday() + 7)))
    scopes = [(None, association) for association in associations] + [(province, None)]
    for period_type, start in periods:
        for region, association in scopes:
            report = reports.ensure(
                region=region, association=association, period_type=period_type, start=start
            )
            if report.status not in Report.DONE:
                report = reports.generate(report.pk)
            submit = association == associations[0] and period_type == "day"
            submit = submit and start != today - timedelta(days=2)
            if submit and report.status == Report.Status.READY and report.version == 1:
                reports.report_submit(
                    actor=manager,
                    report_id=report.pk,
                    remarks=REMARKS,
                    suggestions=SUGGESTIONS,
                )
