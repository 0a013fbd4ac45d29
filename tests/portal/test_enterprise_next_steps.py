"""The enterprise user's home page says what to do next: each step a link to the page where it
is done, what others wait for from the enterprise first, nothing of another enterprise's."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from associations.models import Membership
from batches import services as batches
from core.models import Role
from supplies import services as needs
from supplies.models import Escalation, Need, SupplyItem
from tests.factories import (
    READY_CHECKLIST,
    ApplicationFactory,
    AssociationFactory,
    BatchFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def home_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def steps_of(client, user) -> list[tuple[str, str]]:
    """The next steps as (kind, link), in their order on the page."""
    html = home_of(client, user)
    return re.findall(r'<a class="step" href="([^"]+)" data-testid="step-([a-z]+)"', html)


def step_text(client, user, kind: str) -> str:
    html = home_of(client, user)
    return html.split(f'data-testid="step-{kind}">', 1)[1].split("</a>", 1)[0]


def need_of(enterprise, association, status, **fields) -> Need:
    return Need.objects.create(
        kind=Need.Kind.SUPPLY,
        enterprise=enterprise,
        association=association,
        status=status,
        item=SupplyItem.objects.get(code="mask-medical"),
        unit="piece",
        quantity=Decimal("1000"),
        created_by=UserFactory(),
        **fields,
    )


def answered(need: Need, official, *, days_ago: float = 1, reply="已协调物流通行证") -> Need:
    Escalation.objects.create(
        need=need,
        summary="协会无法解决",
        escalated_by=official,
        reply=reply,
        outcome=Escalation.Outcome.RESOLVED,
        replied_by=official,
        replied_at=timezone.now() - timedelta(days=days_ago),
    )
    return need


def returned_application(cast, batch, reason="请补充隔离区照片"):
    application = batches.application_create(
        actor=cast.enterprise_user,
        batch_id=batch.pk,
        planned_date=batch.planned_start,
        returning_workers=20,
        workers_from_other_provinces=0,
        **READY_CHECKLIST,
    )
    batches.application_submit(actor=cast.enterprise_user, application_id=application.pk)
    return batches.application_return(
        actor=cast.staff, application_id=application.pk, reason=reason
    )


# --- what is asked of the enterprise ----------------------------------------------------------


def test_a_returned_application_leads_to_its_form_with_the_associations_reason(cast, client):
    batch = BatchFactory(association=cast.association, name="第一批复工")
    application = returned_application(cast, batch)
    assert (reverse("application-edit", args=[application.pk]), "returned") in steps_of(
        client, cast.enterprise_user
    )
    text = step_text(client, cast.enterprise_user, "returned")
    assert "第一批复工" in text
    assert "协会意见：请补充隔离区照片" in text


def test_information_asked_on_a_need_leads_to_the_need_with_the_question(cast, client):
    need = need_of(cast.member, cast.association, Need.Status.IN_PROGRESS)
    needs.need_ask_info(actor=cast.staff, need_id=need.pk, question="请说明送货地址")
    assert (reverse("need-detail", args=[need.pk]), "info") in steps_of(
        client, cast.enterprise_user
    )
    assert "协会的问题：请说明送货地址" in step_text(client, cast.enterprise_user, "info")


def test_a_draft_names_the_checklist_items_the_batch_requires_that_are_missing(cast, client):
    batch = BatchFactory(
        association=cast.association,
        mandatory_items=["masks_days", "isolation_area"],
        checklist_minimums={"masks_days": 7},
    )
    draft = ApplicationFactory(
        batch=batch, enterprise=cast.member, status="draft", masks_days=3, isolation_area=False
    )
    assert (reverse("application-edit", args=[draft.pk]), "checklist") in steps_of(
        client, cast.enterprise_user
    )
    text = step_text(client, cast.enterprise_user, "checklist")
    assert "缺少的检查项：口罩储备（天） ≥ 7、隔离区" in text


def test_a_complete_draft_is_to_be_submitted(cast, client):
    batch = BatchFactory(association=cast.association, mandatory_items=["masks_days"])
    draft = ApplicationFactory(batch=batch, enterprise=cast.member, status="draft", masks_days=14)
    assert (reverse("application-edit", args=[draft.pk]), "submit") in steps_of(
        client, cast.enterprise_user
    )


def test_an_invitation_is_to_be_answered(cast, client):
    invitation = MembershipFactory(
        enterprise=cast.member,
        association=AssociationFactory(name="广州市物流商会"),
        status=Membership.Status.INVITED,
    )
    assert (reverse("membership-detail", args=[invitation.pk]), "invitation") in steps_of(
        client, cast.enterprise_user
    )
    assert "广州市物流商会" in step_text(client, cast.enterprise_user, "invitation")


# --- what the enterprise may read or do -------------------------------------------------------


def test_an_answer_of_the_last_two_weeks_is_a_step_an_older_one_is_not(cast, client):
    recent = answered(need_of(cast.member, cast.association, Need.Status.ANSWERED), cast.official)
    answered(
        need_of(cast.member, cast.association, Need.Status.RESOLVED, closed_at=timezone.now()),
        cast.official,
        days_ago=20,
    )
    steps = steps_of(client, cast.enterprise_user)
    assert [step for step in steps if step[1] == "answer"] == [
        (reverse("need-detail", args=[recent.pk]), "answer")
    ]
    assert "已解决：已协调物流通行证" in step_text(client, cast.enterprise_user, "answer")


def test_an_open_batch_is_a_step_until_the_enterprise_applies(cast, client):
    batch = BatchFactory(association=cast.association, name="第二批复工")
    assert (reverse("application-new", args=[batch.pk]), "apply") in steps_of(
        client, cast.enterprise_user
    )
    ApplicationFactory(batch=batch, enterprise=cast.member)  # submitted: nothing to do now
    assert steps_of(client, cast.enterprise_user) == []


def test_a_request_to_join_waits_with_how_long_it_has_waited(cast, client):
    request = MembershipFactory(
        enterprise=cast.member,
        association=AssociationFactory(name="广东省机械行业协会"),
        status=Membership.Status.PENDING,
    )
    Membership.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=2, hours=1)
    )
    assert (reverse("membership-detail", args=[request.pk]), "pending") in steps_of(
        client, cast.enterprise_user
    )
    assert "已等 2 天" in step_text(client, cast.enterprise_user, "pending")


# --- order, nothing, and what is not the enterprise's ------------------------------------------


def test_what_others_wait_for_comes_before_what_the_enterprise_may_do(cast, client):
    MembershipFactory(
        enterprise=cast.member,
        association=AssociationFactory(),
        status=Membership.Status.PENDING,
    )
    BatchFactory(association=cast.association)
    answered(need_of(cast.member, cast.association, Need.Status.ANSWERED), cast.official)
    asked = need_of(cast.member, cast.association, Need.Status.IN_PROGRESS)
    needs.need_ask_info(actor=cast.staff, need_id=asked.pk, question="数量？")
    returned_application(cast, BatchFactory(association=cast.association))

    kinds = [kind for _link, kind in steps_of(client, cast.enterprise_user)]
    assert kinds == ["returned", "info", "answer", "apply", "pending"]


def test_next_steps_come_first_on_the_page(cast, client):
    BatchFactory(association=cast.association)
    html = home_of(client, cast.enterprise_user)
    assert html.index('data-testid="next-steps"') < html.index('data-testid="enterprise-card"')


def test_with_nothing_to_do_the_page_says_so_and_offers_the_useful_actions(cast, client):
    html = home_of(client, cast.enterprise_user)
    assert 'data-testid="nothing-next"' in html
    assert "目前没有需要您处理的事项" in html
    section = html.split('data-testid="next-steps"', 1)[1].split("</section>", 1)[0]
    assert reverse("need-file", args=["supply"]) in section
    assert reverse("batch-list") in section


def test_steps_leave_out_what_is_done_and_what_is_another_enterprises(cast, client):
    batch = BatchFactory(association=cast.association)
    for status in ("approved", "withdrawn", "rejected", "resumed"):
        ApplicationFactory(
            batch=BatchFactory(association=cast.association, status="closed"),
            enterprise=cast.member,
            status=status,
        )
    need_of(cast.member, cast.association, Need.Status.CANCELLED, closed_at=timezone.now())
    need_of(cast.member, cast.association, Need.Status.RESOLVED, closed_at=timezone.now())
    ApplicationFactory(batch=batch, enterprise=cast.member)  # already applied to the open one
    # Another enterprise's returned application and need asking for information.
    other_user = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    other_batch = BatchFactory(association=cast.other_association, regions=["330000"])
    ApplicationFactory(batch=other_batch, enterprise=cast.other_member, status="returned")
    need_of(cast.other_member, cast.other_association, Need.Status.INFO_REQUESTED)
    answered(
        need_of(cast.other_member, cast.other_association, Need.Status.ANSWERED), cast.official
    )

    assert steps_of(client, cast.enterprise_user) == []
    assert [kind for _link, kind in steps_of(client, other_user)] == ["returned", "info", "answer"]


def test_a_user_without_an_enterprise_gets_no_next_steps(cast, client):
    html = home_of(client, cast.outsider)
    assert 'data-testid="next-steps"' not in html
    assert reverse("enterprise-register") in html
