"""One open batch of the first association, with applications in every state a reviewer meets.

The manager drafted the batch eight days ago and opened it the day after; members applied,
submitted, and were decided on since, each step through the batches services at the moment it
happened (`demo.timeline`): so an application submitted five days ago is overdue in the review
queue, and its history says when it was submitted and by whom. Made once: a batch that exists
(perhaps changed while trying the demo) is kept as it is.
"""

from django.utils import timezone

from associations.models import Association
from batches import services as batches
from batches.models import Application, Batch
from core.models import Industry, Region, User
from demo.accounts import account_of
from demo.timeline import days_ago, happened_at
from enterprises.models import Enterprise

# No year in the name: the demo's dates are relative to today (`demo.timeline`), and a name with a
# year soon disagrees with them. A demo database made before keeps its batch of the old name.
DEMO_BATCH = "第一批复工复产"
EARLIER_NAMES = ["2020年第一批复工复产"]
S = Application.Status
# Members of the first association (by their index in the demo list, all in Guangdong and in
# sections C, F, G or I), where their application stands and how many days ago it was
# submitted; the demo enterprise user's own enterprise (index 0) has not applied, so that it can.
DEMO_APPLICATIONS = [
    (1, S.SUBMITTED, 5),  # overdue: the batch gives reviewers three days
    (2, S.SUBMITTED, 1),
    (3, S.APPROVED, 4),
    (4, S.RESUMED, 6),
    (5, S.RETURNED, 3),
    (7, S.REJECTED, 3),
]
REASONS = {
    S.RETURNED: "请补充隔离观察区的位置和面积。",
    S.REJECTED: "消毒方案未落实，暂不具备复工条件。",
}
DECIDE = {
    S.APPROVED: batches.application_approve,
    S.RESUMED: batches.application_approve,
    S.RETURNED: batches.application_return,
    S.REJECTED: batches.application_reject,
}


def load(association: Association, manager: User, members: list[Enterprise]) -> Batch | None:
    if Batch.objects.filter(
        association=association, name__in=[DEMO_BATCH, *EARLIER_NAMES]
    ).exists():
        return None
    batch = _open_batch(association, manager)
    for index, status, submitted_days_ago in DEMO_APPLICATIONS:
        _application(batch, members[index], index, status, submitted_days_ago, reviewer=manager)
    return batch


def _open_batch(association: Association, manager: User) -> Batch:
    with happened_at(days_ago(8)):
        batch = batches.batch_create(
            actor=manager,
            association_id=association.pk,
            regions=[Region.objects.get(code="440000")],
            industries=list(Industry.objects.filter(code__in=["C", "F", "G", "I"])),
            name=DEMO_BATCH,
            opens_at=days_ago(7),
            closes_at=days_ago(-21),
            planned_start=timezone.localdate(days_ago(-3)),
            capacity=20,
            prevention_requirements=(
                "口罩、消毒液储备不少于7天；配备体温计，上岗前测温；制定消毒方案和应急预案；"
                "设置临时隔离观察区；外省返岗员工先行健康监测14天。"
            ),
            mandatory_items=["disinfection_plan", "emergency_plan", "staff_health_checks"],
            review_days=3,
        )
    with happened_at(batch.opens_at):
        return batches.batch_open(actor=manager, batch_id=batch.pk)


def _application(
    batch: Batch,
    enterprise: Enterprise,
    index: int,
    status: str,
    submitted_days_ago: int,
    *,
    reviewer: User,
) -> Application:
    applicant = account_of(enterprise)
    workers = 10 + index * 7
    with happened_at(days_ago(submitted_days_ago, hours=2)):
        application = batches.application_create(
            actor=applicant,
            batch_id=batch.pk,
            planned_date=batch.planned_start,
            returning_workers=workers,
            workers_from_other_provinces=workers // 3,
            masks_days=14,
            disinfectant_days=10,
            thermometers=4,
            disinfection_plan=True,
            isolation_area=index % 2 == 0,
            emergency_plan=True,
            staff_health_checks=True,
            checklist_notes={"isolation_area": "厂区东侧独立平房"} if index % 2 == 0 else {},
        )
    with happened_at(days_ago(submitted_days_ago)):
        batches.application_submit(actor=applicant, application_id=application.pk)
    if status in DECIDE:
        with happened_at(days_ago(submitted_days_ago - 1)):
            decide = DECIDE[status]
            reason = {"reason": REASONS[status]} if status in REASONS else {}
            decide(actor=reviewer, application_id=application.pk, **reason)
    if status == S.RESUMED:
        with happened_at(days_ago(2)):
            batches.application_resume(
                actor=applicant,
                application_id=application.pk,
                resumed_on=timezone.localdate(),
                workers_on_site=workers - 2,
            )
    application.refresh_from_db()
    return application
