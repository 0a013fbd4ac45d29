"""Resumption batches and applications as people use them in the pages: staff open a batch,
enterprises apply, staff review, everyone follows the progress.

The pages are read in English (the language cookie), so that the assertions hold before and
after the Chinese translation of the new strings.
"""

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batches import services
from batches.models import Application, Batch
from core.errors import DomainError
from core.models import Industry, Notification, Region, Role
from core.workflow import history_for
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def web(client):
    """A browser whose person reads English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html_of(response) -> str:
    """The page as a person reads it: entities such as &#x27; turned back into characters."""
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def make_batch(
    cast,
    *,
    open_it: bool = True,
    regions=("440000",),
    industries=("C",),
    mandatory=("disinfection_plan",),
    capacity: int = 10,
    review_days: int = 3,
    name: str = "第一批复工",
) -> Batch:
    now = timezone.now()
    batch = services.batch_create(
        actor=cast.staff,
        association_id=cast.association.pk,
        regions=list(Region.objects.filter(code__in=regions)),
        industries=list(Industry.objects.filter(code__in=industries)),
        name=name,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        planned_start=timezone.localdate() + timedelta(days=3),
        capacity=capacity,
        prevention_requirements="口罩储备7天以上",
        mandatory_items=list(mandatory),
        review_days=review_days,
    )
    if open_it:
        services.batch_open(actor=cast.staff, batch_id=batch.pk)
    return batch


def new_member(cast, *, region: str = "440106", industry: str = "39"):
    """A new active member of the cast's association."""
    enterprise = EnterpriseFactory(region_id=region, industry_id=industry)
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


def user_of(enterprise):
    return enterprise.users.first() or UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)


def application(batch, enterprise, *, submit: bool = True, **fields) -> Application:
    """An application of the enterprise, made through the services like a person would."""
    user = user_of(enterprise)
    values = {
        "planned_date": batch.planned_start,
        "returning_workers": 20,
        "disinfection_plan": True,
        **fields,
    }
    made = services.application_create(actor=user, batch_id=batch.pk, **values)
    if submit:
        made = services.application_submit(actor=user, application_id=made.pk)
    return made


def application_form(**overrides) -> dict:
    data = {
        "planned_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "returning_workers": "25",
        "workers_from_other_provinces": "4",
        "masks_days": "14",
        "disinfectant_days": "10",
        "thermometers": "3",
        "disinfection_plan": "on",
        "emergency_plan": "on",
        "note_isolation_area": "东侧平房",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- staff create and open a batch ----------------------------------------------------------


def batch_form(**overrides) -> dict:
    data = {
        "name": "2020年第一批复工复产",
        "regions": "440100，440300",
        "industries": ["C", "51"],
        "opens_at": "2020-02-10T09:00",
        "closes_at": "2020-02-20T18:00",
        "planned_start": "2020-02-24",
        "capacity": "50",
        "review_days": "3",
        "prevention_requirements": "每日两次消毒",
        "mandatory_items": ["disinfection_plan", "emergency_plan"],
    }
    data.update(overrides)
    return data


def test_staff_create_a_batch_with_regions_by_code_and_see_their_names(cast, web):
    web.force_login(cast.staff)
    response = web.post(reverse("batch-new"), batch_form(), follow=True)
    batch = Batch.objects.get(name="2020年第一批复工复产")
    assert batch.status == Batch.Status.DRAFT
    assert set(batch.regions.values_list("code", flat=True)) == {"440100", "440300"}
    assert set(batch.industries.values_list("code", flat=True)) == {"C", "51"}
    assert batch.opens_at == datetime(2020, 2, 10, 9, 0, tzinfo=SHANGHAI)
    assert batch.mandatory_items == ["disinfection_plan", "emergency_plan"]
    html = html_of(response)
    assert response.redirect_chain[-1][0] == reverse("batch-detail", args=[batch.pk])
    assert "Guangzhou" in html and "Shenzhen" in html
    assert "2020-02-10 09:00" in html  # Beijing time, as typed


def test_unknown_region_code_in_the_batch_form_is_named_and_nothing_is_saved(cast, web):
    web.force_login(cast.staff)
    response = web.post(reverse("batch-new"), batch_form(regions="440100, 999999"))
    assert response.status_code == 200
    assert "Unknown region codes (GB/T 2260): 999999." in html_of(response)
    assert not Batch.objects.exists()


def test_batch_form_shows_the_services_refusal_beside_the_field(cast, web):
    web.force_login(cast.staff)
    response = web.post(reverse("batch-new"), batch_form(closes_at="2020-02-01T09:00"))
    assert "Applications must close after they open." in html_of(response)
    assert not Batch.objects.exists()
    # What was typed comes back, with the regions understood.
    assert "Guangzhou" in html_of(response)


def test_editing_a_batch_shows_its_regions_by_name_and_saves_changes(cast, web):
    batch = make_batch(cast, open_it=False, regions=("440100",))
    web.force_login(cast.staff)
    page = html_of(web.get(reverse("batch-edit", args=[batch.pk])))
    assert 'value="Guangdong / Guangzhou"' in page
    web.post(
        reverse("batch-edit", args=[batch.pk]),
        batch_form(name="改名后的批次", regions="440000", capacity="80", industries=["C"]),
    )
    batch.refresh_from_db()
    assert (batch.name, batch.capacity) == ("改名后的批次", 80)
    assert list(batch.regions.values_list("code", flat=True)) == ["440000"]


def test_staff_open_the_batch_from_its_page_and_the_change_is_kept(cast, web):
    batch = make_batch(cast, open_it=False)
    web.force_login(cast.staff)
    response = web.post(reverse("batch-transition", args=[batch.pk, "open"]), follow=True)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.OPEN
    assert "The batch is open" in html_of(response)
    assert [c.to_status for c in history_for(batch)] == ["draft", "open"]


def test_a_refused_batch_transition_says_why(cast, web):
    batch = make_batch(cast, open_it=False)
    web.force_login(cast.staff)
    response = web.post(reverse("batch-transition", args=[batch.pk, "complete"]), follow=True)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAFT
    assert "This cannot be done while the status is “Draft”." in messages_of(response)


# --- enterprises apply ----------------------------------------------------------------------


def test_enterprise_user_sees_the_open_batch_with_an_apply_button(cast, web):
    batch = make_batch(cast)
    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("batch-list")))
    assert batch.name in html
    assert reverse("application-new", args=[batch.pk]) in html
    assert reverse("application-new", args=[batch.pk]) in html_of(web.get(reverse("dashboard")))


def test_enterprise_user_does_not_see_a_draft_batch(cast, web):
    batch = make_batch(cast, open_it=False)
    web.force_login(cast.enterprise_user)
    assert batch.name not in html_of(web.get(reverse("batch-list")))
    assert web.get(reverse("batch-detail", args=[batch.pk])).status_code == 404


def test_enterprise_saves_a_draft_then_submits_it(cast, web):
    batch = make_batch(cast)
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("application-new", args=[batch.pk]), application_form(draft="1"), follow=True
    )
    mine = Application.objects.get(enterprise=cast.member)
    assert mine.status == Application.Status.DRAFT
    assert mine.checklist_notes == {"isolation_area": "东侧平房"}
    assert (mine.returning_workers, mine.workers_from_other_provinces) == (25, 4)
    assert "东侧平房" in html_of(response)

    response = web.post(reverse("application-action", args=[mine.pk, "submit"]), follow=True)
    mine.refresh_from_db()
    assert mine.status == Application.Status.SUBMITTED
    assert mine.review_due_at is not None
    assert "Your application is submitted" in html_of(response)


def test_missing_mandatory_item_leaves_a_draft_and_says_which(cast, web):
    batch = make_batch(cast, mandatory=("disinfection_plan", "emergency_plan"))
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("application-new", args=[batch.pk]),
        application_form(emergency_plan=None, submit="1"),
    )
    mine = Application.objects.get(enterprise=cast.member)
    assert mine.status == Application.Status.DRAFT
    # The form again, as it was sent, saving from now on to the draft; the item at its field.
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Saved, but not submitted: The batch requires these checklist items: Emergency plan."
    ]
    assert form.errors["emergency_plan"] == [
        "The batch requires this item before the application is submitted."
    ]
    page = html_of(response)
    assert f'action="{reverse("application-edit", args=[mine.pk])}"' in page
    assert "东侧平房" in page


def test_save_and_submit_with_everything_in_place_submits(cast, web):
    batch = make_batch(cast)
    web.force_login(cast.enterprise_user)
    web.post(reverse("application-new", args=[batch.pk]), application_form(submit="1"))
    assert Application.objects.get(enterprise=cast.member).status == Application.Status.SUBMITTED


def test_apply_page_marks_the_mandatory_items(cast, web):
    batch = make_batch(cast, mandatory=("isolation_area", "thermometers"))
    web.force_login(cast.enterprise_user)
    response = web.get(reverse("application-new", args=[batch.pk]))
    rows = response.context["form"].checklist_rows()
    assert {row["field"].name for row in rows if row["mandatory"]} == {
        "isolation_area",
        "thermometers",
    }
    assert html_of(response).count('data-testid="mandatory"') == 2
    assert "口罩储备7天以上" in html_of(response)  # the batch's prevention requirements


def test_apply_page_outside_the_window_says_why_instead_of_a_form(cast, web):
    batch = make_batch(cast)
    Batch.objects.filter(pk=batch.pk).update(
        opens_at=datetime(2020, 2, 1, 9, tzinfo=SHANGHAI),
        closes_at=datetime(2020, 2, 10, 18, tzinfo=SHANGHAI),
    )
    web.force_login(cast.enterprise_user)
    response = web.get(reverse("application-new", args=[batch.pk]))
    html = html_of(response)
    assert "Applications closed on 2020-02-10 18:00." in html
    assert 'name="planned_date"' not in html
    web.post(reverse("application-new", args=[batch.pk]), application_form(submit="1"))
    assert not Application.objects.exists()


def test_apply_page_for_another_industry_says_the_enterprise_is_not_eligible(cast, web):
    batch = make_batch(cast, industries=("F",))
    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("application-new", args=[batch.pk])))
    assert "This batch is for other regions or industries than your enterprise's." in html
    assert reverse("application-new", args=[batch.pk]) not in html_of(
        web.get(reverse("batch-list"))
    )


def test_applying_twice_leads_to_the_existing_application(cast, web):
    batch = make_batch(cast)
    mine = application(batch, cast.member, submit=False)
    web.force_login(cast.enterprise_user)
    response = web.get(reverse("application-new", args=[batch.pk]))
    assert response.status_code == 302
    assert response.url == reverse("application-detail", args=[mine.pk])


def test_staff_cannot_apply(cast, web):
    batch = make_batch(cast)
    web.force_login(cast.staff)
    assert web.get(reverse("application-new", args=[batch.pk])).status_code == 403


# --- the review queue -----------------------------------------------------------------------


def queue_ids(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'data-testid="queue-row" data-id="(\d+)"', html_of(response))
    ]


def test_queue_lists_submitted_applications_oldest_first_and_marks_the_overdue(cast, web):
    batch = make_batch(cast)
    recent = application(batch, new_member(cast))
    older = application(batch, new_member(cast))
    application(batch, new_member(cast), submit=False)  # a draft is not for staff to see
    now = timezone.now()
    Application.objects.filter(pk=older.pk).update(
        submitted_at=now - timedelta(days=5), review_due_at=now - timedelta(days=2)
    )
    web.force_login(cast.staff)
    response = web.get(reverse("application-list"))
    assert queue_ids(response) == [older.pk, recent.pk]
    rows = re.findall(r'<tr data-testid="queue-row".*?</tr>', html_of(response), re.S)
    assert 'class="overdue"' in rows[0] and 'data-testid="overdue"' in rows[0]
    assert "overdue" not in rows[1]
    due = timezone.localtime(now - timedelta(days=2))
    assert due.strftime("%Y-%m-%d") in rows[0] and due.strftime("%H:%M") in rows[0]


def test_queue_filters_by_region_and_industry(cast, web):
    batch = make_batch(cast, industries=("C", "F"))
    guangzhou = application(batch, new_member(cast, region="440106"))
    shenzhen = application(batch, new_member(cast, region="440304", industry="51"))
    web.force_login(cast.staff)
    assert queue_ids(web.get(reverse("application-list"), {"region": "440300"})) == [shenzhen.pk]
    assert queue_ids(web.get(reverse("application-list"), {"industry": "C"})) == [guangzhou.pk]
    assert queue_ids(web.get(reverse("application-list"), {"industry": "51"})) == [shenzhen.pk]
    response = web.get(reverse("application-list"), {"region": "4403"})
    assert "Unknown region code 4403" in html_of(response)
    assert queue_ids(response) == []


def test_queue_shows_other_statuses_when_asked(cast, web):
    batch = make_batch(cast)
    waiting = application(batch, new_member(cast))
    approved = application(batch, new_member(cast))
    services.application_approve(actor=cast.staff, application_id=approved.pk)
    web.force_login(cast.staff)
    assert queue_ids(web.get(reverse("application-list"))) == [waiting.pk]
    shown = queue_ids(web.get(reverse("application-list"), {"status": "approved"}))
    assert shown == [approved.pk]
    assert len(queue_ids(web.get(reverse("application-list"), {"status": ""}))) == 2


def test_queue_page_runs_the_same_queries_for_3_or_30_applications(cast, web):
    batch = make_batch(cast, capacity=100)
    regions = ["440106", "440304", "440111", "440604", "440703"]

    def count_queries() -> int:
        web.get(reverse("application-list"))  # the menu's counts in the cache (core.badges)
        with CaptureQueriesContext(connection) as queries:
            assert web.get(reverse("application-list")).status_code == 200
        return len(queries)

    for index in range(3):
        application(batch, new_member(cast, region=regions[index]))
    web.force_login(cast.staff)
    few = count_queries()
    for index in range(27):
        application(batch, new_member(cast, region=regions[index % len(regions)]))
    assert len(queue_ids(web.get(reverse("application-list")))) == 30
    assert count_queries() == few


# --- decisions ------------------------------------------------------------------------------


def test_staff_approve_from_the_application_page(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.staff)
    response = web.post(
        reverse("application-action", args=[submitted.pk, "approve"]), {"reason": ""}, follow=True
    )
    submitted.refresh_from_db()
    batch.refresh_from_db()
    assert submitted.status == Application.Status.APPROVED
    assert batch.approved_count == 1
    assert "The application is approved" in html_of(response)


def test_reject_without_a_reason_is_refused_and_with_one_is_recorded(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.staff)
    url = reverse("application-action", args=[submitted.pk, "reject"])
    response = web.post(url, {"reason": "  ", "confirm": "yes"})
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    # The page again, the error under the rejection's own reason box.
    assert response.status_code == 400
    assert response.context["failed_action"] == "reject"
    assert response.context["reason_form"].errors["reason"] == [
        "Give a reason; the enterprise will see it."
    ]

    # A rejection is final: without the box beside its button ticked, nothing happens, and the
    # reason typed is still in its box.
    response = web.post(url, {"reason": "消毒方案未落实"})
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert "Tick the box to confirm the rejection" in html_of(response)
    page = html_of(response)
    assert re.search(r'id="id_reject_reason"[^>]*>消毒方案未落实</textarea>', page)
    assert re.search(r'id="id_return_reason"[^>]*></textarea>', page)  # not in the other box

    response = web.post(url, {"reason": "消毒方案未落实", "confirm": "yes"}, follow=True)
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.REJECTED
    assert history_for(submitted).last().reason == "消毒方案未落实"
    assert "消毒方案未落实" in html_of(response)


def test_returned_application_is_revised_and_submitted_again_by_the_enterprise(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.staff)
    web.post(
        reverse("application-action", args=[submitted.pk, "return"]),
        {"reason": "请补充隔离区位置"},
    )
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.RETURNED

    web.force_login(cast.enterprise_user)
    detail = html_of(web.get(reverse("application-detail", args=[submitted.pk])))
    assert "请补充隔离区位置" in detail
    assert reverse("application-edit", args=[submitted.pk]) in detail
    web.post(
        reverse("application-edit", args=[submitted.pk]),
        application_form(isolation_area="on", submit="1"),
    )
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.isolation_area is True


def test_enterprise_cannot_edit_a_submitted_application(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("application-edit", args=[submitted.pk]),
        application_form(returning_workers="99"),
        follow=True,
    )
    submitted.refresh_from_db()
    assert submitted.returning_workers == 20
    assert "cannot be changed while it is “Submitted”" in html_of(response)


def test_bulk_approve_approves_every_selected_application(cast, web):
    batch = make_batch(cast)
    first, second = application(batch, new_member(cast)), application(batch, new_member(cast))
    web.force_login(cast.staff)
    response = web.post(
        reverse("application-bulk-approve"),
        {"ids": [first.pk, second.pk], "confirm": "yes"},
        follow=True,
    )
    assert "2 applications approved." in messages_of(response)
    assert set(Application.objects.values_list("status", flat=True)) == {"approved"}
    assert response.redirect_chain[-1][0] == reverse("application-list")


def test_bulk_approve_with_one_not_submitted_approves_none_and_says_why(cast, web):
    batch = make_batch(cast)
    first, second = application(batch, new_member(cast)), application(batch, new_member(cast))
    returned = application(batch, new_member(cast))
    services.application_return(actor=cast.staff, application_id=returned.pk, reason="补材料")
    web.force_login(cast.staff)
    back = reverse("application-list") + f"?batch={batch.pk}&status=submitted"
    response = web.post(
        reverse("application-bulk-approve"),
        {"ids": [first.pk, second.pk, returned.pk], "next": back, "confirm": "yes"},
        follow=True,
    )
    assert Application.objects.filter(status="approved").count() == 0
    batch.refresh_from_db()
    assert batch.approved_count == 0
    assert (
        "Nothing was approved. This cannot be done while the status is “Returned for revision”."
        in messages_of(response)
    )
    assert response.redirect_chain[-1][0] == back


def test_bulk_approve_without_the_box_ticked_approves_nothing(cast, web):
    batch = make_batch(cast)
    first = application(batch, cast.member)
    web.force_login(cast.staff)
    response = web.post(reverse("application-bulk-approve"), {"ids": [first.pk]}, follow=True)
    first.refresh_from_db()
    assert first.status == Application.Status.SUBMITTED
    assert "cannot be undone" in " ".join(messages_of(response))


def test_bulk_approve_refuses_ids_outside_the_staff_scope(cast, web):
    mine = application(make_batch(cast), new_member(cast))
    theirs_batch = services.batch_create(
        actor=cast.other_staff,
        association_id=cast.other_association.pk,
        regions=[Region.objects.get(code="330000")],
        industries=[Industry.objects.get(code="C")],
        name="浙江批次",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=5),
        planned_start=timezone.localdate(),
        capacity=5,
    )
    services.batch_open(actor=cast.other_staff, batch_id=theirs_batch.pk)
    theirs = application(theirs_batch, cast.other_member)
    web.force_login(cast.staff)
    response = web.post(
        reverse("application-bulk-approve"),
        {"ids": [mine.pk, theirs.pk], "confirm": "yes"},
        follow=True,
    )
    assert "Some of the selected applications do not exist." in messages_of(response)
    assert not Application.objects.filter(status="approved").exists()


def test_approving_in_a_full_batch_says_it_is_full(cast, web):
    batch = make_batch(cast, capacity=1)
    first, second = application(batch, new_member(cast)), application(batch, new_member(cast))
    services.application_approve(actor=cast.staff, application_id=first.pk)
    web.force_login(cast.staff)
    response = web.post(reverse("application-action", args=[second.pk, "approve"]), follow=True)
    second.refresh_from_db()
    assert second.status == Application.Status.SUBMITTED
    assert "The batch is full: 1 of 1 places are taken." in messages_of(response)


def test_enterprise_confirms_resumption_with_date_and_workers(cast, web):
    batch = make_batch(cast)
    approved = application(batch, cast.member)
    services.application_approve(actor=cast.staff, application_id=approved.pk)
    web.force_login(cast.enterprise_user)
    url = reverse("application-action", args=[approved.pk, "resume"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = web.post(url, {"resumed_on": tomorrow, "workers_on_site": "18"})
    # Refused at the date's field, with both values as typed.
    assert response.status_code == 400
    form = response.context["resume_form"]
    assert form.errors == {"resumed_on": ["The resumption date cannot be in the future."]}
    page = html_of(response)
    assert f'value="{tomorrow}"' in page and 'value="18"' in page
    response = web.post(url, {"resumed_on": "", "workers_on_site": "-1"})
    assert set(response.context["resume_form"].errors) == {"resumed_on", "workers_on_site"}
    today = timezone.localdate()
    response = web.post(
        url, {"resumed_on": today.isoformat(), "workers_on_site": "18"}, follow=True
    )
    approved.refresh_from_db()
    assert approved.status == Application.Status.RESUMED
    assert (approved.resumed_on, approved.workers_on_site) == (today, 18)
    assert today.isoformat() in html_of(response)


def test_enterprise_withdraws_a_submitted_application(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.enterprise_user)
    url = reverse("application-action", args=[submitted.pk, "withdraw"])
    web.post(url)  # one click is not enough: the page asks to tick a box that says what happens
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    page = html_of(web.get(reverse("application-detail", args=[submitted.pk])))
    assert 'name="confirm" value="yes" required' in page
    web.post(url, {"confirm": "yes"})
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.WITHDRAWN


def test_return_and_reject_each_have_their_own_reason_box(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.staff)
    page = html_of(web.get(reverse("application-detail", args=[submitted.pk])))
    for action, box in (("return", "id_return_reason"), ("reject", "id_reject_reason")):
        form = re.search(
            rf'<form[^>]*action="[^"]*/{action}/"[^>]*>(.*?)</form>', page, re.S
        ).group(1)
        assert f'id="{box}"' in form and "required" in form


def test_staff_page_offers_decisions_and_the_enterprise_page_does_not(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    approve = reverse("application-action", args=[submitted.pk, "approve"])
    web.force_login(cast.staff)
    assert approve in html_of(web.get(reverse("application-detail", args=[submitted.pk])))
    web.force_login(cast.enterprise_user)
    page = html_of(web.get(reverse("application-detail", args=[submitted.pk])))
    assert approve not in page
    assert reverse("application-action", args=[submitted.pk, "withdraw"]) in page


def test_enterprise_cannot_approve_its_own_application(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.enterprise_user)
    response = web.post(reverse("application-action", args=[submitted.pk, "approve"]))
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_my_applications_lists_status_and_next_step(cast, web):
    batch = make_batch(cast)
    returned = application(batch, cast.member)
    services.application_return(actor=cast.staff, application_id=returned.pk, reason="补材料")
    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("application-list")))
    assert "Returned for revision" in html
    assert "Revise it as the association asks and submit it again." in html


# --- progress -------------------------------------------------------------------------------


@pytest.fixture
def small_batch(cast):
    """Three eligible members (two in Guangzhou, one in Shenzhen); two applied, one of them
    approved and resumed, with 30 returning workers."""
    batch = make_batch(cast)
    shenzhen = new_member(cast, region="440304")
    new_member(cast, region="440104")
    new_member(cast, region="440304", industry="62")  # catering: not in the batch
    resumed = application(batch, cast.member, returning_workers=30)
    services.application_approve(actor=cast.staff, application_id=resumed.pk)
    services.application_resume(
        actor=user_of(cast.member),
        application_id=resumed.pk,
        resumed_on=timezone.localdate(),
        workers_on_site=28,
    )
    application(batch, shenzhen)
    return batch


def cells(html: str, testid: str) -> list[str]:
    row = re.search(rf'data-testid="{testid}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", " ", cell).split()[0]
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    ]


def test_progress_page_counts_eligible_applied_approved_resumed_and_the_rate(
    cast, web, small_batch
):
    web.force_login(cast.staff)
    html = html_of(web.get(reverse("batch-progress", args=[small_batch.pk])))
    # name, eligible, applied, approved, rejected, resumed, rate, returning workers
    assert cells(html, "progress-totals") == ["Total", "3", "2", "1", "0", "1", "0", "33.33%", "30"]
    assert '<rect width="33.3"' in html  # the bar of the chart
    assert "Resumption rate (resumed ÷ eligible)" in html  # what the rate divides


def test_the_batch_page_names_its_rate_by_what_it_divides(cast, web, small_batch):
    web.force_login(cast.staff)
    html = html_of(web.get(reverse("batch-detail", args=[small_batch.pk])))
    assert "Resumption rate (resumed ÷ eligible)" in html


def test_progress_drills_down_from_province_to_city_to_county(cast, web, small_batch):
    web.force_login(cast.staff)
    url = reverse("batch-progress", args=[small_batch.pk])
    top = web.get(url)
    [province] = top.context["figures"]["rows"]
    assert (province["name"], province["eligible"]) == ("Guangdong", 3)
    assert 'href="?within=440000"' in html_of(top)

    cities = web.get(url, {"within": "440000"})
    html = html_of(cities)
    assert {row["name"]: row["eligible"] for row in cities.context["figures"]["rows"]} == {
        "Guangzhou": 2,
        "Shenzhen": 1,
    }
    assert 'href="?within=440100"' in html
    assert "All regions" in html and "Guangdong" in html  # the way back up

    counties = web.get(url, {"within": "440100"})
    rows = {row["name"]: row for row in counties.context["figures"]["rows"]}
    assert set(rows) == {"Tianhe District", "Yuexiu District"}
    assert rows["Tianhe District"]["resumed"] == 1
    assert "?within=440106" not in html_of(counties)  # counties are the bottom
    assert 'href="?within=440000"' in html_of(counties)  # the breadcrumb back to the province


def test_progress_by_industry_section(cast, web, small_batch):
    web.force_login(cast.staff)
    response = web.get(reverse("batch-progress", args=[small_batch.pk]), {"by": "industry"})
    [section] = response.context["figures"]["rows"]
    assert (section["code"], section["name"], section["applied"]) == ("C", "Manufacturing", 2)
    assert "By industry section" in html_of(response)


def test_association_progress_covers_all_its_batches(cast, web, small_batch):
    other = make_batch(cast, name="第二批")
    application(other, new_member(cast, region="440304"))
    web.force_login(cast.staff)
    response = web.get(reverse("association-progress"))
    totals = response.context["figures"]["totals"]
    assert totals["applied"] == 3
    html = html_of(response)
    assert reverse("batch-progress", args=[other.pk]) in html


def test_association_progress_is_kept_a_while_for_others_and_fresh_for_who_just_approved(
    cast, web, small_batch
):
    """The figures of all an association's batches are kept for a few seconds (at national
    scale they read all its members and applications); staff who have just approved an
    application read them afresh, so their own approval is counted at once."""
    web.force_login(cast.manager)
    assert web.get(reverse("association-progress")).context["figures"]["totals"]["approved"] == 1
    waiting = application(make_batch(cast, name="第二批"), new_member(cast, region="440304"))
    # someone else's approval: counted once the kept figures lapse
    reviewer = Client()
    reviewer.force_login(cast.staff)
    answer = reviewer.post(reverse("application-action", args=[waiting.pk, "approve"]), {})
    assert answer.status_code == 302
    assert web.get(reverse("association-progress")).context["figures"]["totals"]["approved"] == 1
    assert (
        reviewer.get(reverse("association-progress")).context["figures"]["totals"]["approved"] == 2
    )
    # a batch's own page reads its figures each time
    other = web.get(reverse("batch-progress", args=[waiting.batch_id]))
    assert other.context["figures"]["totals"]["approved"] == 1


def test_progress_page_runs_the_same_queries_for_3_or_30_applications(cast, web):
    batch = make_batch(cast, capacity=100)
    regions = ["440106", "440304", "441302", "440604", "440703", "440802"]  # six cities
    url = reverse("batch-progress", args=[batch.pk])

    def count_queries() -> int:
        web.get(url, {"within": "440000"})  # the menu's counts in the cache (core.badges)
        with CaptureQueriesContext(connection) as queries:
            assert web.get(url, {"within": "440000"}).status_code == 200
        return len(queries)

    for index in range(3):
        application(batch, new_member(cast, region=regions[index]))
    web.force_login(cast.staff)
    few = count_queries()
    for index in range(27):
        application(batch, new_member(cast, region=regions[index % len(regions)]))
    response = web.get(url, {"within": "440000"})
    assert response.context["figures"]["totals"]["applied"] == 30
    assert len(response.context["figures"]["rows"]) == len(regions)
    assert count_queries() == few


def test_official_follows_progress_but_changes_nothing(cast, web, small_batch):
    web.force_login(cast.official)
    assert web.get(reverse("batch-progress", args=[small_batch.pk])).status_code == 200
    detail = html_of(web.get(reverse("batch-detail", args=[small_batch.pk])))
    assert reverse("batch-transition", args=[small_batch.pk, "close"]) not in detail
    assert web.get(reverse("batch-new")).status_code == 403
    response = web.post(reverse("batch-transition", args=[small_batch.pk, "close"]))
    assert response.status_code == 403


def test_enterprise_user_may_not_see_progress(cast, web, small_batch):
    web.force_login(cast.enterprise_user)
    assert web.get(reverse("batch-progress", args=[small_batch.pk])).status_code == 403


# --- scope: what is not yours does not exist ----------------------------------------------


def test_other_association_staff_get_404_on_the_batch_and_its_applications(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.other_staff)
    for url in (
        reverse("batch-detail", args=[batch.pk]),
        reverse("batch-edit", args=[batch.pk]),
        reverse("batch-progress", args=[batch.pk]),
        reverse("application-detail", args=[submitted.pk]),
    ):
        assert web.get(url).status_code == 404, url
    response = web.post(reverse("application-action", args=[submitted.pk, "approve"]))
    assert response.status_code == 404
    assert web.post(reverse("batch-transition", args=[batch.pk, "close"])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.pk not in queue_ids(web.get(reverse("application-list")))


def test_enterprise_user_gets_404_on_another_enterprises_application(cast, web):
    batch = make_batch(cast)
    neighbour = application(batch, new_member(cast))
    web.force_login(cast.enterprise_user)
    assert web.get(reverse("application-detail", args=[neighbour.pk])).status_code == 404
    assert web.get(reverse("application-edit", args=[neighbour.pk])).status_code == 404
    response = web.post(reverse("application-action", args=[neighbour.pk, "withdraw"]))
    assert response.status_code == 404
    neighbour.refresh_from_db()
    assert neighbour.status == Application.Status.SUBMITTED


# --- navigation and dashboards --------------------------------------------------------------


def test_navigation_counts_the_waiting_applications_and_unread_notifications(cast, web):
    batch = make_batch(cast)
    application(batch, new_member(cast))
    application(batch, new_member(cast))
    Notification.objects.create(user=cast.staff, title="新消息")
    web.force_login(cast.staff)
    html = html_of(web.get(reverse("dashboard")))
    queue_link = re.search(r'<a href="/applications/"[^>]*>(.*?)</a>', html).group(1)
    assert "Review queue" in queue_link and ">2<" in queue_link
    notifications = re.search(r'data-testid="notifications-link">(.*?)</a>', html).group(1)
    assert ">1<" in notifications


def test_navigation_fits_each_role(cast, web):
    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("dashboard")))
    assert "My applications" in html and "Review queue" not in html
    web.force_login(cast.official)
    html = html_of(web.get(reverse("dashboard")))
    assert reverse("association-progress") in html and "Review queue" not in html


def test_staff_dashboard_counts_waiting_and_overdue_applications(cast, web):
    batch = make_batch(cast)
    overdue = application(batch, new_member(cast))
    application(batch, new_member(cast))
    Application.objects.filter(pk=overdue.pk).update(
        review_due_at=timezone.now() - timedelta(hours=1)
    )
    web.force_login(cast.staff)
    html = html_of(web.get(reverse("dashboard")))
    assert re.search(r'data-testid="queue-submitted"><span class="figure">2<', html)
    assert re.search(r'data-testid="queue-overdue"><span class="figure">1<', html)


def test_enterprise_dashboard_lists_its_applications(cast, web):
    batch = make_batch(cast)
    application(batch, cast.member)
    web.force_login(cast.enterprise_user)
    html = html_of(web.get(reverse("dashboard")))
    assert batch.name in html
    assert "Waiting for the association's review" in html
    # Applied already: the batch is no longer offered as one to apply to.
    assert reverse("application-new", args=[batch.pk]) not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_answers_in_both_languages_without_remote_assets(cast, client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    pages = {
        cast.staff: [
            reverse("batch-list"),
            reverse("batch-new"),
            reverse("batch-detail", args=[batch.pk]),
            reverse("batch-edit", args=[batch.pk]),
            reverse("batch-progress", args=[batch.pk]) + "?within=440000",
            reverse("batch-progress", args=[batch.pk]) + "?by=industry",
            reverse("association-progress"),
            reverse("application-list"),
            reverse("application-detail", args=[submitted.pk]),
            reverse("dashboard"),
        ],
        cast.enterprise_user: [
            reverse("batch-list"),
            reverse("batch-detail", args=[batch.pk]),
            reverse("application-list"),
            reverse("application-detail", args=[submitted.pk]),
            reverse("dashboard"),
        ],
        cast.official: [reverse("association-progress"), reverse("batch-detail", args=[batch.pk])],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            assert response["Content-Language"] == language
            html = html_of(response)
            assert "http://" not in html and "https://" not in html, url


def test_after_a_decision_the_reviewer_goes_on_with_the_next_waiting_application(cast, web):
    batch = make_batch(cast)
    first = application(batch, cast.member)
    neighbour = EnterpriseFactory(name="广州邻厂有限公司", region_id="440106", industry_id="39")
    MembershipFactory(enterprise=neighbour, association=cast.association)
    second = application(batch, neighbour)
    web.force_login(cast.staff)

    response = web.post(reverse("application-action", args=[first.pk, "approve"]))
    assert response["Location"] == reverse("application-detail", args=[second.pk])

    # The last one leads back to itself: nothing else waits.
    response = web.post(
        reverse("application-action", args=[second.pk, "return"]), {"reason": "补充消毒方案"}
    )
    assert response["Location"] == reverse("application-detail", args=[second.pk])


def test_a_batch_minimum_stops_a_mandatory_item_short_of_it_and_flags_the_others(cast, web):
    batch = make_batch(cast, mandatory=("masks_days",))
    Batch.objects.filter(pk=batch.pk).update(
        checklist_minimums={"masks_days": 7, "thermometers": 2}
    )
    draft = application(batch, cast.member, submit=False, masks_days=3, thermometers=1)

    # Three days of masks where the batch asks for seven: the hand-in is refused, saying so.
    with pytest.raises(DomainError) as refused:
        services.application_submit(actor=user_of(cast.member), application_id=draft.pk)
    assert "≥ 7" in refused.value.message

    services.application_update(actor=user_of(cast.member), application_id=draft.pk, masks_days=7)
    services.application_submit(actor=user_of(cast.member), application_id=draft.pk)
    web.force_login(cast.staff)
    page = html_of(web.get(reverse("application-detail", args=[draft.pk])))
    flags = re.findall(r'data-testid="below-minimum">([^<]*)<', page)
    assert flags == ["below the batch's minimum of 2"]  # one thermometer where two are asked
    # The queue flags it too, naming the item short of its minimum.
    queue = html_of(web.get(reverse("application-list")))
    flags = re.findall(r'data-testid="below-minimum">([^<]*)<', queue)
    assert flags == ["Below the batch's minimum: Thermometers"]


def test_staff_set_minimums_on_the_batch_form_and_applicants_see_them(cast, web):
    batch = make_batch(cast)
    web.force_login(cast.staff)
    form = web.get(reverse("batch-edit", args=[batch.pk])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("industries", "mandatory_items")
    }
    data |= {
        "industries": form.initial["industries"],
        "mandatory_items": form.initial["mandatory_items"],
        "opens_at": timezone.localtime(batch.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(batch.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "min_masks_days": "7",
    }
    response = web.post(reverse("batch-edit", args=[batch.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    batch.refresh_from_db()
    assert batch.checklist_minimums == {"masks_days": 7}

    web.force_login(user_of(cast.member))
    page = html_of(web.get(reverse("application-new", args=[batch.pk])))
    assert "at least 7" in page


def test_a_hand_in_below_a_mandatory_minimum_names_it_at_its_field_keeping_the_input(cast, web):
    batch = make_batch(cast, mandatory=("masks_days",))
    Batch.objects.filter(pk=batch.pk).update(checklist_minimums={"masks_days": 7})
    web.force_login(cast.enterprise_user)
    response = web.post(
        reverse("application-new", args=[batch.pk]), application_form(masks_days=3, submit="1")
    )
    mine = Application.objects.get(enterprise=cast.member)
    assert mine.status == Application.Status.DRAFT
    assert mine.masks_days == 3
    form = response.context["form"]
    assert form.errors["masks_days"] == ["The batch requires at least 7; there are 3."]
    assert 'name="masks_days" value="3"' in html_of(response)

    # Seven days, sent from the same form: saved to the same draft and submitted.
    response = web.post(
        reverse("application-edit", args=[mine.pk]), application_form(masks_days=7, submit="1")
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.masks_days) == (Application.Status.SUBMITTED, 7)
    assert Application.objects.filter(enterprise=cast.member).count() == 1


def test_a_refused_return_keeps_the_reason_out_of_the_banner_and_at_its_box(cast, web):
    batch = make_batch(cast)
    submitted = application(batch, cast.member)
    web.force_login(cast.staff)
    url = reverse("application-action", args=[submitted.pk, "return"])
    response = web.post(url, {"reason": "x" * 2001})
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert response.status_code == 400
    assert response.context["failed_action"] == "return"
    assert "reason" in response.context["reason_form"].errors
    assert "x" * 2001 in html_of(response)
    assert messages_of(response) == []
