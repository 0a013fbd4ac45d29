"""The rules of batches and applications, as services: who may apply and when, which status
changes are allowed, the checks on the readiness checklist and the figures, the history kept and
the applicant told of each decision (in the decision's transaction, the e-mails after it)."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from associations.models import Membership
from batches import services
from batches.models import Application, Batch, BatchIndustry, BatchRegion
from batches.tasks import notify_application_decision
from core import tasks as core_tasks
from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Notification, Role
from core.workflow import history_for
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)

S = Application.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def batch(cast) -> Batch:
    """Open now, for manufacturing (section C) in Guangdong: cast.member (Tianhe, division 39)
    is eligible."""
    return BatchFactory(association=cast.association, created_by=cast.staff)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The notifications whose e-mail was handed to Celery (on commit); no worker runs here."""
    calls: list[int] = []
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", calls.append)
    return calls


def email_owner(cast) -> None:
    cast.enterprise_user.email = "owner@huaxing.example.cn"
    cast.enterprise_user.save(update_fields=["email"])


def steps(obj) -> list[tuple[str, str]]:
    return [(change.from_status, change.to_status) for change in history_for(obj)]


def application_in(cast, batch, status: str, **fields) -> Application:
    return ApplicationFactory(batch=batch, enterprise=cast.member, status=status, **fields)


def member_user(enterprise, association, status=Membership.Status.ACTIVE, **kwargs):
    MembershipFactory(enterprise=enterprise, association=association, status=status)
    return UserFactory(role=Role.ENTERPRISE, enterprise=enterprise, **kwargs)


# --- the application workflow: every action from every status -----------------------------


def _act(cast, action: str, application: Application, *, actor=None, reason: str = "why"):
    """Run `action` on the application as the person who would do it."""
    pk = application.pk
    if action == "submit":
        return services.application_submit(actor=actor or cast.enterprise_user, application_id=pk)
    if action == "withdraw":
        return services.application_withdraw(
            actor=actor or cast.enterprise_user, application_id=pk, reason=reason
        )
    if action == "resume":
        return services.application_resume(
            actor=actor or cast.enterprise_user,
            application_id=pk,
            resumed_on=timezone.localdate(),
            workers_on_site=18,
        )
    decide = {
        "approve": services.application_approve,
        "reject": services.application_reject,
        "return": services.application_return,
    }[action]
    return decide(actor=actor or cast.staff, application_id=pk, reason=reason)


ALLOWED = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "return"): "returned",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("returned", "withdraw"): "withdrawn",
    ("approved", "resume"): "resumed",
}
ACTIONS = ("submit", "approve", "reject", "return", "withdraw", "resume")
REFUSED = [
    (status, action) for status in S.values for action in ACTIONS if (status, action) not in ALLOWED
]


@pytest.mark.parametrize(("status", "action"), list(ALLOWED))
def test_an_allowed_action_moves_the_application_and_is_kept_with_who_and_why(
    cast, batch, queued, status, action
):
    application = application_in(cast, batch, status)

    _act(cast, action, application, reason="reason given")

    application.refresh_from_db()
    assert application.status == ALLOWED[(status, action)]
    [change] = history_for(application)
    assert (change.from_status, change.to_status) == (status, application.status)
    staff_action = action in ("approve", "reject", "return")
    assert change.actor == (cast.staff if staff_action else cast.enterprise_user)
    if action != "resume" and action != "submit":
        assert change.reason == "reason given"


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_an_action_the_status_does_not_allow_is_refused_and_changes_nothing(
    cast, batch, queued, django_capture_on_commit_callbacks, status, action
):
    application = application_in(cast, batch, status)
    before = Application.objects.values().get(pk=application.pk)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(TransitionNotAllowed) as refused,
    ):
        _act(cast, action, application)

    assert refused.value.extra["current_status"] == status
    assert refused.value.http_status == 409
    assert Application.objects.values().get(pk=application.pk) == before
    assert not history_for(application).exists()
    batch.refresh_from_db()
    assert batch.approved_count == 0
    assert queued == []
    assert not Notification.objects.exists()


def test_a_refusal_names_the_current_status_in_words(cast, batch):
    application = application_in(cast, batch, S.REJECTED)
    with pytest.raises(TransitionNotAllowed) as refused:
        _act(cast, "approve", application)
    assert "Rejected" in refused.value.message


def test_the_whole_way_through_the_services_is_kept_step_by_step(cast, batch, queued):
    application = services.application_create(
        actor=cast.enterprise_user,
        batch_id=batch.pk,
        planned_date=timezone.localdate(),
        returning_workers=30,
        workers_from_other_provinces=12,
    )
    services.application_submit(actor=cast.enterprise_user, application_id=application.pk)
    services.application_return(
        actor=cast.staff, application_id=application.pk, reason="请补充隔离区说明"
    )
    services.application_submit(
        actor=cast.enterprise_user, application_id=application.pk, reason="已补充"
    )
    services.application_approve(actor=cast.manager, application_id=application.pk)
    services.application_resume(
        actor=cast.enterprise_user,
        application_id=application.pk,
        resumed_on=timezone.localdate(),
        workers_on_site=28,
    )

    application.refresh_from_db()
    assert application.status == S.RESUMED
    assert application.resumed_on == timezone.localdate()
    assert application.workers_on_site == 28
    assert [(c.from_status, c.to_status, c.actor, c.reason) for c in history_for(application)] == [
        ("", "draft", cast.enterprise_user, ""),
        ("draft", "submitted", cast.enterprise_user, ""),
        ("submitted", "returned", cast.staff, "请补充隔离区说明"),
        ("returned", "submitted", cast.enterprise_user, "已补充"),
        ("submitted", "approved", cast.manager, ""),
        ("approved", "resumed", cast.enterprise_user, ""),
    ]
    batch.refresh_from_db()
    assert batch.approved_count == 1


def test_submitting_sets_the_review_deadline_from_the_batch(cast):
    batch = BatchFactory(association=cast.association, review_days=5)
    application = application_in(cast, batch, S.DRAFT)

    services.application_submit(actor=cast.enterprise_user, application_id=application.pk)

    application.refresh_from_db()
    assert timezone.now() - application.submitted_at < timedelta(minutes=1)
    assert application.review_due_at == application.submitted_at + timedelta(days=5)


def test_a_decision_records_when_it_was_taken(cast, batch):
    application = application_in(cast, batch, S.SUBMITTED)
    services.application_reject(actor=cast.staff, application_id=application.pk, reason="x")
    application.refresh_from_db()
    assert timezone.now() - application.decided_at < timedelta(minutes=1)


# --- the batch workflow -------------------------------------------------------------------

BATCH_ACTIONS = {
    "open": services.batch_open,
    "close": services.batch_close,
    "complete": services.batch_complete,
}
BATCH_ALLOWED = {
    ("draft", "open"): "open",
    ("open", "close"): "closed",
    ("closed", "open"): "open",
    ("closed", "complete"): "completed",
}
BATCH_REFUSED = [
    (status, action)
    for status in Batch.Status.values
    for action in BATCH_ACTIONS
    if (status, action) not in BATCH_ALLOWED
]


@pytest.mark.parametrize(("status", "action"), list(BATCH_ALLOWED))
def test_a_batch_moves_draft_open_closed_completed_and_may_reopen(cast, status, action):
    batch = BatchFactory(association=cast.association, status=status)

    BATCH_ACTIONS[action](actor=cast.manager, batch_id=batch.pk, reason="as planned")

    batch.refresh_from_db()
    assert batch.status == BATCH_ALLOWED[(status, action)]
    [change] = history_for(batch)
    assert (change.from_status, change.to_status, change.actor, change.reason) == (
        status,
        batch.status,
        cast.manager,
        "as planned",
    )


@pytest.mark.parametrize(("status", "action"), BATCH_REFUSED)
def test_a_batch_change_the_status_does_not_allow_is_refused(cast, status, action):
    batch = BatchFactory(association=cast.association, status=status)

    with pytest.raises(TransitionNotAllowed) as refused:
        BATCH_ACTIONS[action](actor=cast.manager, batch_id=batch.pk)

    assert refused.value.extra["current_status"] == status
    batch.refresh_from_db()
    assert batch.status == status
    assert not history_for(batch).exists()


def test_staff_of_another_association_cannot_move_a_batch(cast):
    batch = BatchFactory(association=cast.association, status=Batch.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        services.batch_open(actor=cast.other_staff, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAFT


def test_a_new_batch_starts_as_a_draft_with_its_regions_industries_and_history(cast):
    now = timezone.now()
    batch = services.batch_create(
        actor=cast.staff,
        association_id=cast.association.pk,
        regions=["440100", "440300"],
        industries=["C", "51"],
        name="第一批",
        opens_at=now,
        closes_at=now + timedelta(days=10),
        planned_start=timezone.localdate(),
        capacity=50,
        mandatory_items=["isolation_area"],
    )

    assert batch.status == Batch.Status.DRAFT
    assert sorted(batch.regions.values_list("code", flat=True)) == ["440100", "440300"]
    assert sorted(batch.industries.values_list("code", flat=True)) == ["51", "C"]
    assert steps(batch) == [("", "draft")]


def test_a_batchs_regions_and_industries_carry_its_association_for_a_distributed_database(cast):
    """Each row of a batch's regions and industries keeps the batch's association (the key a
    distributed PostgreSQL keeps an association's rows together by, docs/scale-out.md), when
    the batch is made and when they change; a bare `.set()` would leave it out and is refused."""
    batch = BatchFactory(association=cast.association, regions=["440100"], industries=["C"])
    services.batch_update(
        actor=cast.staff, batch_id=batch.pk, regions=["440100", "440300"], industries=["51"]
    )
    rows = [
        *BatchRegion.objects.filter(batch=batch).values_list("region", "association"),
        *BatchIndustry.objects.filter(batch=batch).values_list("industry", "association"),
    ]
    key = cast.association.pk
    assert sorted(rows) == [("440100", key), ("440300", key), ("51", key)]
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.regions.set(["440000"])


def test_a_batch_that_closes_before_it_opens_is_refused_with_the_field(cast):
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        services.batch_create(
            actor=cast.staff,
            association_id=cast.association.pk,
            regions=["440000"],
            industries=["C"],
            name="倒置",
            opens_at=now,
            closes_at=now - timedelta(days=1),
            planned_start=timezone.localdate(),
            capacity=5,
        )
    assert "closes_at" in refused.value.fields
    assert not Batch.objects.exists()


def test_capacity_cannot_go_below_the_places_already_taken(cast, batch):
    Batch.objects.filter(pk=batch.pk).update(approved_count=7)
    with pytest.raises(DomainError) as refused:
        services.batch_update(actor=cast.manager, batch_id=batch.pk, capacity=6)
    assert "7 applications are approved already" in refused.value.fields["capacity"][0]
    batch.refresh_from_db()
    assert batch.capacity == 100


# --- eligibility --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Membership.Status.PENDING, Membership.Status.SUSPENDED, Membership.Status.LEFT]
)
def test_only_active_members_of_the_organising_association_may_apply(cast, batch, status):
    enterprise = EnterpriseFactory(region_id="440106", industry_id="39")
    user = member_user(enterprise, cast.association, status)

    with pytest.raises(DomainError) as refused:
        services.application_create(
            actor=user, batch_id=batch.pk, planned_date=timezone.localdate()
        )

    assert refused.value.code == "not_eligible"
    assert refused.value.message == "Only active members of 广东省电子行业协会 can apply."
    assert not Application.objects.exists()


def test_a_member_of_another_association_only_may_not_apply(cast, batch):
    enterprise = EnterpriseFactory(region_id="440106", industry_id="39")
    user = member_user(enterprise, cast.other_association)

    reason = services.ineligibility_reason(batch, enterprise)

    assert reason == "Only active members of 广东省电子行业协会 can apply."
    with pytest.raises(DomainError):
        services.application_create(
            actor=user, batch_id=batch.pk, planned_date=timezone.localdate()
        )


@pytest.mark.parametrize(
    ("batch_region", "enterprise_region", "eligible"),
    [
        ("440000", "440106", True),  # province: Tianhe is in Guangdong
        ("440000", "440304", True),  # province: so is Futian, Shenzhen
        ("440000", "330106", False),  # but not Xihu, Hangzhou
        ("440100", "440106", True),  # prefecture: Tianhe is in Guangzhou
        ("440100", "440304", False),  # Futian is in Shenzhen
        ("440106", "440106", True),  # county: itself
        ("440106", "440104", False),  # Yuexiu is a neighbour, not inside
    ],
)
def test_a_batch_is_for_the_enterprises_inside_its_regions_at_any_level(
    cast, batch_region, enterprise_region, eligible
):
    batch = BatchFactory(association=cast.association, regions=[batch_region])
    enterprise = EnterpriseFactory(region_id=enterprise_region, industry_id="39")
    MembershipFactory(enterprise=enterprise, association=cast.association)

    reason = services.ineligibility_reason(batch, enterprise)

    if eligible:
        assert reason is None
    else:
        assert reason == "This batch is for other regions or industries than your enterprise's."
    assert services.eligible_enterprises(batch).filter(pk=enterprise.pk).exists() == eligible


@pytest.mark.parametrize(
    ("batch_industries", "division", "eligible"),
    [
        (["C"], "39", True),  # a section holds its divisions
        (["C"], "18", True),
        (["C"], "51", False),  # wholesale is section F
        (["39"], "39", True),  # a division holds itself
        (["39"], "38", False),  # and not its sibling
        (["38", "F"], "51", True),  # a mix of divisions and sections
        (["38", "F"], "39", False),
    ],
)
def test_a_batch_is_for_the_enterprises_in_its_industries_by_section_or_division(
    cast, batch_industries, division, eligible
):
    batch = BatchFactory(association=cast.association, industries=batch_industries)
    enterprise = EnterpriseFactory(region_id="440106", industry_id=division)
    MembershipFactory(enterprise=enterprise, association=cast.association)

    assert (services.ineligibility_reason(batch, enterprise) is None) == eligible
    assert services.eligible_enterprises(batch).filter(pk=enterprise.pk).exists() == eligible


def test_a_batch_with_several_regions_takes_each_subtree(cast):
    batch = BatchFactory(association=cast.association, regions=["440106", "440300"])
    inside = [EnterpriseFactory(region_id=code, industry_id="39") for code in ("440106", "440304")]
    outside = EnterpriseFactory(region_id="440104", industry_id="39")
    for enterprise in [*inside, outside]:
        MembershipFactory(enterprise=enterprise, association=cast.association)

    eligible = set(services.eligible_enterprises(batch).values_list("pk", flat=True))

    assert eligible == {cast.member.pk, *(e.pk for e in inside)}


def test_an_ineligible_enterprise_cannot_submit_a_draft_either(cast, batch):
    """Eligibility is checked again on submission: membership can end after a draft starts."""
    application = application_in(cast, batch, S.DRAFT)
    Membership.objects.filter(enterprise=cast.member).update(status=Membership.Status.SUSPENDED)

    with pytest.raises(DomainError) as refused:
        _act(cast, "submit", application)

    assert refused.value.code == "not_eligible"
    application.refresh_from_db()
    assert application.status == S.DRAFT


# --- the application window ---------------------------------------------------------------

WINDOWS = {
    "not yet open": (
        {"opens_at": timedelta(days=1), "closes_at": timedelta(days=5)},
        "Applications open on ",
    ),
    "closed already": (
        {"opens_at": timedelta(days=-5), "closes_at": timedelta(days=-1)},
        "Applications closed on ",
    ),
    "batch in draft": (
        {"status": Batch.Status.DRAFT},
        "This batch is not open for applications (status: Draft).",
    ),
    "batch closed": (
        {"status": Batch.Status.CLOSED},
        "This batch is not open for applications (status: Closed).",
    ),
    "batch completed": (
        {"status": Batch.Status.COMPLETED},
        "This batch is not open for applications (status: Completed).",
    ),
}


def _shift(batch: Batch, change: dict) -> None:
    now = timezone.now()
    values = {k: now + v if isinstance(v, timedelta) else v for k, v in change.items()}
    Batch.objects.filter(pk=batch.pk).update(**values)


@pytest.mark.parametrize("window", list(WINDOWS))
def test_no_application_starts_outside_the_window(cast, batch, window):
    change, words = WINDOWS[window]
    _shift(batch, change)

    with pytest.raises(DomainError) as refused:
        services.application_create(
            actor=cast.enterprise_user, batch_id=batch.pk, planned_date=timezone.localdate()
        )

    assert refused.value.code == "not_eligible"
    assert refused.value.message.startswith(words)
    assert not Application.objects.exists()


@pytest.mark.parametrize("window", list(WINDOWS))
def test_no_application_is_submitted_outside_the_window(cast, batch, window):
    application = services.application_create(
        actor=cast.enterprise_user, batch_id=batch.pk, planned_date=timezone.localdate()
    )
    change, words = WINDOWS[window]
    _shift(batch, change)

    with pytest.raises(DomainError) as refused:
        _act(cast, "submit", application)

    assert refused.value.message.startswith(words)
    application.refresh_from_db()
    assert application.status == S.DRAFT
    assert steps(application) == [("", "draft")]


def test_the_window_names_its_dates_in_shanghai_time(cast, batch):
    opens = timezone.make_aware(datetime(2030, 2, 10, 8, 30))  # in Asia/Shanghai
    Batch.objects.filter(pk=batch.pk).update(opens_at=opens, closes_at=opens + timedelta(days=3))
    batch.refresh_from_db()
    assert services.window_reason(batch) == "Applications open on 2030-02-10 08:30."


# --- one live application per enterprise and batch ----------------------------------------


@pytest.mark.parametrize("status", Application.LIVE)
def test_an_enterprise_has_one_live_application_per_batch(cast, batch, status):
    application_in(cast, batch, status)

    with pytest.raises(Conflict) as refused:
        services.application_create(
            actor=cast.enterprise_user, batch_id=batch.pk, planned_date=timezone.localdate()
        )

    assert "already has an application" in refused.value.message
    assert Application.objects.count() == 1


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.REJECTED])
def test_after_a_withdrawal_or_a_rejection_the_enterprise_may_apply_again(cast, batch, status):
    application_in(cast, batch, status)

    again = services.application_create(
        actor=cast.enterprise_user, batch_id=batch.pk, planned_date=timezone.localdate()
    )

    assert again.status == S.DRAFT
    assert Application.objects.filter(enterprise=cast.member).count() == 2


def test_the_same_enterprise_may_apply_to_two_batches(cast, batch):
    application_in(cast, batch, S.APPROVED)
    second = BatchFactory(association=cast.association)
    assert services.application_create(
        actor=cast.enterprise_user, batch_id=second.pk, planned_date=timezone.localdate()
    )


# --- the checklist and the figures --------------------------------------------------------


def test_a_submission_without_the_mandatory_checklist_items_is_refused_naming_them(cast):
    batch = BatchFactory(
        association=cast.association, mandatory_items=["isolation_area", "emergency_plan"]
    )
    application = application_in(cast, batch, S.DRAFT, isolation_area=False, emergency_plan=True)

    with pytest.raises(DomainError) as refused:
        _act(cast, "submit", application)

    assert refused.value.code == "checklist_incomplete"
    assert "Isolation area" in refused.value.message
    assert "Emergency plan" not in refused.value.message
    application.refresh_from_db()
    assert application.status == S.DRAFT

    services.application_update(
        actor=cast.enterprise_user, application_id=application.pk, isolation_area=True
    )
    _act(cast, "submit", application)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_a_batch_cannot_require_an_item_that_is_not_on_the_checklist(cast, batch):
    with pytest.raises(DomainError) as refused:
        services.batch_update(actor=cast.staff, batch_id=batch.pk, mandatory_items=["vaccines"])
    assert "vaccines" in refused.value.fields["mandatory_items"][0]


def test_workers_from_other_provinces_cannot_exceed_the_returning_workers(cast, batch):
    with pytest.raises(DomainError) as refused:
        services.application_create(
            actor=cast.enterprise_user,
            batch_id=batch.pk,
            planned_date=timezone.localdate(),
            returning_workers=10,
            workers_from_other_provinces=11,
        )
    assert "workers_from_other_provinces" in refused.value.fields
    assert not Application.objects.exists()

    application = services.application_create(
        actor=cast.enterprise_user,
        batch_id=batch.pk,
        planned_date=timezone.localdate(),
        returning_workers=10,
        workers_from_other_provinces=10,
    )
    with pytest.raises(DomainError) as refused:
        services.application_update(
            actor=cast.enterprise_user, application_id=application.pk, returning_workers=9
        )
    assert "workers_from_other_provinces" in refused.value.fields
    application.refresh_from_db()
    assert application.returning_workers == 10


def test_the_resumption_date_cannot_be_in_the_future(cast, batch):
    application = application_in(cast, batch, S.APPROVED)

    with pytest.raises(DomainError) as refused:
        services.application_resume(
            actor=cast.enterprise_user,
            application_id=application.pk,
            resumed_on=timezone.localdate() + timedelta(days=1),
            workers_on_site=10,
        )

    assert refused.value.fields["resumed_on"] == ["The resumption date cannot be in the future."]
    application.refresh_from_db()
    assert (application.status, application.resumed_on) == (S.APPROVED, None)
    assert not history_for(application).exists()


@pytest.mark.parametrize("action", ["reject", "return"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_or_returning_needs_a_reason_for_the_enterprise(
    cast, batch, queued, action, reason
):
    application = application_in(cast, batch, S.SUBMITTED)

    with pytest.raises(DomainError) as refused:
        _act(cast, action, application, reason=reason)

    assert refused.value.fields["reason"] == ["Give a reason; the enterprise will see it."]
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert not history_for(application).exists()
    assert not Notification.objects.exists()


# --- capacity -----------------------------------------------------------------------------


def test_approval_takes_a_place_and_is_refused_when_the_batch_is_full(cast):
    batch = BatchFactory(association=cast.association, capacity=1)
    first = application_in(cast, batch, S.SUBMITTED)
    other = EnterpriseFactory(region_id="440104", industry_id="18")
    MembershipFactory(enterprise=other, association=cast.association)
    second = ApplicationFactory(batch=batch, enterprise=other)

    services.application_approve(actor=cast.staff, application_id=first.pk)
    with pytest.raises(Conflict) as refused:
        services.application_approve(actor=cast.staff, application_id=second.pk)

    assert refused.value.code == "batch_full"
    assert refused.value.extra == {"approved": 1, "capacity": 1}
    assert "1 of 1 places are taken" in refused.value.message
    second.refresh_from_db()
    assert second.status == S.SUBMITTED
    batch.refresh_from_db()
    assert batch.approved_count == 1


def test_bulk_approval_is_all_or_none(cast):
    batch = BatchFactory(association=cast.association, capacity=2)
    applications = [ApplicationFactory(batch=batch) for _ in range(3)]

    with pytest.raises(Conflict) as refused:
        services.application_bulk_approve(
            actor=cast.staff, application_ids=[a.pk for a in applications]
        )
    assert refused.value.code == "batch_full"

    applications[2].status = S.RETURNED
    applications[2].save()
    with pytest.raises(TransitionNotAllowed):
        services.application_bulk_approve(
            actor=cast.staff, application_ids=[a.pk for a in applications]
        )

    assert set(Application.objects.values_list("status", flat=True)) == {"submitted", "returned"}
    batch.refresh_from_db()
    assert batch.approved_count == 0

    services.application_bulk_approve(
        actor=cast.staff, application_ids=[a.pk for a in applications[:2]]
    )
    batch.refresh_from_db()
    assert batch.approved_count == 2
    assert [steps(a) for a in applications[:2]] == [[("submitted", "approved")]] * 2


# --- who may act --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED, S.REJECTED])
def test_staff_of_another_association_cannot_decide_and_learn_nothing(
    cast, batch, queued, action, status
):
    application = application_in(cast, batch, status)

    with pytest.raises(PermissionDenied):
        _act(cast, action, application, actor=cast.other_staff)

    application.refresh_from_db()
    assert application.status == status
    assert not history_for(application).exists()
    assert not Notification.objects.exists()


def test_staff_of_another_association_cannot_bulk_approve(cast, batch):
    application = application_in(cast, batch, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.application_bulk_approve(actor=cast.other_staff, application_ids=[application.pk])
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
def test_an_enterprise_user_cannot_decide_its_own_application(cast, batch, action):
    application = application_in(cast, batch, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        _act(cast, action, application, actor=cast.enterprise_user)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_another_enterprise_or_staff_cannot_act_for_the_applicant(cast, batch, action):
    application = application_in(cast, batch, S.DRAFT)
    stranger = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    for actor in (stranger, cast.staff):
        with pytest.raises(PermissionDenied):
            _act(cast, action, application, actor=actor)
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_only_an_enterprise_user_of_a_member_starts_an_application(cast, batch):
    for actor in (cast.staff, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.application_create(
                actor=actor, batch_id=batch.pk, planned_date=timezone.localdate()
            )
    assert not Application.objects.exists()


# --- notifications ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "return"])
def test_a_decision_tells_the_applicant_with_it_and_queues_the_email_once_it_commits(
    cast, batch, queued, django_capture_on_commit_callbacks, action
):
    email_owner(cast)
    application = application_in(cast, batch, S.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _act(cast, action, application, reason="材料齐全" if action == "approve" else "缺少预案")
    application.refresh_from_db()
    decision = history_for(application).last()
    assert decision.to_status == application.status
    # Written in the decision's transaction, about this decision's event...
    [notification] = Notification.objects.filter(user=cast.enterprise_user)
    assert notification.key == f"application:{application.pk}:change:{decision.pk}"
    assert queued == []  # ...its e-mail only once the decision is committed

    for callback in callbacks:
        callback()
    assert queued == [notification.pk]


@pytest.mark.parametrize("action", ["submit", "withdraw"])
def test_the_enterprise_own_steps_notify_nobody(
    cast, batch, queued, django_capture_on_commit_callbacks, action
):
    email_owner(cast)
    application = application_in(cast, batch, S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        _act(cast, action, application)
    assert queued == []
    assert not Notification.objects.exists()


def test_bulk_approval_tells_each_applicant_of_its_own_approval(
    cast, batch, queued, django_capture_on_commit_callbacks
):
    applications = [ApplicationFactory(batch=batch) for _ in range(3)]
    for number, application in enumerate(applications):
        UserFactory(enterprise=application.enterprise, email=f"owner{number}@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_bulk_approve(
            actor=cast.staff, application_ids=[a.pk for a in applications]
        )
    told = Notification.objects.filter(pk__in=queued)
    assert len(queued) == 3
    assert sorted(told.values_list("key", flat=True)) == sorted(
        f"application:{a.pk}:change:{history_for(a).get(to_status=S.APPROVED).pk}"
        for a in applications
    )
    assert {n.user.enterprise_id for n in told} == {a.enterprise_id for a in applications}


def test_the_notification_reaches_every_active_user_of_the_enterprise_with_the_reason(
    cast, batch, mailoutbox, queued, django_capture_on_commit_callbacks
):
    application = application_in(cast, batch, S.SUBMITTED)
    email_owner(cast)
    clerk = UserFactory(role=Role.ENTERPRISE, enterprise=cast.member, email="")
    UserFactory(role=Role.ENTERPRISE, enterprise=cast.member, email="gone@x.cn", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            actor=cast.staff, application_id=application.pk, reason="缺少隔离区，请补充后再申请"
        )

    for notification_id in queued:  # what the worker runs: one task per e-mail
        core_tasks.send_notification_email(notification_id)

    notifications = Notification.objects.filter(body="缺少隔离区，请补充后再申请")
    assert {n.user for n in notifications} == {cast.enterprise_user, clerk}
    assert Notification.objects.count() == 2
    notification = notifications.get(user=cast.enterprise_user)
    assert batch.name in notification.title
    assert "已拒绝" in notification.title  # the status, in Chinese whatever the staff's language
    assert notification.link.endswith(f"/{application.pk}/")
    [mail] = mailoutbox
    assert mail.to == ["owner@huaxing.example.cn"]
    assert mail.subject == notification.title
    assert "缺少隔离区，请补充后再申请" in mail.body
    assert notification.link in mail.body


@pytest.mark.parametrize(
    ("decide", "reason", "said", "later"),
    [
        (services.application_return, "请补充隔离区说明", "退回修改", "submit"),
        (services.application_approve, "材料齐全", "已批准", "resume"),
    ],
    ids=["returned-then-resubmitted", "approved-then-resumed"],
)
def test_a_decision_queued_before_the_deploy_is_told_as_it_was_even_after_a_later_change(
    cast, batch, decide, reason, said, later
):
    """A decision whose notification task was queued before the notices were written with the
    decision: run after the enterprise moved on, the task still names that decision."""
    application = application_in(cast, batch, S.SUBMITTED)
    decide(actor=cast.staff, application_id=application.pk, reason=reason)
    event_id = history_for(application).last().pk
    Notification.objects.all().delete()  # as before the deploy: nobody told yet
    # Before the worker runs the task, the enterprise moves on.
    _act(cast, later, application)
    application.refresh_from_db()
    assert application.status in (S.SUBMITTED, S.RESUMED)

    notify_application_decision(event_id)

    [notification] = Notification.objects.filter(user=cast.enterprise_user)
    assert said in notification.title
    assert notification.body == reason
    assert notification.key == f"application:{application.pk}:change:{event_id}"


def test_a_notification_task_given_another_objects_event_tells_nobody(cast, batch):
    opened = services.batch_open(
        actor=cast.staff, batch_id=BatchFactory(association=cast.association, status="draft").pk
    )
    application_in(cast, batch, S.SUBMITTED)

    notify_application_decision(history_for(opened).last().pk)

    assert not Notification.objects.exists()


def test_the_notification_of_an_approval_without_a_reason_has_an_empty_body(cast, batch):
    application = application_in(cast, batch, S.SUBMITTED)
    services.application_approve(actor=cast.staff, application_id=application.pk)

    [notification] = Notification.objects.filter(user=cast.enterprise_user)
    assert notification.body == ""
    assert batch.name in notification.title


def test_the_decision_is_told_to_the_applicant_only(cast, batch):
    """Neither the deciding staff, nor their colleagues, nor another member hear of it."""
    application = application_in(cast, batch, S.SUBMITTED)
    staff_of(cast.association, username="colleague")
    UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    services.application_return(actor=cast.staff, application_id=application.pk, reason="补充")

    assert list(Notification.objects.values_list("user__username", flat=True)) == ["enterprise"]


@pytest.mark.django_db
def test_a_notification_task_run_twice_tells_the_applicant_once(
    cast, mailoutbox, queued, django_capture_on_commit_callbacks
):
    from batches.models import Application
    from batches.tasks import notify_application_decision
    from core.models import Notification
    from core.workflow import record_status
    from tests.factories import ApplicationFactory

    cast.enterprise_user.email = "owner@example.org"
    cast.enterprise_user.save()
    application = ApplicationFactory(enterprise=cast.member, status=Application.Status.REJECTED)
    decision = record_status(
        application,
        from_status="submitted",
        to_status="rejected",
        actor=cast.staff,
        reason="材料不全",
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify_application_decision(decision.pk)
        notify_application_decision(decision.pk)
    assert Notification.objects.filter(user=cast.enterprise_user).count() == 1
    [notification_id] = queued  # one e-mail, which its own task sends
    core_tasks.send_notification_email(notification_id)
    core_tasks.send_notification_email(notification_id)  # delivered again: nothing more
    assert len(mailoutbox) == 1


def test_applying_to_a_batch_that_does_not_exist_says_so(cast):
    with pytest.raises(DomainError) as refused:
        services.application_create(
            actor=cast.enterprise_user, batch_id=987654, planned_date=timezone.localdate()
        )
    assert "batch" in refused.value.fields


def test_a_notification_queued_before_the_task_took_events_still_names_the_latest_decision(
    cast, batch
):
    """A message left in the queue across the deploy carries the application's id under the
    task's old name; it is told as it was then: the application's latest decision."""
    from batches.tasks import notify_application_decision_queued

    application = application_in(cast, batch, S.SUBMITTED)
    services.application_return(actor=cast.staff, application_id=application.pk, reason="补充")
    Notification.objects.all().delete()  # as before the deploy: nobody told yet

    notify_application_decision_queued(application.pk)

    [notification] = Notification.objects.filter(user=cast.enterprise_user)
    assert "退回修改" in notification.title
    assert notification.body == "补充"
    assert notify_application_decision_queued.name == "batches.tasks.notify_application_decision"
