"""Resumption batches and applications through the REST API, as a partner system relies on them:
creating and opening batches, applying, the review workflow with its history, capacity, bulk
approval, list filters, progress figures, constant query counts and who sees what."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from associations.models import Membership
from batches.models import Application, Batch
from core.models import Role, set_links
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory, api_token

pytestmark = pytest.mark.django_db

Status = Application.Status


def client_for(user) -> APIClient:
    """A partner's view: each request authenticated by `user`'s token, asking for English."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def batch_body(**overrides) -> dict:
    now = timezone.now()
    body = {
        "name": "珠三角电子制造第一批复工",
        "regions": ["440000"],
        "industries": ["C"],
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=14)).isoformat(),
        "planned_start": (now + timedelta(days=20)).date().isoformat(),
        "capacity": 10,
        "prevention_requirements": "每日两次测温，口罩储备不少于7天",
        "review_days": 3,
    }
    return body | overrides


def application_body(batch_id: int, **overrides) -> dict:
    body = {
        "batch": batch_id,
        "planned_date": (timezone.localdate() + timedelta(days=21)).isoformat(),
        "returning_workers": 40,
        "workers_from_other_provinces": 12,
        "masks_days": 10,
        "disinfectant_days": 14,
        "thermometers": 6,
        "disinfection_plan": True,
        "isolation_area": True,
        "emergency_plan": True,
        "staff_health_checks": True,
        "checklist_notes": {"isolation_area": "二楼东侧会议室"},
    }
    return body | overrides


def make_batch(cast, *, open_it: bool = True, **overrides) -> int:
    """A batch of the cast association, made (and opened) through the API by its staff."""
    client = client_for(cast.staff)
    created = client.post("/api/v1/batches/", batch_body(**overrides))
    assert created.status_code == 201, created.json()
    batch_id = created.json()["id"]
    if open_it:
        opened = client.post(f"/api/v1/batches/{batch_id}/open/")
        assert opened.status_code == 200, opened.json()
    return batch_id


def member_user(association, *, region="440106", industry="39", status=Membership.Status.ACTIVE):
    """An enterprise user whose enterprise (in `region`, `industry`) belongs to `association`."""
    enterprise = EnterpriseFactory(region_id=region, industry_id=industry)
    if association is not None:
        MembershipFactory(enterprise=enterprise, association=association, status=status)
    return UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)


def apply(user, batch_id: int, **overrides) -> int:
    response = client_for(user).post(
        "/api/v1/applications/", application_body(batch_id, **overrides)
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def submitted(user, batch_id: int, **overrides) -> int:
    application_id = apply(user, batch_id, **overrides)
    response = client_for(user).post(f"/api/v1/applications/{application_id}/submit/")
    assert response.status_code == 200, response.json()
    return application_id


def status_of(application_id: int) -> str:
    return Application.objects.get(pk=application_id).status


@pytest.fixture
def batch(cast) -> int:
    """An open batch of the cast association for Guangdong's manufacturing (section C)."""
    return make_batch(cast)


# --- batches ------------------------------------------------------------------------------


def test_staff_create_a_batch_with_regions_at_any_level_and_industry_codes(cast):
    body = batch_body(
        regions=["440000", "330100", "110105"],  # a province, a prefecture, a district
        industries=["c", "51"],  # a section (any case) and a division
        mandatory_items=["emergency_plan", "masks_days"],
        capacity=2,
    )

    response = client_for(cast.staff).post("/api/v1/batches/", body)

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "draft"
    assert created["association"] == cast.association.pk
    assert sorted(created["regions"]) == ["110105", "330100", "440000"]
    assert sorted(created["industries"]) == ["51", "C"]
    assert created["mandatory_items"] == ["masks_days", "emergency_plan"]  # checklist order
    assert (created["capacity"], created["approved_count"]) == (2, 0)
    batch = Batch.objects.get(pk=created["id"])
    assert set(batch.regions.values_list("code", flat=True)) == {"440000", "330100", "110105"}
    assert set(batch.industries.values_list("code", flat=True)) == {"C", "51"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"regions": ["440000", "999999"]}, "regions", "Unknown region code 999999"),
        ({"regions": []}, "regions", "at least one region"),
        ({"industries": ["ZZ"]}, "industries", "Unknown industry code ZZ"),
        ({"industries": []}, "industries", "at least one industry"),
        (
            {"opens_at": "2030-03-01T09:00:00+08:00", "closes_at": "2030-02-01T09:00:00+08:00"},
            "closes_at",
            "close after they open",
        ),
        (
            {"mandatory_items": ["masks_days", "hand_sanitiser"]},
            "mandatory_items",
            "hand_sanitiser",
        ),
        ({"opens_at": "1900-01-01T00:00:00+08:00"}, "opens_at", "between the years"),
        ({"capacity": -1}, "capacity", "greater than or equal to 0"),
    ],
    ids=[
        "unknown-region",
        "no-region",
        "unknown-industry",
        "no-industry",
        "closes-before-opens",
        "unknown-checklist-item",
        "implausible-time",
        "negative-capacity",
    ],
)
def test_a_bad_batch_answers_400_naming_the_field(cast, overrides, field, message):
    response = client_for(cast.staff).post("/api/v1/batches/", batch_body(**overrides))

    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert list(body["fields"]) == [field]
    assert message in " ".join(body["fields"][field])
    assert not Batch.objects.exists()


def test_staff_of_several_associations_must_say_which_one_the_batch_is_for(cast):
    from associations.models import AssociationUser

    AssociationUser.objects.create(user=cast.staff, association=cast.other_association)
    client = client_for(cast.staff)

    refused = client.post("/api/v1/batches/", batch_body())
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["association"]

    accepted = client.post("/api/v1/batches/", batch_body(association=cast.other_association.pk))
    assert accepted.status_code == 201
    assert Batch.objects.get(pk=accepted.json()["id"]).association == cast.other_association


def test_staff_may_not_open_a_batch_for_an_association_they_do_not_work_for(cast):
    response = client_for(cast.other_staff).post(
        "/api/v1/batches/", batch_body(association=cast.association.pk)
    )

    assert response.status_code == 403
    assert not Batch.objects.exists()


def test_opening_closing_and_completing_follow_the_workflow(cast):
    batch_id = make_batch(cast, open_it=False)
    client = client_for(cast.staff)
    url = f"/api/v1/batches/{batch_id}"

    premature = client.post(f"{url}/complete/")
    assert premature.status_code == 409
    assert premature.json()["current_status"] == "draft"

    assert client.post(f"{url}/open/").json()["status"] == "open"
    again = client.post(f"{url}/open/")
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_status"]) == (
        "transition_not_allowed",
        "open",
    )
    assert client.post(f"{url}/close/", {"reason": "名额已满"}).json()["status"] == "closed"
    assert client.post(f"{url}/complete/").json()["status"] == "completed"

    edit = client.patch(f"{url}/", {"capacity": 20})
    assert edit.status_code == 409
    assert edit.json()["current_status"] == "completed"
    history = client.get(f"{url}/history/").json()
    assert [
        (row["from_status"], row["to_status"], row["actor"], row["reason"]) for row in history
    ] == [
        ("", "draft", "staff", ""),
        ("draft", "open", "staff", ""),
        ("open", "closed", "staff", "名额已满"),
        ("closed", "completed", "staff", ""),
    ]


def test_staff_edit_a_batch_with_patch(cast, batch):
    client = client_for(cast.staff)

    response = client.patch(
        f"/api/v1/batches/{batch}/", {"capacity": 3, "regions": ["440100"], "industries": ["39"]}
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["capacity"], response.json()["regions"]) == (3, ["440100"])
    assert response.json()["industries"] == ["39"]
    moved = client.patch(f"/api/v1/batches/{batch}/", {"association": cast.other_association.pk})
    assert moved.status_code == 400
    assert list(moved.json()["fields"]) == ["association"]
    assert Batch.objects.get(pk=batch).association == cast.association


def test_capacity_cannot_go_below_the_approvals_already_made(cast, batch):
    application_id = submitted(cast.enterprise_user, batch)
    client_for(cast.staff).post(f"/api/v1/applications/{application_id}/approve/")

    response = client_for(cast.staff).patch(f"/api/v1/batches/{batch}/", {"capacity": 0})

    assert response.status_code == 400
    assert "capacity" in response.json()["fields"]
    assert Batch.objects.get(pk=batch).capacity == 10


def test_batches_filter_by_status_and_association(cast, batch):
    draft = make_batch(cast, open_it=False, name="草稿批次")
    client = client_for(cast.staff)

    def ids(**params):
        response = client.get("/api/v1/batches/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {batch, draft}
    assert ids(status="open") == {batch}
    assert ids(status="draft") == {draft}
    assert ids(association=cast.association.pk) == {batch, draft}
    assert ids(association=cast.other_association.pk) == set()
    Batch.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Batch.objects.filter(pk=draft).update(updated_at=datetime(2020, 3, 1, tzinfo=UTC))
    assert ids(updated_since="2020-02-01T00:00:00+08:00") == {draft}


# --- applying -----------------------------------------------------------------------------


def test_an_eligible_member_applies_and_gets_a_draft(cast, batch):
    response = client_for(cast.enterprise_user).post(
        "/api/v1/applications/", application_body(batch)
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["status"], created["batch"], created["enterprise"]) == (
        "draft",
        batch,
        cast.member.pk,
    )
    assert created["checklist_notes"] == {"isolation_area": "二楼东侧会议室"}
    assert (created["returning_workers"], created["workers_from_other_provinces"]) == (40, 12)
    assert created["overdue"] is False
    assert created["review_due_at"] is None


def _not_a_member(cast, batch_id):
    return member_user(None), batch_id


def _wrong_region(cast, batch_id):
    return member_user(cast.association, region="110105"), batch_id  # Beijing


def _wrong_industry(cast, batch_id):
    return member_user(cast.association, industry="51"), batch_id  # wholesale (section F)


def _closed_batch(cast, batch_id):
    client_for(cast.staff).post(f"/api/v1/batches/{batch_id}/close/")
    return cast.enterprise_user, batch_id


def _before_it_opens(cast, batch_id):
    soon = timezone.now() + timedelta(days=2)
    later = make_batch(
        cast, opens_at=soon.isoformat(), closes_at=(soon + timedelta(days=7)).isoformat()
    )
    return cast.enterprise_user, later


@pytest.mark.parametrize(
    ("situation", "field", "code", "message"),
    [
        (_not_a_member, "batch", "invalid", "active member"),
        (_wrong_region, None, "not_eligible", "other regions or industries"),
        (_wrong_industry, None, "not_eligible", "other regions or industries"),
        (_closed_batch, None, "not_eligible", "not open for applications"),
        (_before_it_opens, None, "not_eligible", "Applications open on"),
    ],
    ids=["not-a-member", "wrong-region", "wrong-industry", "closed-batch", "before-it-opens"],
)
def test_an_enterprise_that_may_not_apply_gets_400_with_the_reason(
    cast, batch, situation, field, code, message
):
    user, batch_id = situation(cast, batch)

    response = client_for(user).post("/api/v1/applications/", application_body(batch_id))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    text = " ".join(body["fields"][field]) if field else body["detail"]
    assert message in text
    assert not Application.objects.exists()


def test_a_batch_of_an_association_the_enterprise_is_no_active_member_of_looks_like_none(cast):
    other_batch = make_batch(cast)
    Membership.objects.filter(enterprise=cast.member).update(status=Membership.Status.SUSPENDED)
    client = client_for(cast.enterprise_user)
    missing = other_batch + 1000

    hidden = client.post("/api/v1/applications/", application_body(other_batch))
    nonexistent = client.post("/api/v1/applications/", application_body(missing))

    assert hidden.status_code == nonexistent.status_code == 400
    assert hidden.json()["fields"]["batch"] == [
        message.replace(str(missing), str(other_batch))
        for message in nonexistent.json()["fields"]["batch"]
    ]


def test_an_enterprise_user_without_an_enterprise_is_told_to_register_first(cast, batch):
    response = client_for(cast.outsider).post("/api/v1/applications/", application_body(batch))

    assert response.status_code == 400
    assert "register" in response.json()["detail"]


def test_a_second_live_application_to_the_same_batch_is_refused(cast, batch):
    apply(cast.enterprise_user, batch)

    again = client_for(cast.enterprise_user).post("/api/v1/applications/", application_body(batch))

    assert again.status_code == 409
    assert "already has an application in this batch" in again.json()["detail"]
    assert Application.objects.count() == 1


def test_an_enterprise_may_apply_again_after_withdrawing(cast, batch):
    first = apply(cast.enterprise_user, batch)
    client_for(cast.enterprise_user).post(f"/api/v1/applications/{first}/withdraw/")

    assert apply(cast.enterprise_user, batch) != first


def test_more_workers_from_other_provinces_than_returning_answers_400(cast, batch):
    response = client_for(cast.enterprise_user).post(
        "/api/v1/applications/",
        application_body(batch, returning_workers=5, workers_from_other_provinces=6),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["workers_from_other_provinces"]


def test_notes_for_an_unknown_checklist_item_answer_400(cast, batch):
    response = client_for(cast.enterprise_user).post(
        "/api/v1/applications/", application_body(batch, checklist_notes={"canteen": "分餐"})
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["checklist_notes"]


def test_a_draft_is_edited_with_patch_but_not_once_submitted(cast, batch):
    client = client_for(cast.enterprise_user)
    application_id = apply(cast.enterprise_user, batch)

    edited = client.patch(f"/api/v1/applications/{application_id}/", {"returning_workers": 55})
    assert edited.status_code == 200
    assert edited.json()["returning_workers"] == 55

    client.post(f"/api/v1/applications/{application_id}/submit/")
    late = client.patch(f"/api/v1/applications/{application_id}/", {"returning_workers": 60})
    assert late.status_code == 409
    assert late.json()["current_status"] == "submitted"
    assert Application.objects.get(pk=application_id).returning_workers == 55


def test_submitting_without_a_mandatory_checklist_item_answers_400(cast):
    batch_id = make_batch(cast, mandatory_items=["emergency_plan", "staff_health_checks"])
    application_id = apply(cast.enterprise_user, batch_id, emergency_plan=False)

    response = client_for(cast.enterprise_user).post(
        f"/api/v1/applications/{application_id}/submit/"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "checklist_incomplete"
    assert "Emergency plan" in response.json()["detail"]
    assert "Staff health checks" not in response.json()["detail"]
    assert status_of(application_id) == Status.DRAFT


def test_submitting_after_the_batch_closed_answers_400_with_the_reason(cast, batch):
    application_id = apply(cast.enterprise_user, batch)
    client_for(cast.staff).post(f"/api/v1/batches/{batch}/close/")

    response = client_for(cast.enterprise_user).post(
        f"/api/v1/applications/{application_id}/submit/"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_eligible"
    assert "not open for applications" in response.json()["detail"]
    assert status_of(application_id) == Status.DRAFT


# --- the review workflow ------------------------------------------------------------------


def test_the_full_lifecycle_is_kept_in_the_history_with_who_and_why(cast, batch):
    enterprise = client_for(cast.enterprise_user)
    staff = client_for(cast.staff)
    application_id = apply(cast.enterprise_user, batch)
    url = f"/api/v1/applications/{application_id}"

    first = enterprise.post(f"{url}/submit/")
    assert first.json()["status"] == "submitted"
    assert first.json()["submitted_at"]
    assert first.json()["review_due_at"]
    returned = staff.post(f"{url}/return/", {"reason": "请补充隔离区照片"})
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    enterprise.patch(f"{url}/", {"checklist_notes": {"isolation_area": "已补充照片"}})
    assert enterprise.post(f"{url}/submit/", {"reason": "已补充"}).json()["status"] == "submitted"
    approved = staff.post(f"{url}/approve/", {"reason": "材料齐全"})
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_at"]
    resumed_on = timezone.localdate().isoformat()
    resumed = enterprise.post(f"{url}/resume/", {"resumed_on": resumed_on, "workers_on_site": 38})
    assert resumed.status_code == 200, resumed.json()
    assert (resumed.json()["status"], resumed.json()["resumed_on"]) == ("resumed", resumed_on)
    assert resumed.json()["workers_on_site"] == 38

    history = staff.get(f"{url}/history/")

    assert history.status_code == 200
    assert [
        (row["action"], row["from_status"], row["to_status"], row["actor"], row["reason"])
        for row in history.json()
    ] == [
        ("application.created", "", "draft", "enterprise", ""),
        ("application.submitted", "draft", "submitted", "enterprise", ""),
        ("application.returned", "submitted", "returned", "staff", "请补充隔离区照片"),
        ("application.updated", "", "", "enterprise", ""),  # the revision, field by field
        ("application.submitted", "returned", "submitted", "enterprise", "已补充"),
        ("application.approved", "submitted", "approved", "staff", "材料齐全"),
        ("application.resumed", "approved", "resumed", "enterprise", ""),
    ]
    assert history.json()[3]["changes"] == {
        "checklist_notes": [{"isolation_area": "二楼东侧会议室"}, {"isolation_area": "已补充照片"}]
    }
    assert enterprise.get(f"{url}/history/").json() == history.json()
    assert Batch.objects.get(pk=batch).approved_count == 1


def test_approving_twice_answers_409_with_the_current_status(cast, batch):
    application_id = submitted(cast.enterprise_user, batch)
    staff = client_for(cast.staff)
    staff.post(f"/api/v1/applications/{application_id}/approve/")

    again = staff.post(f"/api/v1/applications/{application_id}/approve/")

    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    assert again.json()["current_status"] == "approved"
    assert Batch.objects.get(pk=batch).approved_count == 1


@pytest.mark.parametrize("action", ["reject", "return"])
@pytest.mark.parametrize("body", [{}, {"reason": "   "}], ids=["missing", "blank"])
def test_rejecting_or_returning_needs_a_reason(cast, batch, action, body):
    application_id = submitted(cast.enterprise_user, batch)

    response = client_for(cast.staff).post(f"/api/v1/applications/{application_id}/{action}/", body)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    assert "reason" in response.json()["fields"]["reason"][0]
    assert status_of(application_id) == Status.SUBMITTED


def test_a_rejection_tells_the_enterprise_why(cast, batch):
    application_id = submitted(cast.enterprise_user, batch)

    rejected = client_for(cast.staff).post(
        f"/api/v1/applications/{application_id}/reject/", {"reason": "无隔离区"}
    )

    assert rejected.json()["status"] == "rejected"
    history = client_for(cast.enterprise_user).get(
        f"/api/v1/applications/{application_id}/history/"
    )
    assert history.json()[-1]["reason"] == "无隔离区"


def test_an_enterprise_withdraws_before_a_decision_but_not_after(cast, batch):
    client = client_for(cast.enterprise_user)
    pending = submitted(cast.enterprise_user, batch)
    assert client.post(f"/api/v1/applications/{pending}/withdraw/").json()["status"] == "withdrawn"

    decided = submitted(cast.enterprise_user, batch)
    client_for(cast.staff).post(f"/api/v1/applications/{decided}/approve/")
    late = client.post(f"/api/v1/applications/{decided}/withdraw/")
    assert late.status_code == 409
    assert late.json()["current_status"] == "approved"


def test_resumption_cannot_be_dated_in_the_future(cast, batch):
    application_id = submitted(cast.enterprise_user, batch)
    client_for(cast.staff).post(f"/api/v1/applications/{application_id}/approve/")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = client_for(cast.enterprise_user).post(
        f"/api/v1/applications/{application_id}/resume/",
        {"resumed_on": tomorrow, "workers_on_site": 10},
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["resumed_on"]
    assert status_of(application_id) == Status.APPROVED


def test_an_enterprise_may_not_decide_its_own_application(cast, batch):
    application_id = submitted(cast.enterprise_user, batch)

    response = client_for(cast.enterprise_user).post(
        f"/api/v1/applications/{application_id}/approve/"
    )

    assert response.status_code == 403
    assert status_of(application_id) == Status.SUBMITTED


# --- capacity and bulk approval -----------------------------------------------------------


def test_approvals_stop_at_the_capacity_with_409_batch_full(cast):
    batch_id = make_batch(cast, capacity=1)
    first = submitted(cast.enterprise_user, batch_id)
    second = submitted(member_user(cast.association), batch_id)
    staff = client_for(cast.staff)
    assert staff.post(f"/api/v1/applications/{first}/approve/").status_code == 200

    refused = staff.post(f"/api/v1/applications/{second}/approve/")

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "batch_full"
    assert (body["approved"], body["capacity"]) == (1, 1)
    assert status_of(second) == Status.SUBMITTED
    assert Batch.objects.get(pk=batch_id).approved_count == 1


@pytest.fixture
def three_submitted(cast, batch) -> list[int]:
    return [
        submitted(cast.enterprise_user, batch),
        submitted(member_user(cast.association, region="440305"), batch),
        submitted(member_user(cast.association, region="440104"), batch),
    ]


def test_bulk_approve_approves_them_all(cast, batch, three_submitted):
    response = client_for(cast.staff).post(
        "/api/v1/applications/bulk-approve/", {"ids": three_submitted}
    )

    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()] == sorted(three_submitted)
    assert {row["status"] for row in response.json()} == {"approved"}
    assert Batch.objects.get(pk=batch).approved_count == 3


def test_bulk_approve_approves_none_when_one_cannot_be(cast, batch, three_submitted):
    withdrawn = three_submitted[1]
    client_for(Application.objects.get(pk=withdrawn).enterprise.users.get()).post(
        f"/api/v1/applications/{withdrawn}/withdraw/"
    )

    response = client_for(cast.staff).post(
        "/api/v1/applications/bulk-approve/", {"ids": three_submitted}
    )

    assert response.status_code == 409
    assert response.json()["current_status"] == "withdrawn"
    assert response.json()["application"] == withdrawn
    assert [status_of(pk) for pk in three_submitted] == [
        Status.SUBMITTED,
        Status.WITHDRAWN,
        Status.SUBMITTED,
    ]
    assert Batch.objects.get(pk=batch).approved_count == 0


def test_bulk_approve_beyond_the_capacity_approves_none(cast, batch, three_submitted):
    Batch.objects.filter(pk=batch).update(capacity=2)

    response = client_for(cast.staff).post(
        "/api/v1/applications/bulk-approve/", {"ids": three_submitted}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "batch_full"
    assert {status_of(pk) for pk in three_submitted} == {Status.SUBMITTED}
    assert Batch.objects.get(pk=batch).approved_count == 0


def test_bulk_approve_treats_an_application_out_of_scope_as_unknown(cast, batch, three_submitted):
    other_batch = Batch.objects.create(
        association=cast.other_association,
        name="浙江第一批",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=7),
        planned_start=timezone.localdate(),
        capacity=5,
        status=Batch.Status.OPEN,
        created_by=cast.other_staff,
    )
    theirs = Application.objects.create(
        batch=other_batch,
        enterprise=cast.other_member,
        status=Status.SUBMITTED,
        planned_date=timezone.localdate(),
        created_by=cast.other_staff,
    ).pk

    response = client_for(cast.staff).post(
        "/api/v1/applications/bulk-approve/", {"ids": [*three_submitted, theirs]}
    )

    assert response.status_code == 400
    assert str(theirs) in response.json()["fields"]["ids"][0]
    assert {status_of(pk) for pk in [*three_submitted, theirs]} == {Status.SUBMITTED}


def test_bulk_approve_with_no_ids_says_to_select_some(cast):
    response = client_for(cast.staff).post("/api/v1/applications/bulk-approve/", {"ids": []})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ids"]


# --- filters and ordering -----------------------------------------------------------------


@pytest.fixture
def applications(cast, batch) -> dict[str, int]:
    """Applications telling the filters apart: batch, status, region, industry, overdue."""
    second_batch = make_batch(cast, name="第二批", industries=["C", "F"])
    shenzhen = member_user(cast.association, region="440305", industry="34")
    wholesaler = member_user(cast.association, region="440104", industry="51")
    beijing = member_user(cast.association, region="110105")
    found = {
        "guangzhou": submitted(cast.enterprise_user, batch),
        "shenzhen": submitted(shenzhen, batch),
        "wholesaler": submitted(wholesaler, second_batch),
        "guangzhou_second": submitted(cast.enterprise_user, second_batch),
    }
    client_for(cast.staff).post(f"/api/v1/applications/{found['shenzhen']}/approve/")
    # Beijing is outside both batches' regions; an application there predates the change.
    found["beijing"] = Application.objects.create(
        batch_id=second_batch,
        enterprise=beijing.enterprise,
        status=Status.SUBMITTED,
        planned_date=timezone.localdate(),
        submitted_at=timezone.now(),
        review_due_at=timezone.now() + timedelta(days=3),
        created_by=beijing,
    ).pk
    Application.objects.filter(pk=found["guangzhou"]).update(
        review_due_at=timezone.now() - timedelta(hours=1)
    )
    found["batch"], found["second_batch"] = batch, second_batch
    return found


def listed(user, **params) -> list[dict]:
    response = client_for(user).get("/api/v1/applications/", params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def names(applications: dict[str, int], rows: list[dict]) -> set[str]:
    by_id = {pk: name for name, pk in applications.items() if "batch" not in name}
    return {by_id[row["id"]] for row in rows}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"guangzhou", "shenzhen", "wholesaler", "guangzhou_second", "beijing"}),
        ({"status": "approved"}, {"shenzhen"}),
        ({"region": "440000"}, {"guangzhou", "shenzhen", "wholesaler", "guangzhou_second"}),
        ({"region": "440100"}, {"guangzhou", "wholesaler", "guangzhou_second"}),
        ({"region": "110000"}, {"beijing"}),
        ({"industry": "C"}, {"guangzhou", "shenzhen", "guangzhou_second", "beijing"}),
        ({"industry": "f"}, {"wholesaler"}),
        ({"industry": "34"}, {"shenzhen"}),
        ({"overdue": "true"}, {"guangzhou"}),
        ({"overdue": "false"}, {"shenzhen", "wholesaler", "guangzhou_second", "beijing"}),
        (
            {"region": "440000", "industry": "C", "status": "submitted"},
            {"guangzhou", "guangzhou_second"},
        ),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) or "all" if isinstance(value, dict) else None
    ),
)
def test_applications_filter_by_status_region_industry_and_overdue(
    cast, applications, params, expected
):
    assert names(applications, listed(cast.staff, **params)) == expected


def test_applications_filter_by_batch(cast, applications):
    first = listed(cast.staff, batch=applications["batch"])
    second = listed(cast.staff, batch=applications["second_batch"])

    assert names(applications, first) == {"guangzhou", "shenzhen"}
    assert names(applications, second) == {"wholesaler", "guangzhou_second", "beijing"}


def test_an_overdue_application_says_so_and_when_it_was_due(cast, applications):
    [row] = listed(cast.staff, overdue="true")

    assert row["id"] == applications["guangzhou"]
    assert row["overdue"] is True
    due = datetime.fromisoformat(row["review_due_at"])
    assert due < timezone.now()
    detail = client_for(cast.staff).get(f"/api/v1/applications/{applications['shenzhen']}/")
    assert detail.json()["overdue"] is False


def test_applications_filter_by_change_time(cast, applications):
    Application.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Application.objects.filter(pk=applications["wholesaler"]).update(
        updated_at=datetime(2020, 3, 1, tzinfo=UTC)
    )

    rows = listed(cast.staff, updated_since="2020-02-01T00:00:00+08:00")

    assert names(applications, rows) == {"wholesaler"}


def test_applications_come_oldest_submission_first(cast, applications):
    base = datetime(2020, 2, 10, tzinfo=UTC)
    order = ["beijing", "wholesaler", "guangzhou", "guangzhou_second", "shenzhen"]
    for hours, name in enumerate(order):
        Application.objects.filter(pk=applications[name]).update(
            submitted_at=base + timedelta(hours=hours)
        )

    rows = listed(cast.staff)
    newest_first = listed(cast.staff, ordering="-submitted_at")

    assert [row["id"] for row in rows] == [applications[name] for name in order]
    assert [row["id"] for row in newest_first] == [applications[name] for name in reversed(order)]


def test_an_unknown_region_code_in_the_filter_answers_400(cast):
    response = client_for(cast.staff).get("/api/v1/applications/", {"region": "4401"})

    assert response.status_code == 400
    assert "Unknown region code" in response.json()["fields"]["region"][0]


# --- progress -----------------------------------------------------------------------------


@pytest.fixture
def progress_batch(cast) -> int:
    """A batch for Guangdong in sections C and F, with applications set by hand:

    enterprise   region            industry  status     returning workers
    tianhe       440106 Guangzhou  39 (C)    resumed    30
    nanshan      440305 Shenzhen   34 (C)    approved   20
    yuexiu       440104 Guangzhou  39 (C)    rejected    5, then applied again (submitted)
    food         440106 Guangzhou  13 (C)    -
    cast.member  440106 Guangzhou  39 (C)    draft      (not applied)
    wholesaler   440305 Shenzhen   51 (F)    submitted   7
    and, not eligible: a non-member in Guangzhou, a member in Beijing, and a member whose
    membership is suspended."""
    batch_id = make_batch(cast, regions=["440000"], industries=["C", "F"])
    people = {
        "tianhe": ("440106", "39", Status.RESUMED, 30),
        "nanshan": ("440305", "34", Status.APPROVED, 20),
        "yuexiu": ("440104", "39", Status.REJECTED, 5),
        "food": ("440106", "13", None, 0),
        "wholesaler": ("440305", "51", Status.SUBMITTED, 7),
    }
    users = {}
    for name, (region, industry, status, workers) in people.items():
        users[name] = user = member_user(cast.association, region=region, industry=industry)
        if status is not None:
            Application.objects.create(
                batch_id=batch_id,
                enterprise=user.enterprise,
                status=status,
                planned_date=timezone.localdate(),
                returning_workers=workers,
                created_by=user,
            )
    # Applied twice, counted once.
    submitted(users["yuexiu"], batch_id, returning_workers=5, workers_from_other_provinces=0)
    apply(cast.enterprise_user, batch_id)
    member_user(None)
    member_user(cast.association, region="110105")
    member_user(cast.association, status=Membership.Status.SUSPENDED)
    # Another batch's applications do not count in this one.
    elsewhere = make_batch(cast, name="另一批")
    Application.objects.create(
        batch_id=elsewhere,
        enterprise=cast.member,
        status=Status.RESUMED,
        planned_date=timezone.localdate(),
        returning_workers=999,
        created_by=cast.enterprise_user,
    )
    return batch_id


FIGURES = ("eligible", "applied", "approved", "rejected", "resumed", "returning_workers", "rate")


def figures(row: dict) -> tuple:
    return tuple(row[name] for name in FIGURES)


def progress_of(user, batch_id: int, **params) -> dict:
    response = client_for(user).get(f"/api/v1/batches/{batch_id}/progress/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_progress_by_province_counts_each_enterprise_once(cast, progress_batch):
    body = progress_of(cast.staff, progress_batch)

    assert (body["by"], body["within"]) == ("region", None)
    [guangdong] = body["rows"]
    assert (guangdong["code"], guangdong["name"], guangdong["drill"]) == (
        "440000",
        "Guangdong",
        True,
    )
    assert figures(guangdong) == (6, 4, 2, 1, 1, 50, 0.1667)  # 1/6 to four places
    assert figures(body["totals"]) == (6, 4, 2, 1, 1, 50, 0.1667)  # 1/6 to four places


def test_progress_within_a_province_breaks_down_by_prefecture(cast, progress_batch):
    body = progress_of(cast.official, progress_batch, within="440000")

    assert body["within"] == "440000"
    rows = {row["code"]: figures(row) for row in body["rows"]}
    assert rows == {
        "440100": (4, 2, 1, 1, 1, 30, 0.25),
        "440300": (2, 2, 1, 0, 0, 20, 0.0),
    }
    assert figures(body["totals"]) == (6, 4, 2, 1, 1, 50, 0.1667)  # 1/6 to four places


def test_progress_by_industry_section(cast, progress_batch):
    body = progress_of(cast.partner, progress_batch, by="industry")

    rows = {row["code"]: figures(row) for row in body["rows"]}
    assert rows == {
        "C": (5, 3, 2, 1, 1, 50, 0.2),
        "F": (1, 1, 0, 0, 0, 0, 0.0),
    }


def test_progress_names_its_rate_by_what_it_divides(cast, progress_batch):
    body = progress_of(cast.staff, progress_batch)

    assert body["rate_label"] == "Resumption rate (resumed ÷ eligible)"
    for row in [*body["rows"], body["totals"]]:
        assert row["resumed_of_eligible"] == row["rate"] == 0.1667  # 1/6 to four places


def test_progress_of_a_region_with_no_eligible_enterprise_has_no_rate(cast, progress_batch):
    body = progress_of(cast.staff, progress_batch, within="110000")

    assert body["rows"] == []
    assert figures(body["totals"]) == (0, 0, 0, 0, 0, 0, None)


def test_progress_refuses_an_unknown_region_or_breakdown(cast, progress_batch):
    client = client_for(cast.staff)
    url = f"/api/v1/batches/{progress_batch}/progress/"

    unknown_region = client.get(url, {"within": "449999"})
    unknown_breakdown = client.get(url, {"by": "size"})

    assert unknown_region.status_code == 400
    assert list(unknown_region.json()["fields"]) == ["within"]
    assert unknown_breakdown.status_code == 400
    assert list(unknown_breakdown.json()["fields"]) == ["by"]


def test_enterprise_users_do_not_see_progress(cast, batch):
    response = client_for(cast.enterprise_user).get(f"/api/v1/batches/{batch}/progress/")

    assert response.status_code == 403


# --- query counts -------------------------------------------------------------------------


@pytest.fixture
def sixty_applications(cast, batch):
    """Sixty submitted applications from sixty members, and sixty batches with their regions
    and industries."""
    enterprises = [EnterpriseFactory(region_id="440106") for _ in range(60)]
    Membership.objects.bulk_create(
        Membership(enterprise=e, association=cast.association, status=Membership.Status.ACTIVE)
        for e in enterprises
    )
    now = timezone.now()
    Application.objects.bulk_create(
        Application(
            batch_id=batch,
            association=cast.association,
            enterprise=enterprise,
            status=Status.SUBMITTED,
            planned_date=timezone.localdate(),
            submitted_at=now - timedelta(minutes=n),
            review_due_at=now + timedelta(days=1),
            created_by=cast.staff,
        )
        for n, enterprise in enumerate(enterprises)
    )
    template = Batch.objects.get(pk=batch)
    for n in range(59):
        copy = Batch.objects.create(
            association=cast.association,
            name=f"第{n}批",
            opens_at=template.opens_at,
            closes_at=template.closes_at,
            planned_start=template.planned_start,
            capacity=5,
            status=Batch.Status.OPEN,
            created_by=cast.staff,
        )
        set_links(copy, "regions", ["440100", "440300"])
        set_links(copy, "industries", ["C", "51"])


def queries_for(user, path: str, page_size: int) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(queries)


@pytest.mark.parametrize("path", ["/api/v1/applications/", "/api/v1/batches/"])
@pytest.mark.parametrize("role", ["staff", "official", "partner", "admin"])
def test_a_list_runs_the_same_queries_for_5_or_50_rows(cast, sixty_applications, path, role):
    user = cast.by_role(role)

    assert queries_for(user, path, 5) == queries_for(user, path, 50)


# --- who sees what ------------------------------------------------------------------------


@pytest.fixture
def zhejiang(cast) -> dict[str, int]:
    """The other association's open batch and its member's submitted application."""
    client = client_for(cast.other_staff)
    created = client.post("/api/v1/batches/", batch_body(regions=["330000"], name="浙江第一批"))
    assert created.status_code == 201, created.json()
    batch_id = created.json()["id"]
    client.post(f"/api/v1/batches/{batch_id}/open/")
    user = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    return {"batch": batch_id, "application": submitted(user, batch_id)}


def test_staff_of_another_association_find_neither_batch_nor_application(cast, batch, zhejiang):
    application_id = submitted(cast.enterprise_user, batch)
    client = client_for(cast.other_staff)

    assert client.get(f"/api/v1/batches/{batch}/").status_code == 404
    assert client.get(f"/api/v1/applications/{application_id}/").status_code == 404
    assert client.post(f"/api/v1/applications/{application_id}/approve/").status_code == 404
    assert client.post(f"/api/v1/batches/{batch}/close/").status_code == 404
    assert status_of(application_id) == Status.SUBMITTED
    assert [row["id"] for row in listed(cast.other_staff)] == [zhejiang["application"]]
    assert [row["id"] for row in client.get("/api/v1/batches/").json()["results"]] == [
        zhejiang["batch"]
    ]


def test_officials_see_only_their_jurisdiction(cast, batch, zhejiang):
    guangzhou = submitted(cast.enterprise_user, batch)
    draft = apply(member_user(cast.association, region="440305"), batch)

    assert [row["id"] for row in listed(cast.official)] == [guangzhou]
    assert [row["id"] for row in listed(cast.other_official)] == [zhejiang["application"]]
    client = client_for(cast.official)
    assert client.get(f"/api/v1/applications/{zhejiang['application']}/").status_code == 404
    assert client.get(f"/api/v1/applications/{draft}/").status_code == 404
    assert client.get(f"/api/v1/batches/{zhejiang['batch']}/").status_code == 404
    assert client.get(f"/api/v1/batches/{zhejiang['batch']}/progress/").status_code == 404
    assert client.post(f"/api/v1/applications/{guangzhou}/approve/").status_code == 403


def test_enterprise_users_see_only_their_own_applications(cast, batch):
    own = apply(cast.enterprise_user, batch)
    neighbour_user = member_user(cast.association)
    neighbours = submitted(neighbour_user, batch)
    client = client_for(cast.enterprise_user)

    assert [row["id"] for row in listed(cast.enterprise_user)] == [own]
    assert client.get(f"/api/v1/applications/{neighbours}/").status_code == 404
    assert client.get(f"/api/v1/applications/{neighbours}/history/").status_code == 404
    assert client.post(f"/api/v1/applications/{neighbours}/withdraw/").status_code == 404
    assert (
        client.patch(f"/api/v1/applications/{neighbours}/", {"returning_workers": 1}).status_code
        == 404
    )
    assert status_of(neighbours) == Status.SUBMITTED


def test_staff_do_not_see_drafts_until_they_are_submitted(cast, batch):
    draft = apply(cast.enterprise_user, batch)
    client = client_for(cast.staff)

    assert listed(cast.staff) == []
    assert client.get(f"/api/v1/applications/{draft}/").status_code == 404
    client_for(cast.enterprise_user).post(f"/api/v1/applications/{draft}/submit/")
    assert [row["id"] for row in listed(cast.staff)] == [draft]


def test_enterprise_users_see_published_batches_of_their_associations_only(cast, batch, zhejiang):
    draft = make_batch(cast, open_it=False, name="未发布")
    client = client_for(cast.enterprise_user)

    rows = client.get("/api/v1/batches/").json()["results"]

    assert [row["id"] for row in rows] == [batch]
    assert client.get(f"/api/v1/batches/{draft}/").status_code == 404
    assert client.get(f"/api/v1/batches/{zhejiang['batch']}/").status_code == 404
    assert client.post("/api/v1/batches/", batch_body()).status_code == 403


def test_an_unknown_or_malformed_id_answers_404(cast):
    client = client_for(cast.admin)

    assert client.get("/api/v1/batches/999999/").status_code == 404
    assert client.get("/api/v1/applications/abc/").status_code == 404


def test_a_planned_date_that_is_not_a_date_answers_400(cast, batch):
    response = client_for(cast.enterprise_user).post(
        "/api/v1/applications/", application_body(batch, planned_date="next week")
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["planned_date"]


@pytest.mark.parametrize(
    "items", ["masks_days", [{"masks_days": 1}], [["masks_days"]], [7]], ids=str
)
def test_mandatory_items_must_be_a_list_of_checklist_keys(cast, items):
    response = client_for(cast.staff).post("/api/v1/batches/", batch_body(mandatory_items=items))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["mandatory_items"]
    assert not Batch.objects.exists()
